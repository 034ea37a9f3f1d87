// The documented bad inputs (docs/data.md, docs/features.md, docs/models.md, docs/decoding.md) through
// `features`, `train`, `decode` and `wer`, each over an earlier good output (docs/guarantees.md):
// exit code 1 (2 for a bad option value), a message without a stack trace that names the file, and
// the output directory exactly as it was.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';
import { makeOracleSetup, type OracleSetup } from '../decode/oracle-model.js';
import { changeFeatsConfig, writeSynthCorpusDirs } from '../nnet/pipeline-fixtures.js';
import { snapshotDir } from '../store/snapshot.js';

let root: string;

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bad-inputs-'));
  await fs.mkdir(path.join(root, 'cases'));
});

interface BadInput {
  /** What is wrong, as the docs list it. */
  what: string;
  /** Make the inputs in `dir` (a fresh directory) and return the CLI arguments. */
  args: (dir: string) => Promise<string[]>;
  /** What the message must name (a path, or a path and the file and line within it). */
  names: (dir: string) => string | string[];
  code?: 1 | 2;
}

/**
 * Run every case against `outDir` (holding an earlier good output): exit code, message naming the
 * file, no stack trace, output unchanged.
 */
async function checkMatrix(command: string, outDir: string, cases: BadInput[]): Promise<void> {
  const before = await snapshotDir(outDir);
  const parent = path.dirname(outDir);
  const siblings = (await fs.readdir(parent)).sort();
  for (const [i, c] of cases.entries()) {
    const dir = path.join(root, 'cases', `${command}-${i}`);
    await fs.mkdir(dir, { recursive: true });
    const args = await c.args(dir);
    const r = await runCli(command, ...args);
    const label = `${command}: ${c.what}`;
    assert.equal(r.code, c.code ?? 1, `${label}: exit code (stderr: ${r.stderr})`);
    for (const n of [c.names(dir)].flat()) assert.ok(r.stderr.includes(n), `${label}: the message names ${n}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, `${label}: no stack trace`);
    assert.deepEqual(await snapshotDir(outDir), before, `${label}: ${outDir} unchanged`);
  }
  // Failed runs leave their work beside the output (for inspection), nothing else.
  const left = (await fs.readdir(parent)).filter((f) => !siblings.includes(f));
  assert.ok(left.every((f) => f === `.${path.basename(outDir)}.partial`), `left beside the output: ${left.join(' ')}`);
}

const tone = (sec: number, rate = 16000) => encodeWavPcm16(Float32Array.from({ length: Math.round(rate * sec) }, (_, k) => 0.2 * Math.sin(0.03 * k)), rate);

/** A data dir of three 0.3 s utterances in `dir`; `edit` changes one WAV's bytes or the wav.scp line. */
async function audioData(dir: string, edit: { wav?: Uint8Array | string; scp?: string } = {}): Promise<string> {
  const data = path.join(dir, 'data');
  await fs.mkdir(path.join(data, 'wav'), { recursive: true });
  const ids = ['s-a', 's-b', 's-c'];
  for (const id of ids) await fs.writeFile(path.join(data, `wav/${id}.wav`), id === 's-b' && edit.wav !== undefined ? edit.wav : tone(0.3));
  await writeDataDir(data, ids.map((id) => ({ uttId: id, speakerId: 's', wav: `wav/${id}.wav` })));
  if (edit.scp !== undefined) await fs.writeFile(path.join(data, 'wav.scp'), edit.scp);
  return data;
}

test('features: documented bad inputs exit 1 naming the file and leave FEATS_DIR as it was', async () => {
  const good = await audioData(path.join(root, 'features-good'));
  const feats = path.join(root, 'feats');
  assert.equal((await runCli('features', good, feats, '--jobs', '1')).code, 0);
  assert.equal((await runCli('compute-cmvn', feats)).code, 0);
  const wavB = (dir: string) => path.join(dir, 'data', 'wav', 's-b.wav');
  const scp = (dir: string) => [path.join(dir, 'data'), 'wav.scp line 2'];
  const whole = tone(0.3);
  await checkMatrix('features', feats, [
    { what: 'missing audio file', args: async (d) => [await audioData(d, { scp: 's-a wav/s-a.wav\ns-b wav/nope.wav\ns-c wav/s-c.wav\n' }), feats], names: (d) => path.join(d, 'data', 'wav', 'nope.wav') },
    { what: 'truncated WAV', args: async (d) => [await audioData(d, { wav: whole.subarray(0, 2000) }), feats], names: wavB },
    { what: 'not a WAV file', args: async (d) => [await audioData(d, { wav: 'hello, not audio\n'.repeat(10) }), feats], names: wavB },
    { what: 'wrong sample rate without --allow-resample', args: async (d) => [await audioData(d, { wav: tone(0.3, 8000) }), feats], names: wavB },
    { what: 'shorter than one frame', args: async (d) => [await audioData(d, { wav: tone(0.01) }), feats], names: wavB },
    { what: 'missing channel', args: async (d) => [await audioData(d), feats, '--channel', '1'], names: (d) => path.join(d, 'data', 'wav', 's-') },
    { what: 'failing pipe command', args: async (d) => [await audioData(d, { scp: 's-a wav/s-a.wav\ns-b false |\ns-c wav/s-c.wav\n' }), feats], names: () => 's-b' },
    { what: 'wav.scp not sorted', args: async (d) => [await audioData(d, { scp: 's-b wav/s-b.wav\ns-a wav/s-a.wav\ns-c wav/s-c.wav\n' }), feats], names: scp },
    { what: 'wav.scp duplicate id', args: async (d) => [await audioData(d, { scp: 's-a wav/s-a.wav\ns-a wav/s-b.wav\ns-c wav/s-c.wav\n' }), feats], names: scp },
    { what: 'missing data directory', args: async (d) => [path.join(d, 'no-data'), feats], names: (d) => path.join(d, 'no-data') },
    {
      what: 'feature config with an unknown key',
      args: async (d) => {
        const cfg = JSON.parse(await fs.readFile(path.join(process.cwd(), 'features', 'fbank40.json'), 'utf8')) as Record<string, unknown>;
        await fs.writeFile(path.join(d, 'cfg.json'), JSON.stringify({ ...cfg, numMelBin: 40 }));
        return [await audioData(d), feats, '--config', path.join(d, 'cfg.json')];
      },
      names: (d) => path.join(d, 'cfg.json'),
    },
    { what: 'missing feature config', args: async (d) => [await audioData(d), feats, '--config', path.join(d, 'none.json')], names: (d) => path.join(d, 'none.json') },
  ]);
});

test('train: documented bad inputs exit 1 naming the file and leave MODEL_DIR as it was', async () => {
  const synth = await writeSynthCorpusDirs(path.join(root, 'train-good'), { name: 'train', numUtts: 6, dim: 4, seed: 1 });
  const dnn = path.join(root, 'dnn');
  const opts = ['--arch', '1x8', '--context', '1:1', '--epochs', '1', '--batch', '64', '--backend', 'cpu'];
  const t = await runCli('train', synth.featsDir, synth.aliDir, dnn, ...opts);
  assert.equal(t.code, 0, t.stderr);
  /** A copy of the good feats and ali dirs in `d`, with `edit` applied. */
  const copy = async (d: string, edit: (feats: string, ali: string) => Promise<void>): Promise<string[]> => {
    const feats = path.join(d, 'feats');
    const ali = path.join(d, 'ali');
    await fs.cp(synth.featsDir, feats, { recursive: true });
    await fs.cp(synth.aliDir, ali, { recursive: true });
    await edit(feats, ali);
    return [feats, ali, dnn, ...opts];
  };
  await checkMatrix('train', dnn, [
    { what: 'missing feature directory', args: (d) => copy(d, (f) => fs.rm(f, { recursive: true })), names: (d) => path.join(d, 'feats') },
    { what: 'unfinished feature directory (no feats.json)', args: (d) => copy(d, (f) => fs.rm(path.join(f, 'feats.json'))), names: (d) => path.join(d, 'feats') },
    { what: 'truncated feature shard', args: (d) => copy(d, (f) => fs.truncate(path.join(f, 'feats.1.arrow'), 100)), names: (d) => path.join(d, 'feats', 'feats.1.arrow') },
    { what: 'corrupt cmvn.json', args: (d) => copy(d, (f) => fs.writeFile(path.join(f, 'cmvn.json'), '{"per": "speaker", ')), names: (d) => path.join(d, 'feats', 'cmvn.json') },
    { what: 'missing alignment directory', args: (d) => copy(d, (_f, a) => fs.rm(a, { recursive: true })), names: (d) => path.join(d, 'ali') },
    { what: 'corrupt ali.json', args: (d) => copy(d, (_f, a) => fs.writeFile(path.join(a, 'ali.json'), 'not json')), names: (d) => path.join(d, 'ali', 'ali.json') },
    { what: 'missing --arch file', code: 2, args: async (d) => [synth.featsDir, synth.aliDir, dnn, ...opts, '--arch', path.join(d, 'arch.json')], names: (d) => path.join(d, 'arch.json') },
    {
      what: '--dev features made with another configuration',
      args: async (d) => {
        const [f, a] = await copy(d, (f) => changeFeatsConfig(f, { lowFreq: 300 }));
        return [synth.featsDir, synth.aliDir, dnn, ...opts, '--dev', `${f},${a}`];
      },
      names: (d) => [path.join(d, 'feats'), 'lowFreq: training features 20, dev 300'],
    },
    { what: 'a diverging learning rate (adam at 1e9)', args: async () => [synth.featsDir, synth.aliDir, dnn, ...opts, '--optimizer', 'adam', '--lr', '1e9'], names: () => ['more than 10 times its start', 'learning rate 1000000000'] },
  ]);
});

let oracle: OracleSetup;

test('decode: documented bad inputs exit 1 naming the file and leave OUT_DIR as it was', async () => {
  oracle = await makeOracleSetup(path.join(root, 'decode-good'), { numUtts: 2 });
  const out = path.join(root, 'decode-out');
  const common = ['--feats', oracle.featsDir, '--jobs', '1', '--backend', 'cpu'];
  const good = await runCli('decode', oracle.modelDir, oracle.dataDir, out, ...common);
  assert.equal(good.code, 0, good.stderr);
  /** A copy of the model dir in `d` with `edit` applied. */
  const model = async (d: string, edit: (m: string) => Promise<void>): Promise<string[]> => {
    const m = path.join(d, 'model');
    await fs.cp(oracle.modelDir, m, { recursive: true });
    await edit(m);
    return [m, oracle.dataDir, out, ...common];
  };
  const data = async (d: string, edit: (dataDir: string) => Promise<void>): Promise<string[]> => {
    const dataDir = path.join(d, 'data');
    await fs.cp(oracle.dataDir, dataDir, { recursive: true });
    await edit(dataDir);
    return [oracle.modelDir, dataDir, out, ...common];
  };
  await checkMatrix('decode', out, [
    { what: 'missing model directory', args: async (d) => [path.join(d, 'none'), oracle.dataDir, out, ...common], names: (d) => path.join(d, 'none') },
    { what: 'corrupt asr-distill.json', args: (d) => model(d, (m) => fs.writeFile(path.join(m, 'asr-distill.json'), '{')), names: (d) => path.join(d, 'model', 'asr-distill.json') },
    { what: 'truncated weights.bin', args: (d) => model(d, (m) => fs.truncate(path.join(m, 'weights.bin'), 10)), names: (d) => path.join(d, 'model') },
    {
      what: 'flipped bytes in weights.bin',
      args: (d) => model(d, async (m) => {
        const bytes = await fs.readFile(path.join(m, 'weights.bin'));
        bytes.fill(0xff, 0, 16);
        await fs.writeFile(path.join(m, 'weights.bin'), bytes);
      }),
      names: (d) => [path.join(d, 'model', 'weights.bin'), 'same size, changed content'],
    },
    { what: '400 extra bytes after weights.bin', args: (d) => model(d, (m) => fs.appendFile(path.join(m, 'weights.bin'), Buffer.alloc(400))), names: (d) => [path.join(d, 'model', 'weights.bin'), '400 bytes too many'] },
    {
      what: 'features made with another configuration',
      args: async (d) => {
        const feats = path.join(d, 'feats');
        await fs.cp(oracle.featsDir, feats, { recursive: true });
        await changeFeatsConfig(feats, { lowFreq: 300 });
        return [oracle.modelDir, oracle.dataDir, out, ...common, '--feats', feats];
      },
      names: (d) => [path.join(d, 'feats'), 'lowFreq: model 20, features 300'],
    },
    { what: 'text not sorted', args: (d) => data(d, async (x) => fs.writeFile(path.join(x, 'text'), (await fs.readFile(path.join(x, 'text'), 'utf8')).split('\n').filter(Boolean).reverse().join('\n') + '\n')), names: (d) => [path.join(d, 'data'), 'text line 2'] },
    { what: 'missing grammar file', args: async (d) => [oracle.modelDir, oracle.dataDir, out, ...common, '--grammar', path.join(d, 'g.jsgf')], names: (d) => path.join(d, 'g.jsgf') },
    { what: 'features of another dimension', args: async (d) => [oracle.modelDir, oracle.dataDir, out, ...common, '--feats', (await writeSynthCorpusDirs(d, { name: 'x', numUtts: 2, dim: 3, seed: 1 })).featsDir], names: (d) => path.join(d, 'feats-x') },
  ]);
});

test('wer: documented bad inputs exit 1 naming the file and leave the --details file as it was', async () => {
  const dir = path.join(root, 'wer-good');
  await fs.mkdir(dir, { recursive: true });
  const ref = path.join(dir, 'ref');
  const hyp = path.join(dir, 'hyp');
  await fs.writeFile(ref, 'u1 one two\nu2 three\n');
  await fs.writeFile(hyp, 'u1 one\nu2 three\n');
  const outDir = path.join(root, 'wer-out');
  const details = path.join(outDir, 'details.txt');
  assert.equal((await runCli('wer', ref, hyp, '--details', details)).code, 0);
  const file = (name: string, text: string | Uint8Array) => async (d: string) => {
    await fs.writeFile(path.join(d, name), text);
    return path.join(d, name);
  };
  await checkMatrix('wer', outDir, [
    { what: 'missing reference', args: async (d) => [path.join(d, 'none'), hyp, '--details', details], names: (d) => path.join(d, 'none') },
    { what: 'duplicate utterance id', args: async (d) => [ref, await file('hyp', 'u1 one\nu1 two\n')(d), '--details', details], names: (d) => path.join(d, 'hyp') },
    { what: 'reference utterance without hypothesis (strict)', args: async (d) => [ref, await file('hyp', 'u1 one\n')(d), '--details', details], names: (d) => path.join(d, 'hyp') },
    { what: 'binary garbage', args: async (d) => [ref, await file('hyp', new Uint8Array([0, 1, 2, 255, 254, 10, 0x1b, 0x5b, 0x32, 0x4a]))(d), '--details', details], names: (d) => path.join(d, 'hyp') },
  ]);
});
