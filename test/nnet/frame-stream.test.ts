import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readAlignments } from '../../src/hmm/ali-archive.js';
import { concatFrameCorpora, createBatchSource, frameUtterances, loadFrameCorpus, spliceFrames, splitCorpus, type Batch, type FrameCorpus } from '../../src/nnet/batches.js';
import { DenseTargets } from '../../src/nnet/targets.js';
import {
  concatFramePlans,
  createStreamingBatchSource,
  loadShardWindow,
  planFrameStream,
  planPdfCounts,
  splitFramePlan,
  streamFeatureStd,
  type FrameStreamPlan,
} from '../../src/nnet/frame-stream.js';
import { countPdfs } from '../../src/nnet/priors.js';
import { featureStd } from '../../src/nnet/transfer-noise.js';
import { makeRng, shuffleInPlace } from '../../src/data/random.js';
import { splicedDim } from '../../src/nnet/splice.js';
import { writeSynthCorpusDirs } from './pipeline-fixtures.js';

let root: string;
let dirs: { featsDir: string; aliDir: string; numPdfs: number; numFrames: number };
let plan: FrameStreamPlan;
let memory: FrameCorpus;
const context = { left: 2, right: 1 };

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'frame-stream-'));
  // 12 utterances of 5-20 frames in 6 shards, speaker CMVN.
  dirs = await writeSynthCorpusDirs(root, { name: 'train', numUtts: 12, dim: 3, seed: 7, minFrames: 5, maxFrames: 20, shards: 6 });
  const ali = await readAlignments(dirs.aliDir);
  const opts = { alignments: ali.alis, numPdfs: dirs.numPdfs, aliDir: dirs.aliDir };
  plan = await planFrameStream(dirs.featsDir, opts);
  memory = (await loadFrameCorpus(dirs.featsDir, opts)).corpus;
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function collect(src: { batches(e: number, b: number): AsyncIterable<Batch> }, epoch: number, batchSize: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of src.batches(epoch, batchSize)) out.push(b);
  return out;
}

/**
 * The reference: the same algorithm written directly on the in-memory corpus. Shard order and
 * window frame order from the documented seed streams; every row spliced from the whole corpus by
 * its global frame index (so utterance edges are those of the in-memory path).
 */
function referenceBatches(epoch: number, batchSize: number, windows: number[][], seed: number): Batch[] {
  const uttIndex = new Map(memory.uttIds.map((id, u) => [id, u]));
  const frameUtt = frameUtterances(memory);
  const globalOrder: number[] = [];
  windows.forEach((win, w) => {
    const frames: number[] = [];
    for (const i of win) for (const id of plan.shards[i].uttIds) {
      const u = uttIndex.get(id)!;
      for (let g = memory.uttStart[u]; g < memory.uttStart[u + 1]; g++) frames.push(g);
    }
    const order = Int32Array.from(frames, (_, i) => i);
    shuffleInPlace(makeRng(seed, w === 0 ? `epoch-${epoch}` : `epoch-${epoch}-window-${w}`), order);
    for (const i of order) globalOrder.push(frames[i]);
  });
  const width = splicedDim(memory.dim, context);
  const out: Batch[] = [];
  for (let s = 0; s < globalOrder.length; s += batchSize) {
    const idx = globalOrder.slice(s, s + batchSize);
    const x = new Float32Array(idx.length * width);
    spliceFrames(memory, frameUtt, idx, idx.length, context, x);
    out.push({ size: idx.length, x, labels: Int32Array.from(idx, (g) => memory.labels[g]) });
  }
  return out;
}

test('planFrameStream: shards, frame counts and labels of the in-memory corpus, no features kept', () => {
  assert.equal(plan.shards.length, 6);
  assert.equal(plan.numFrames, dirs.numFrames);
  assert.deepEqual(plan.shards.flatMap((s) => s.uttIds), memory.uttIds);
  assert.deepEqual(planPdfCounts(plan), countPdfs([{ pdfIds: memory.labels }], dirs.numPdfs));
  assert.deepEqual(plan.cmvn, { per: 'speaker', normVars: false });
});

