// Output safety through the CLI (issue 21 items 1, 2, 5, 9, 10; docs/guarantees.md): a rerun that
// fails keeps the previous output, foreign directories are refused, one writer per directory,
// file-system errors are messages without a stack, and decode reruns leave nothing stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';
import { makeOracleSetup } from '../decode/oracle-model.js';
import { snapshotDir } from '../store/snapshot.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A data dir of `n` one-speaker tone utterances of `sec` seconds each. */
async function toneCorpus(dir: string, n: number, sec: number): Promise<string[]> {
  await fs.mkdir(path.join(dir, 'wav'), { recursive: true });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `s-u${String(i).padStart(3, '0')}`;
    const x = Float32Array.from({ length: Math.round(16000 * sec) }, (_, k) => 0.2 * Math.sin(0.01 * (i + 3) * k));
    await fs.writeFile(path.join(dir, `wav/${id}.wav`), encodeWavPcm16(x, 16000));
    ids.push(id);
  }
  await writeDataDir(dir, ids.map((id) => ({ uttId: id, speakerId: 's', wav: `wav/${id}.wav` })));
  return ids;
}

async function tmp(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

test('make-corpus refuses a non-empty foreign directory', async () => {
  const root = await tmp('safety-corpus-');
  const out = path.join(root, 'mine');
  await fs.mkdir(out);
  await fs.writeFile(path.join(out, 'thesis.tex'), 'years of work');
  const r = await runCli('make-corpus', 'digits', out, '--train-utts', '2', '--dev-utts', '1', '--test-utts', '1', '--train-speakers', '1', '--dev-speakers', '1', '--test-speakers', '1', '--jobs', '1');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `asr-distill make-corpus: output directory ${out} is not empty (1 entry) and was not written by asr-distill make-corpus (no .asr-distill-output.json); ` +
      'choose another directory, or pass --overwrite to replace it with everything in it\n',
  );
  assert.deepEqual(await fs.readdir(root), ['mine']);
  assert.equal(await fs.readFile(path.join(out, 'thesis.tex'), 'utf8'), 'years of work');
});

test('failed features rerun keeps the old archive (shards, feats.json, cmvn.json)', async () => {
  const root = await tmp('safety-feats-');
  const data = path.join(root, 'data');
  const ids = await toneCorpus(data, 4, 0.3);
  const feats = path.join(root, 'feats');
  assert.equal((await runCli('features', data, feats, '--jobs', '2')).code, 0);
  assert.equal((await runCli('compute-cmvn', feats)).code, 0);
  const before = await snapshotDir(feats);
  assert.ok(before['feats.json'] && before['cmvn.json'] && before['feats.1.arrow']);
  // One WAV truncated mid-data: the rerun fails on it.
  const bad = path.join(data, `wav/${ids[2]}.wav`);
  await fs.truncate(bad, 1000);
  const r = await runCli('features', data, feats, '--jobs', '2');
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(bad), r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  assert.deepEqual(await snapshotDir(feats), before);
});

test('a features rerun drops the cmvn.json of the features it replaces', async () => {
  const root = await tmp('safety-cmvn-');
  const data = path.join(root, 'data');
  await toneCorpus(data, 2, 0.3);
  const feats = path.join(root, 'feats');
  assert.equal((await runCli('features', data, feats, '--jobs', '1')).code, 0);
  assert.equal((await runCli('compute-cmvn', feats)).code, 0);
  await fs.writeFile(path.join(feats, 'README'), 'my notes');
  assert.equal((await runCli('features', data, feats, '--jobs', '1')).code, 0);
  const files = (await fs.readdir(feats)).sort();
  assert.deepEqual(files, ['.asr-distill-output.json', 'README', 'feats.1.arrow', 'feats.json'], 'stale cmvn.json dropped, the foreign README kept');
});

