import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { distillMemoryBudget, planTransferStream, targetFloatsPerFrame } from '../../src/nnet/distill-stream.js';
import { distill, type DistillOptions } from '../../src/nnet/distill.js';
import { loadAcousticModel } from '../../src/nnet/ensemble.js';
import { readDnnModelDir } from '../../src/nnet/model-dir.js';
import type { TrainSettings } from '../../src/nnet/train-worker.js';
import { namedTransitionModel, writeRandomModel, writeSynthCorpusDirs } from './pipeline-fixtures.js';

let root: string;
let data: { featsDir: string; aliDir: string; numPdfs: number; numFrames: number };
let teacher: string;
const settings: TrainSettings = { context: { left: 1, right: 1 }, epochs: 2, batchSize: 16, learningRate: 0.01, optimizer: 'adam', backend: 'cpu' };

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'distill-stream-'));
  // 10 utterances of 5-15 frames in 5 shards, no CMVN (the random teacher has none).
  data = await writeSynthCorpusDirs(root, { name: 'train', numUtts: 10, dim: 3, seed: 2, minFrames: 5, maxFrames: 15, shards: 5, cmvn: false });
  teacher = path.join(root, 'teacher');
  await writeRandomModel(teacher, { featDim: 3, left: 1, right: 1, tm: namedTransitionModel(['SIL', 'SPN', 'P1', 'P2'], 3), seed: 4, hidden: 8 });
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function student(name: string, more: Partial<DistillOptions> = {}): DistillOptions {
  return {
    featsDir: data.featsDir,
    aliDir: data.aliDir,
    teacherDir: teacher,
    studentDir: path.join(root, name),
    arch: { hidden: [{ units: 6 }], activation: 'relu' },
    temperature: 2,
    hardWeight: 0.5,
    softTargets: { kind: 'full' },
    loss: 'soft-ce',
    settings,
    seed: 3,
    quiet: true,
    teacherJobs: 0,
    ...more,
  };
}

const weights = (dir: string): Promise<Buffer> => fs.readFile(path.join(dir, 'weights.bin'));

test('targetFloatsPerFrame and distillMemoryBudget: a frame costs its features plus its targets', () => {
  assert.equal(targetFloatsPerFrame({ kind: 'full' }, 'soft-ce', 200, false), 200);
  assert.equal(targetFloatsPerFrame({ kind: 'top-k', k: 10 }, 'soft-ce', 200, false), 20);
  assert.equal(targetFloatsPerFrame({ kind: 'top-k', k: 10 }, 'soft-ce', 4, false), 8);
  assert.equal(targetFloatsPerFrame({ kind: 'full' }, 'logit-mse', 200, false), 200);
  assert.equal(targetFloatsPerFrame({ kind: 'full' }, 'soft-ce', 200, true), 0);
  // Streamed over the budget (as train); windows of 40-dim frames with 40 floats of targets get half the frames.
  assert.deepEqual(distillMemoryBudget(4_000_000, 40, 40, 4_000_000), { streamed: false, streamFrames: 2_000_000 });
  assert.deepEqual(distillMemoryBudget(4_000_001, 40, 40, 4_000_000), { streamed: true, streamFrames: 2_000_000 });
  assert.deepEqual(distillMemoryBudget(4_000_001, 40, 0, 4_000_000), { streamed: true, streamFrames: 4_000_000 });
  assert.throws(() => distillMemoryBudget(1, 40, 0, 0), { name: 'InputError', message: '--max-memory-frames 0: expected a positive number of frames' });
});

test('planTransferStream: the teacher checks of a loaded transfer set', async () => {
  const t = await loadAcousticModel(teacher);
  const plan = await planTransferStream(t, data.featsDir, data.aliDir, false);
  assert.equal(plan.numFrames, data.numFrames);
  assert.equal(plan.shards.length, 5);
  const other = await writeSynthCorpusDirs(root, { name: 'dim4', numUtts: 2, dim: 4, seed: 1, cmvn: false });
  await assert.rejects(planTransferStream(t, other.featsDir, null, true), { name: 'InputError', message: `${other.featsDir}: features of dim 4 but the teacher ${t.dir} expects 3; extract them with the teacher's config` });
});