test('a window holding the whole corpus gives exactly the in-memory batches', async () => {
  const stream = createStreamingBatchSource(plan, { context, seed: 3, maxMemoryFrames: 2 * dirs.numFrames });
  const ref = createBatchSource(memory, { context, seed: 3 });
  for (const epoch of [0, 1]) {
    assert.deepEqual(stream.windows(epoch), [[0, 1, 2, 3, 4, 5]]);
    assert.deepEqual(await collect(stream, epoch, 16), [...ref.batches(epoch, 16)]);
  }
  const win = await loadShardWindow(plan, plan.shards);
  assert.deepEqual(win, memory);
});

test('small windows: the batches of the reference, a fresh shard order each epoch, frames in memory bounded', async () => {
  const maxMemoryFrames = 50;
  const stream = createStreamingBatchSource(plan, { context, seed: 5, maxMemoryFrames });
  const w0 = stream.windows(0);
  const w1 = stream.windows(1);
  assert.ok(w0.length >= 3, `${w0.length} windows`);
  assert.notDeepEqual(w0, w1);
  for (const w of [w0, w1]) assert.deepEqual(w.flat().sort(), [0, 1, 2, 3, 4, 5]);
  for (const epoch of [0, 1]) {
    const got = await collect(stream, epoch, 7);
    assert.deepEqual(got, referenceBatches(epoch, 7, stream.windows(epoch), 5));
    // Every batch but the last is full, across window edges; every frame once.
    assert.ok(got.slice(0, -1).every((b) => b.size === 7));
    assert.equal(got.reduce((n, b) => n + b.size, 0), dirs.numFrames);
  }
  // At most two windows (training + read ahead) of at most maxMemoryFrames/2 each, unless one shard is bigger.
  const biggest = Math.max(...plan.shards.map((s) => s.frames));
  assert.ok(stream.memory.peakResidentFrames <= Math.max(maxMemoryFrames, 2 * biggest), `${stream.memory.peakResidentFrames} frames resident`);
  assert.ok(stream.memory.peakResidentFrames < dirs.numFrames);
  assert.equal(stream.memory.residentFrames, 0);
  // Deterministic: the same seed gives the same batches; another seed other ones.
  assert.deepEqual(await collect(createStreamingBatchSource(plan, { context, seed: 5, maxMemoryFrames }), 1, 7), await collect(stream, 1, 7));
  assert.notDeepEqual(await collect(createStreamingBatchSource(plan, { context, seed: 6, maxMemoryFrames }), 1, 7), await collect(stream, 1, 7));
});

test('breaking off an epoch releases its windows; unshuffled streaming is corpus order', async () => {
  const stream = createStreamingBatchSource(plan, { context, seed: 5, maxMemoryFrames: 30 });
  for await (const b of stream.batches(0, 4)) {
    assert.equal(b.size, 4);
    break;
  }
  assert.equal(stream.memory.residentFrames, 0);
  const ordered = createStreamingBatchSource(plan, { context, seed: 5, maxMemoryFrames: 30, shuffle: false });
  assert.deepEqual(await collect(ordered, 3, 9), [...createBatchSource(memory, { context, seed: 5, shuffle: false }).batches(3, 9)]);
});

test('splitFramePlan holds out the utterances splitCorpus does; streamFeatureStd is featureStd', async () => {
  const s = splitFramePlan(plan, 0.25, 4);
  const m = splitCorpus(memory, 0.25, 4);
  assert.deepEqual(s.heldOut.shards.flatMap((x) => x.uttIds), m.heldOut.uttIds);
  assert.deepEqual(s.train.shards.flatMap((x) => x.uttIds), m.train.uttIds);
  assert.equal(s.train.numFrames + s.heldOut.numFrames, plan.numFrames);
  assert.deepEqual(await loadShardWindow(s.heldOut, s.heldOut.shards), m.heldOut);
  const std = await streamFeatureStd(plan);
  const want = featureStd(memory);
  for (let j = 0; j < want.length; j++) assert.ok(Math.abs(std[j] - want[j]) < 1e-6 * Math.max(1, want[j]), `dim ${j}: ${std[j]} vs ${want[j]}`);
});