test('second concurrent writer is refused with a message naming the first one\'s pid', async () => {
  const root = await tmp('safety-lock-');
  const data = path.join(root, 'data');
  await toneCorpus(data, 40, 2);
  const feats = path.join(root, 'feats');
  const first = spawn(process.execPath, ['--import', 'tsx', MAIN, 'features', data, feats, '--jobs', '1'], {
    env: { ...process.env, ASR_DISTILL_PROGRESS_SECONDS: '0.01' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
  // Once the first run reports progress it holds the lock.
  await new Promise<void>((resolve, reject) => {
    first.stderr.on('data', (d: Buffer) => {
      if (/features: \d+\/40 utts/.test(d.toString())) resolve();
    });
    first.on('exit', () => reject(new Error('the first run ended before reporting progress')));
  });
  // Paused while the second run tries: with --jobs 1 the first run may otherwise finish (and
  // release its lock) before the second one has started.
  first.kill('SIGSTOP');
  let second;
  try {
    second = await runCli('features', data, feats, '--jobs', '1');
  } finally {
    first.kill('SIGCONT');
  }
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`^asr-distill features: ${feats.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is being written by another asr-distill run \\(pid ${first.pid}: features, started `));
  assert.equal(await exited, 0, 'the first run finishes undisturbed');
  assert.equal((await fs.readdir(feats)).filter((f) => f.endsWith('.arrow')).length, 1);
});

test('decode rerun leaves no stale scoring', async () => {
  const s = await makeOracleSetup(await tmp('safety-decode-'), { numUtts: 2 });
  const out = path.join(s.root, 'out');
  const common = ['--feats', s.featsDir, '--jobs', '1', '--backend', 'cpu'];
  assert.equal((await runCli('decode', s.modelDir, s.dataDir, out, ...common, '--acoustic-scale', '0.1:0.2:0.1')).code, 0);
  assert.deepEqual((await fs.readdir(path.join(out, 'scoring'))).sort(), ['hyp_0.1.txt', 'hyp_0.2.txt', 'wer_0.1.txt', 'wer_0.2.txt']);
  const r = await runCli('decode', s.modelDir, s.dataDir, out, ...common, '--acoustic-scale', '0.1');
  assert.equal(r.code, 0, r.stderr);
  await assert.rejects(fs.stat(path.join(out, 'scoring')), /ENOENT/);
  assert.ok((await fs.readdir(out)).includes('hyp.txt'));
});

test('output path that is a file gives a clear error', async () => {
  const root = await tmp('safety-file-');
  const data = path.join(root, 'data');
  await toneCorpus(data, 1, 0.3);
  const file = path.join(root, 'out');
  await fs.writeFile(file, 'x');
  const r = await runCli('features', data, file);
  assert.deepEqual(r, { code: 1, stdout: '', stderr: `asr-distill features: output directory ${file} exists and is a file; choose another path (or remove the file)\n` });
  const under = await runCli('features', data, path.join(file, 'feats'));
  assert.equal(under.code, 1);
  assert.equal(under.stderr, `asr-distill features: cannot create directory ${file}: ${file} is a file, not a directory; choose another path\n`);
  assert.equal(await fs.readFile(file, 'utf8'), 'x');
});

test('output under /proc fails at once and a path the OS refuses is a message, not a stack trace', { skip: process.platform !== 'linux' }, async () => {
  const root = await tmp('safety-proc-');
  const data = path.join(root, 'data');
  await toneCorpus(data, 1, 0.3);
  const proc = await runCli('features', data, '/proc/asr-distill-test/feats');
  assert.equal(proc.code, 1);
  assert.equal(proc.stderr, 'asr-distill features: cannot create directory /proc/asr-distill-test: /proc does not accept new directories (a pseudo-file system such as /proc or /sys?); choose another path\n');
  const top = await runCli('features', data, '/proc/asr-distill-test');
  assert.equal(top.stderr, 'asr-distill features: cannot write output directory /proc/asr-distill-test: /proc does not accept new files (a pseudo-file system such as /proc or /sys?); choose another path\n');
  // sysfs refuses new entries with EPERM or EACCES (EROFS elsewhere): a message naming the path.
  const sysTop = await runCli('features', data, '/sys/asr-distill-test');
  assert.equal(sysTop.code, 1);
  assert.match(sysTop.stderr, /^asr-distill features: cannot write output directory \/sys\/asr-distill-test: (operation not permitted|permission denied|the file system is read-only)[^\n]*\((EPERM|EACCES|EROFS)\)\n$/);
  const sys = await runCli('features', data, '/sys/asr-distill-test/feats');
  assert.equal(sys.code, 1);
  assert.match(sys.stderr, /^asr-distill features: \/sys\/asr-distill-test: (operation not permitted|permission denied|the file system is read-only)[^\n]*\((EPERM|EACCES|EROFS)\)\n$/);
});

test('every command that writes an output directory offers --overwrite', async () => {
  for (const cmd of ['make-corpus', 'prepare-lang', 'features', 'train-mono', 'align', 'import-ali', 'train', 'ensemble', 'distill', 'decode']) {
    const h = await runCli(cmd, '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--overwrite\s+replace\s+the\s+output\s+directory\s+even\s+if\s+it\s+is\s+not\s+an\s+earlier\s+output/, cmd);
  }
});

test('a killed train leaves no MODEL_DIR, and --resume continues in its work directory to the same weights', async () => {
  const { writeSynthCorpusDirs } = await import('../nnet/pipeline-fixtures.js');
  const root = await tmp('safety-train-');
  // Epochs long enough (tenths of a second) for the kill to land well before the last one.
  const synth = await writeSynthCorpusDirs(root, { name: 'train', numUtts: 60, dim: 4, seed: 1 });
  const opts = ['--arch', '1x16', '--context', '1:1', '--epochs', '6', '--batch', '16', '--backend', 'cpu', '--no-newbob'];
  const dnn = path.join(root, 'dnn');
  const state = path.join(root, '.dnn.partial', 'checkpoint', 'state.json');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'train', synth.featsDir, synth.aliDir, dnn, ...opts], { stdio: 'ignore' });
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      fs.stat(state).then(
        () => (clearInterval(poll), child.kill('SIGKILL')),
        () => undefined,
      );
    }, 20);
    child.on('exit', () => (clearInterval(poll), resolve()));
  });
  await assert.rejects(fs.stat(dnn), /ENOENT/);
  const epochsDone = JSON.parse(await fs.readFile(state, 'utf8')).epoch as number;
  assert.ok(epochsDone >= 1 && epochsDone < 6, `killed after epoch ${epochsDone}`);
  const resumed = await runCli('train', synth.featsDir, synth.aliDir, dnn, ...opts, '--resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  const whole = await runCli('train', synth.featsDir, synth.aliDir, path.join(root, 'whole'), ...opts);
  assert.equal(whole.code, 0, whole.stderr);
  assert.deepEqual(await fs.readFile(path.join(dnn, 'weights.bin')), await fs.readFile(path.join(root, 'whole', 'weights.bin')));
});
