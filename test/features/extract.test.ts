import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractFeatures, formatExtractSummary, planShards } from '../../src/features/extract.js';
import { extractShard } from '../../src/features/extract-worker.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { computeFbank } from '../../src/features/fbank.js';
import { readDataDir, writeDataDir } from '../../src/data/data-dir.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';
import { readFeatsDir, readFeatsShard } from '../../src/store/feats-archive.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { isInputError } from '../../src/errors.js';

function tone(n: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(0.05 * i * (1 + seed)) + 0.02 * randNormal(rng));
}

/** A data dir of `n` utterances from 3 speakers; `extra` adds entries (bad files) by name. */
async function corpus(n: number, extra: Record<string, Uint8Array> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-extract-'));
  await fs.mkdir(path.join(dir, 'wav'));
  const entries = [];
  for (let i = 0; i < n; i++) {
    const id = `spk${i % 3}-u${String(i).padStart(3, '0')}`;
    await fs.writeFile(path.join(dir, `wav/${id}.wav`), encodeWavPcm16(tone(4000 + 800 * i, i), 16000));
    entries.push({ uttId: id, speakerId: `spk${i % 3}`, wav: `wav/${id}.wav`, words: ['ONE'] });
  }
  for (const [id, bytes] of Object.entries(extra)) {
    await fs.writeFile(path.join(dir, `wav/${id}.wav`), bytes);
    entries.push({ uttId: id, speakerId: id.split('-')[0], wav: `wav/${id}.wav`, words: ['ONE'] });
  }
  entries.sort((a, b) => (a.uttId < b.uttId ? -1 : 1));
  await writeDataDir(dir, entries);
  return dir;
}

test('extractFeatures with 2 worker jobs writes 2 shards whose features equal computeFbank', async () => {
  const dir = await corpus(7);
  const feats = path.join(dir, 'feats');
  const config = defaultFbankConfig();
  const s = await extractFeatures(dir, feats, { config, jobs: 2, quiet: true });
  assert.deepEqual(s.info.shards, ['feats.1.arrow', 'feats.2.arrow']);
  assert.equal(s.info.numUtts, 7);
  assert.equal(s.bad.length, 0);
  assert.ok(s.audioSec > 0 && s.realTimeFactor > 0);
  const { info, utts } = await readFeatsDir(feats);
  assert.deepEqual(info, s.info);
  assert.deepEqual([...utts.keys()], (await readDataDir(dir)).utterances.map((u) => u.uttId));
  const u3 = utts.get('spk0-u003')!;
  assert.equal(u3.speakerId, 'spk0');
  // Same samples as the WAV holds (int16-scaled), same features.
  const pcm = encodeWavPcm16(tone(4000 + 800 * 3, 3), 16000);
  const samples = Float32Array.from(new Int16Array(pcm.buffer.slice(44)));
  assert.deepEqual(u3.data, computeFbank(samples, config).data);
  assert.match(formatExtractSummary(s), /^features: 7 utts, 0\.\d{3} h audio, \d+ frames x 40 -> .*feats \(2 shards\) in [\d.]+ s, [\d.]+x real time, 2 jobs$/);
  const files = (await fs.readdir(feats)).sort();
  assert.deepEqual(files, ['feats.1.arrow', 'feats.2.arrow', 'feats.json']);
});

test('a bad utterance stops the run naming it and its file, and leaves no feats.json', async () => {
  const truncated = encodeWavPcm16(tone(8000, 1), 16000).subarray(0, 30);
  const dir = await corpus(3, { 'spk9-bad': truncated });
  const feats = path.join(dir, 'feats');
  await assert.rejects(extractFeatures(dir, feats, { config: defaultFbankConfig(), jobs: 1, backend: 'inline', quiet: true }), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.match((e as Error).message, new RegExp(`^utt spk9-bad \\(${path.join(dir, 'wav/spk9-bad.wav').replace(/[.]/g, '\\.')}\\): `));
    return true;
  });
  await assert.rejects(fs.access(path.join(feats, 'feats.json')));
});

test('--skip-bad records bad utterances in bad_utts and keeps the rest; a re-run clears old outputs', async () => {
  const short = encodeWavPcm16(tone(300, 2), 16000); // shorter than one 400-sample frame
  const rate8k = encodeWavPcm16(tone(8000, 3), 8000);
  const dir = await corpus(3, { 'spk8-short': short, 'spk9-rate': rate8k });
  const feats = path.join(dir, 'feats');
  await fs.mkdir(feats);
  await fs.writeFile(path.join(feats, 'feats.7.arrow'), 'stale');
  await fs.writeFile(path.join(feats, 'cmvn.json'), '{}');
  const s = await extractFeatures(dir, feats, { config: defaultFbankConfig(), jobs: 2, skipBad: true, quiet: true });
  assert.equal(s.info.numUtts, 3);
  assert.deepEqual(s.bad.map((b) => b.uttId), ['spk8-short', 'spk9-rate']);
  const badUtts = await fs.readFile(path.join(feats, 'bad_utts'), 'utf8');
  const lines = badUtts.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.equal(
    lines[0],
    `spk8-short utt spk8-short (${path.join(dir, 'wav/spk8-short.wav')}): 300 samples (0.019 s) is shorter than one frame; no features (remove it or pass --skip-bad)`,
  );
  assert.match(lines[1], /^spk9-rate utt spk9-rate \(.*\): sample rate is 8000 Hz but the feature config expects 16000 Hz/);
  assert.match(formatExtractSummary(s), /; 2 bad utterances skipped \(see .*bad_utts\)$/);
  assert.deepEqual((await fs.readdir(feats)).sort(), ['bad_utts', 'feats.1.arrow', 'feats.2.arrow', 'feats.json']);
  // --allow-resample turns the 8 kHz file into a good utterance.
  const s2 = await extractFeatures(dir, feats, { config: defaultFbankConfig(), jobs: 1, backend: 'inline', skipBad: true, allowResample: true, quiet: true });
  assert.deepEqual(s2.bad.map((b) => b.uttId), ['spk8-short']);
  assert.equal(s2.info.numUtts, 4);
});