test('errors: no matching alignment; a bad budget', async () => {
  await assert.rejects(planFrameStream(dirs.featsDir, { alignments: new Map(), numPdfs: dirs.numPdfs, aliDir: 'ALI' }), {
    name: 'InputError',
    message: `${dirs.featsDir}: no utterance has both features and a matching alignment in ALI (12 skipped, e.g. utt0000: no alignment in ALI); check that ALI_DIR was aligned from these features`,
  });
  assert.throws(() => createStreamingBatchSource(plan, { context, seed: 1, maxMemoryFrames: 0 }), /--max-memory-frames 0: expected a positive number of frames/);
});

/**
 * Stand-in for the teacher: targets that are a pure function of each frame's features (soft row p =
 * feature p mod dim of the frame, logits its negation), so a row can be checked against its batch row.
 */
function featureTargets(c: FrameCorpus): DenseTargets {
  const n = c.uttStart[c.uttIds.length];
  const P = c.numPdfs;
  const soft = new Float32Array(n * P);
  for (let g = 0; g < n; g++) for (let p = 0; p < P; p++) soft[g * P + p] = c.feats[g * c.dim + (p % c.dim)];
  return new DenseTargets(P, soft, soft.map((v) => -v));
}

test('window targets: one window gives the in-memory batches with their targets; small windows pair every row with its own frame', async () => {
  let calls = 0;
  const windowTargets = async (c: FrameCorpus): Promise<DenseTargets> => (calls++, featureTargets(c));
  const whole = createStreamingBatchSource(plan, { context, seed: 3, maxMemoryFrames: 2 * dirs.numFrames, windowTargets });
  const ref = createBatchSource(memory, { context, seed: 3, targets: featureTargets(memory) });
  assert.deepEqual(await collect(whole, 1, 16), [...ref.batches(1, 16)]);
  assert.equal(calls, 1);
  const small = createStreamingBatchSource(plan, { context, seed: 5, maxMemoryFrames: 50, windowTargets });
  const P = dirs.numPdfs;
  const width = splicedDim(memory.dim, context);
  const got = await collect(small, 0, 7);
  assert.ok(calls >= 4, `${calls} windows`);
  // The same frames and labels as without targets; each row's targets are those of its centre frame.
  const plain = await collect(createStreamingBatchSource(plan, { context, seed: 5, maxMemoryFrames: 50 }), 0, 7);
  assert.deepEqual(got.map((b) => [b.x, b.labels]), plain.map((b) => [b.x, b.labels]));
  for (const b of got) {
    assert.equal(b.soft!.length, b.size * P);
    assert.equal(b.teacherLogits!.length, b.size * P);
    for (let i = 0; i < b.size; i++) {
      for (let p = 0; p < P; p++) {
        const centre = b.x[i * width + context.left * memory.dim + (p % memory.dim)];
        assert.equal(b.soft![i * P + p], centre);
        assert.equal(b.teacherLogits![i * P + p], -centre);
      }
    }
  }
  assert.equal(small.memory.residentFrames, 0);
  // A failing hook fails the epoch and releases what it held.
  const failing = createStreamingBatchSource(plan, { context, seed: 5, maxMemoryFrames: 50, windowTargets: async () => Promise.reject(new Error('teacher failed')) });
  await assert.rejects(collect(failing, 0, 7), /teacher failed/);
  assert.equal(failing.memory.residentFrames, 0);
});

test('concatFramePlans: the windows of the joined plans are the joined corpora, each normalised with its own CMVN', async () => {
  const extra = await writeSynthCorpusDirs(root, { name: 'extra', numUtts: 3, dim: 3, seed: 8, uttPrefix: 'x-', shards: 2 });
  const extraPlan = await planFrameStream(extra.featsDir, { numPdfs: dirs.numPdfs });
  const joined = concatFramePlans([plan, extraPlan]);
  assert.equal(joined.numFrames, dirs.numFrames + extra.numFrames);
  assert.equal(joined.shards.length, 8);
  const extraMem = (await loadFrameCorpus(extra.featsDir, { numPdfs: dirs.numPdfs })).corpus;
  assert.deepEqual(await loadShardWindow(joined, joined.shards), concatFrameCorpora([memory, extraMem]));
  assert.throws(() => concatFramePlans([plan, plan]), { name: 'InputError', message: 'utterance utt0000 appears in two of the joined sets; give each set distinct utterance ids' });
});