test('streamed distill: deterministic for a seed, the in-memory priors and counts; noise, extra and unlabeled sets stream too', async () => {
  // About 100 frames with 12 floats of targets each on 3-dim features: a budget of 60 frames streams
  // them in windows of 6 frames (60 x 3 / 15 / 2, a frame with its targets costs 15/3 of one): every shard is a window of its own.
  const budget = { ...settings, maxMemoryFrames: 60 };
  const inMemory = await distill(student('mem'));
  const a = await distill(student('stream-a', { settings: budget }));
  const b = await distill(student('stream-b', { settings: budget }));
  assert.deepEqual(await weights(path.join(root, 'stream-a')), await weights(path.join(root, 'stream-b')));
  assert.notDeepEqual(await weights(path.join(root, 'stream-a')), await weights(path.join(root, 'mem')));
  assert.equal(a.numFrames, inMemory.numFrames);
  assert.deepEqual(a.history.map((h) => h.trainLoss), b.history.map((h) => h.trainLoss));
  const sm = await readDnnModelDir(path.join(root, 'mem'));
  const ss = await readDnnModelDir(path.join(root, 'stream-a'));
  assert.deepEqual(ss.meta.priors, sm.meta.priors);
  assert.equal(ss.meta.trainedOn.numUtts, sm.meta.trainedOn.numUtts);

  // Transfer noise (targets per batch on the noisy frames) and an unlabeled extra directory, streamed; deterministic.
  const extra = await writeSynthCorpusDirs(root, { name: 'extra', numUtts: 3, dim: 3, seed: 9, uttPrefix: 'x-', shards: 2, cmvn: false });
  const noisy = student('stream-noise', { settings: { ...budget, epochs: 1 }, transferNoise: 0.5, transferExtra: [extra.featsDir] });
  const n1 = await distill(noisy);
  assert.equal(n1.numFrames, data.numFrames + extra.numFrames);
  const w1 = await weights(noisy.studentDir);
  await distill({ ...noisy, studentDir: path.join(root, 'stream-noise-2') });
  assert.deepEqual(await weights(path.join(root, 'stream-noise-2')), w1);

  // Unlabeled, with a held-out split scored against the teacher's choices (labels from the window targets).
  const un = await distill(student('stream-unlabeled', { aliDir: null, hardWeight: 0, settings: { ...budget, epochs: 1, dev: { split: 0.3 } } }));
  assert.ok(un.history[0].devAcc! > 0, `dev acc ${un.history[0].devAcc}`);
  assert.ok(un.history[0].trainAcc > 0, `train acc ${un.history[0].trainAcc}`);
});

test('streamed distill with --cache: a directory of per-shard top-K files, the teacher once per shard, the same student when rerun from it', async () => {
  const budget = { ...settings, maxMemoryFrames: 60 };
  const cache = path.join(root, 'topk.d');
  const topk = { softTargets: { kind: 'top-k' as const, k: 2 }, cache };
  const a = await distill(student('cache-a', { settings: budget, ...topk }));
  // Epoch 1 computes and writes every shard (each its own window here), epoch 2 reads them.
  assert.equal(a.cacheUsed, true);
  assert.deepEqual((await fs.readdir(cache)).sort(), ['shard-0.arrow', 'shard-1.arrow', 'shard-2.arrow', 'shard-3.arrow', 'shard-4.arrow']);
  const written = await fs.readFile(path.join(cache, 'shard-0.arrow'));
  const b = await distill(student('cache-b', { settings: budget, ...topk }));
  assert.equal(b.cacheUsed, true);
  assert.deepEqual(await weights(path.join(root, 'cache-b')), await weights(path.join(root, 'cache-a')));
  assert.deepEqual(b.history.map((h) => h.trainLoss), a.history.map((h) => h.trainLoss));
  assert.ok((await fs.readFile(path.join(cache, 'shard-0.arrow'))).equals(written), 'a cached shard is not rewritten');
  // Another temperature is refused with the single-file cache's message.
  await assert.rejects(() => distill(student('cache-t3', { settings: budget, ...topk, temperature: 3 })), /shard-\d\.arrow: computed at temperature 2, not 3; delete it to recompute/);
  // A single-file cache (from a transfer set in memory) is not taken for a directory.
  const file = path.join(root, 'topk.arrow');
  await fs.writeFile(file, 'x');
  await assert.rejects(() => distill(student('cache-file', { settings: budget, ...topk, cache: file })), /a file \(the cache of a transfer set held in memory\), but this transfer set is streamed/);
});