test('extractShard reports one progress message per utterance', async () => {
  const dir = await corpus(2);
  const data = await readDataDir(dir);
  const msgs: unknown[] = [];
  const r = await extractShard(
    { utterances: data.utterances, config: defaultFbankConfig(), shardFile: path.join(dir, 'out/feats.1.arrow') },
    { report: (m) => msgs.push(m) },
  );
  assert.equal(msgs.length, 2);
  assert.equal(r.numUtts, 2);
  assert.deepEqual(msgs[0], { utts: 1, audioSec: 0.25, frames: 23 });
});

test('extractShard puts the features of a shard back to back in one buffer (grown when the first utterance is the shortest), equal to computeFbank', async () => {
  const dir = await corpus(6); // lengths 4000, 4800, ... samples: the first guess of the size is short
  const data = await readDataDir(dir);
  const config = defaultFbankConfig();
  const file = path.join(dir, 'out/feats.1.arrow');
  await extractShard({ utterances: data.utterances, config, shardFile: file }, { report: () => {} });
  const got = await readFeatsShard(file);
  assert.equal(got.length, 6);
  for (const u of got) {
    const i = Number(u.uttId.slice(-3));
    const pcm = encodeWavPcm16(tone(4000 + 800 * i, i), 16000);
    assert.deepEqual(u.data, computeFbank(Float32Array.from(new Int16Array(pcm.buffer.slice(44))), config).data, u.uttId);
  }
});

test('a float WAV with NaN samples is not turned into floor-valued frames: it stops the run, or with --skip-bad is listed in bad_utts', async () => {
  const { makeWav } = await import('../data/make-wav.js');
  const samples = Array.from(tone(8000, 4), (v) => v);
  samples[4321] = NaN;
  const dir = await corpus(2, { 'spk9-nan': makeWav({ floats: [samples], bits: 32 }) });
  const feats = path.join(dir, 'feats');
  const where = `utt spk9-nan (${path.join(dir, 'wav/spk9-nan.wav')})`;
  const message = `${where}: sample 4321 of channel 0 (at 0.270 s) is NaN in a float WAV; the file is damaged or was written by a failing tool: re-create it or remove the utterance`;
  await assert.rejects(extractFeatures(dir, feats, { config: defaultFbankConfig(), jobs: 1, backend: 'inline', quiet: true }), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal((e as Error).message, message);
    return true;
  });
  const s = await extractFeatures(dir, feats, { config: defaultFbankConfig(), jobs: 1, backend: 'inline', skipBad: true, quiet: true });
  assert.equal(s.info.numUtts, 2);
  assert.equal(await fs.readFile(path.join(feats, 'bad_utts'), 'utf8'), `spk9-nan ${message}\n`);
});

test('--shard-frames bounds shards: a job writes several, the features are those of one big shard', async () => {
  const dir = await corpus(7);
  const config = defaultFbankConfig();
  const one = await extractFeatures(dir, path.join(dir, 'one'), { config, jobs: 1, backend: 'inline', quiet: true });
  assert.deepEqual(one.info.shards, ['feats.1.arrow']);
  // 7 utterances of 0.25-0.6 s (23-58 frames): at most 100 estimated frames per shard.
  const many = await extractFeatures(dir, path.join(dir, 'many'), { config, jobs: 2, shardFrames: 100, quiet: true });
  assert.equal(many.jobs, 2);
  assert.ok(many.info.shards.length >= 3, `${many.info.shards.length} shards`);
  assert.deepEqual(many.info.shards, many.info.shards.map((_, i) => `feats.${i + 1}.arrow`));
  const a = await readFeatsDir(path.join(dir, 'one'));
  const b = await readFeatsDir(path.join(dir, 'many'));
  assert.deepEqual([...b.utts.entries()], [...a.utts.entries()]);
  assert.equal(b.info.numFrames, a.info.numFrames);
  for (const shard of b.info.shards) {
    const utts = await readFeatsShard(path.join(dir, 'many', shard));
    assert.ok(utts.length > 0 && utts.reduce((n, u) => n + u.numFrames, 0) < b.info.numFrames);
  }
});

test('planShards: one shard per job while the estimate fits, else ceil(frames / shardFrames), in utterance order', async () => {
  const data = await readDataDir(await corpus(6));
  const utts = data.utterances;
  const sec = [1, 1, 1, 1, 1, 1];
  // 600 estimated frames at 10 ms.
  assert.deepEqual(planShards(utts, sec, 2, 10, 1000).map((s) => s.utterances.length), [3, 3]);
  const four = planShards(utts, sec, 2, 10, 150);
  assert.equal(four.length, 4);
  assert.deepEqual(four.flatMap((s) => s.utterances), utts);
  assert.deepEqual(four.map((s) => s.work), four.map((s) => s.utterances.length));
  assert.equal(planShards(utts, sec, 1, 10, 1).length, 6);
  assert.throws(() => planShards(utts, sec, 1, 10, 0), /--shard-frames 0: expected a positive whole number/);
});
