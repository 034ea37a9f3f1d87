import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { buildFrameCorpus, createBatchSource } from '../../src/nnet/batches.js';
import { loadAcousticModel, writeEnsembleManifest } from '../../src/nnet/ensemble.js';
import { computeTeacherTargets, localBatchTeacher, onlineTeacherSource, workerBatchTeacher, teacherBatchTargets, teacherIdentity, type BatchTeacher } from '../../src/nnet/teachers.js';
import { DenseTargets, TopKTargets } from '../../src/nnet/targets.js';
import { readSoftTargetCache, writeSoftTargetCache } from '../../src/nnet/soft-target-cache.js';
import { softmaxRows } from '../../src/nnet/posteriors.js';
import { createAcousticForward, tfjsAcousticForward } from '../../src/nnet/engine.js';
import { spliceUtterance } from '../../src/nnet/splice.js';
import { createJobRunner } from '../../src/jobs/runner.js';
import type { Batch } from '../../src/nnet/batches.js';
import { featureStd, TransferNoise } from '../../src/nnet/transfer-noise.js';
import { synthUtterances, tinyTransitionModel, writeRandomModel } from './pipeline-fixtures.js';

before(async () => {
  await selectBackend('cpu');
});

/** A temp dir holding a 2-member ensemble of random DNNs (featDim 2, context 1:1, 6 pdfs). */
async function twoMemberEnsemble(prefix: string): Promise<string> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const tm = tinyTransitionModel(3, 2);
  await writeRandomModel(path.join(tmp, 'a'), { featDim: 2, left: 1, right: 1, tm, seed: 5 });
  await writeRandomModel(path.join(tmp, 'b'), { featDim: 2, left: 1, right: 1, tm, seed: 6 });
  await writeEnsembleManifest(tmp, { type: 'ensemble', combine: 'arithmetic', members: ['a', 'b'] });
  return tmp;
}

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

test('teacher soft targets average member probabilities at T (never logits); top-K cache round trip and rejection', async () => {
  const tmp = await twoMemberEnsemble('soft-');
  const utts = synthUtterances({ numUtts: 3, dim: 2, numPdfs: 6, seed: 2, minFrames: 4, maxFrames: 7 });
  const corpus = buildFrameCorpus(utts, 2, 6);
  const model = await loadAcousticModel(tmp);
  const fwd = tfjsAcousticForward(model);
  const T = 3;
  const full = await computeTeacherTargets(fwd, corpus, { temperature: T, mode: { kind: 'full' }, withLogits: true, chunkFrames: 4 });
  // Reference for utterance 0: mean over members of softmax(z_m / T) from the logits.
  const u0 = utts[0];
  const x0 = spliceUtterance(u0.data, u0.numFrames, 2, { left: 1, right: 1 });
  const [za, zb] = fwd.memberLogits(x0, u0.numFrames);
  const pa = softmaxRows(za, 6, T);
  const pb = softmaxRows(zb, 6, T);
  const soft = full.targets as DenseTargets;
  for (let i = 0; i < u0.numFrames * 6; i++) assert.ok(Math.abs(soft.soft![i] - (pa[i] + pb[i]) / 2) < 1e-5);
  // ... which is not the softmax of the averaged logits.
  const avgLogits = softmaxRows(za.map((v, i) => (v + zb[i]) / 2), 6, T);
  let diff = 0;
  for (let i = 0; i < u0.numFrames * 6; i++) diff = Math.max(diff, Math.abs(avgLogits[i] - soft.soft![i]));
  assert.ok(diff > 1e-4, `averaging logits should differ here (max diff ${diff})`);
  assert.equal(full.targets.hasLogits, true);
  // argmax labels for an unlabeled transfer set
  let best = 0;
  for (let j = 1; j < 6; j++) if (soft.soft![j] > soft.soft![best]) best = j;
  assert.equal(full.argmax[0], best);

  const top = await computeTeacherTargets(fwd, corpus, { temperature: T, mode: { kind: 'top-k', k: 2 } });
  assert.ok(top.targets instanceof TopKTargets);
  const topT = top.targets as TopKTargets;
  // the top-1 pdf of the dense targets is the first kept entry
  assert.equal(topT.pdfIds[0], best);

  const id = await teacherIdentity(model);
  assert.match(id, /^[0-9a-f]{64}$/);
  const file = path.join(tmp, 'soft.arrow');
  const key = { temperature: T, teacherId: id, teacherDir: tmp, engine: 'cpu' };
  await writeSoftTargetCache(file, corpus, topT, key);
  const back = await readSoftTargetCache(file, corpus, key);
  assert.deepEqual(Array.from(back.pdfIds), Array.from(topT.pdfIds));
  assert.deepEqual(Array.from(back.probs), Array.from(topT.probs));
  await assert.rejects(readSoftTargetCache(file, corpus, { ...key, temperature: 2 }), {
    name: 'InputError',
    message: `${file}: computed at temperature 3, not 2; delete it to recompute, or choose another --cache file`,
  });
  const other = await teacherIdentity(await loadAcousticModel(path.join(tmp, 'a')));
  assert.notEqual(other, id);
  await assert.rejects(readSoftTargetCache(file, corpus, { ...key, teacherId: other, teacherDir: 'x' }), {
    name: 'InputError',
    message: `${file}: computed by another teacher (${tmp}, id ${id.slice(0, 12)}) than x (id ${other.slice(0, 12)}); delete it to recompute, or choose another --cache file`,
  });
  fwd.dispose();
  await fs.rm(tmp, { recursive: true });
});

test("soft targets follow the ensemble's combine rule: a geometric ensemble gives softmax of the mean logits / T, with or without logits", async () => {
  const tmp = await twoMemberEnsemble('soft-geo-');
  await writeEnsembleManifest(tmp, { type: 'ensemble', combine: 'geometric', members: ['a', 'b'] });
  const utts = synthUtterances({ numUtts: 1, dim: 2, numPdfs: 6, seed: 3, minFrames: 5, maxFrames: 5 });
  const fwd = tfjsAcousticForward(await loadAcousticModel(tmp));
  const T = 2;
  const x = spliceUtterance(utts[0].data, 5, 2, { left: 1, right: 1 });
  const [za, zb] = fwd.memberLogits(x, 5);
  const want = softmaxRows(za.map((v, i) => (v + zb[i]) / 2), 6, T);
  const pb = softmaxRows(zb, 6, T);
  const arithmetic = softmaxRows(za, 6, T).map((p, i) => (p + pb[i]) / 2);
  for (const withLogits of [false, true]) {
    const got = teacherBatchTargets(fwd, x, 5, T, withLogits).soft;
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `withLogits ${withLogits}: ${got[i]} vs ${want[i]}`);
    assert.ok(Math.max(...Array.from(got, (g, i) => Math.abs(g - arithmetic[i]))) > 1e-4, 'differs from the arithmetic mean here');
  }
  fwd.dispose();
});

test('computeTeacherTargets shares the chunks with a helper (as with a worker) and gets the same targets', async () => {
  const tmp = await twoMemberEnsemble('helper-');
  const corpus = buildFrameCorpus(synthUtterances({ numUtts: 5, dim: 2, numPdfs: 6, seed: 3, minFrames: 4, maxFrames: 9 }), 2, 6);
  const fwd = tfjsAcousticForward(await loadAcousticModel(tmp));
  const T = 2;
  const opts = { temperature: T, mode: { kind: 'full' as const }, withLogits: true, chunkFrames: 3 };
  const alone = await computeTeacherTargets(fwd, corpus, opts);
  // A helper that answers later, like a worker; it must see copies (splicedChunks reuses its buffer).
  const starts: number[] = [];
  let frames = 0;
  const helper = (x: Float32Array, n: number) => {
    starts.push(x[0]);
    frames += n;
    return new Promise<{ soft: Float32Array; logits?: Float32Array }>((resolve) => setTimeout(() => resolve(teacherBatchTargets(fwd, x, n, T, true)), 2));
  };
  let reported = 0;
  const shared = await computeTeacherTargets(fwd, corpus, { ...opts, helper, onFrames: (n) => (reported += n) });
  const total = corpus.uttStart[corpus.uttIds.length];
  assert.ok(frames > 0 && frames < total, `the helper took ${frames} of ${total} frames`);
  assert.equal(reported, total);
  const a = alone.targets as DenseTargets;
  const b = shared.targets as DenseTargets;
  assert.deepEqual(Array.from(b.soft!), Array.from(a.soft!));
  assert.deepEqual(Array.from(b.logits!), Array.from(a.logits!));
  assert.deepEqual(Array.from(shared.argmax), Array.from(alone.argmax));
  // A failing helper fails the pass.
  await assert.rejects(computeTeacherTargets(fwd, corpus, { ...opts, helper: async () => Promise.reject(new Error('worker died')) }), /worker died/);
  fwd.dispose();
  await fs.rm(tmp, { recursive: true });
});

test('onlineTeacherSource: targets computed per batch equal the precomputed ones without noise; with noise they follow the noisy inputs', async () => {
  const tmp = await twoMemberEnsemble('online-');
  const corpus = buildFrameCorpus(synthUtterances({ numUtts: 3, dim: 2, numPdfs: 6, seed: 2, minFrames: 4, maxFrames: 7 }), 2, 6);
  const fwd = tfjsAcousticForward(await loadAcousticModel(tmp));
  const ctx = { left: 1, right: 1 };
  const T = 2;
  const pre = await computeTeacherTargets(fwd, corpus, { temperature: T, mode: { kind: 'full' }, withLogits: true });
  const withPre = [...createBatchSource(corpus, { context: ctx, seed: 4, targets: pre.targets }).batches(1, 5)];
  const dims = { inputDim: fwd.inputDim, numPdfs: fwd.numPdfs };
  const online = onlineTeacherSource(createBatchSource(corpus, { context: ctx, seed: 4 }), localBatchTeacher(fwd, T, true), { ...dims, withSoft: true });
  const got = await collect(online.batches(1, 5));
  assert.equal(got.length, withPre.length);
  got.forEach((b, i) => {
    assert.deepEqual(b.labels, withPre[i].labels);
    for (let j = 0; j < b.soft!.length; j++) assert.ok(Math.abs(b.soft![j] - withPre[i].soft![j]) < 1e-6);
    for (let j = 0; j < b.teacherLogits!.length; j++) assert.ok(Math.abs(b.teacherLogits![j] - withPre[i].teacherLogits![j]) < 1e-5);
  });

  // With noise: inputs differ from the clean batch, targets are the teacher's on the noisy inputs,
  // and the same epoch gives the same batches again (exact resume).
  const noise = new TransferNoise(0.5, featureStd(corpus), 9);
  const noisy = onlineTeacherSource(createBatchSource(corpus, { context: ctx, seed: 4 }), localBatchTeacher(fwd, T, false), { ...dims, withSoft: true, perturb: [noise], labelsFromTeacher: true });
  const n1 = await collect(noisy.batches(1, 5));
  const n2 = await collect(noisy.batches(1, 5));
  assert.deepEqual(n1, n2);
  assert.notDeepEqual(n1[0].x, got[0].x);
  assert.equal(n1[0].teacherLogits, undefined);
  const ref = teacherBatchTargets(fwd, n1[0].x, n1[0].size, T, false).soft;
  assert.deepEqual(n1[0].soft, ref);
  // labelsFromTeacher: each label is the teacher's best pdf on the noisy frame
  for (let i = 0; i < n1[0].size; i++) {
    const row = Array.from(ref.subarray(i * 6, (i + 1) * 6));
    assert.equal(n1[0].labels[i], row.indexOf(Math.max(...row)));
  }
  // Teacher in a worker thread, requests ahead of the trainer: the same batches, in the same order.
  const runner = createJobRunner({ jobs: 1 });
  try {
    const id = await teacherIdentity(fwd.model);
    const remote = workerBatchTeacher(runner, { teacherDir: tmp, teacherId: id, backend: 'cpu', temperature: T, withLogits: false });
    const piped = onlineTeacherSource(createBatchSource(corpus, { context: ctx, seed: 4 }), remote, { ...dims, withSoft: true, perturb: [noise], labelsFromTeacher: true, lookahead: 2 });
    assert.deepEqual(await collect(piped.batches(1, 5)), n1);
    // A teacher that changed on disk since the run started is refused.
    const stale = workerBatchTeacher(runner, { teacherDir: tmp, teacherId: 'f'.repeat(64), backend: 'cpu', temperature: T, withLogits: false });
    await assert.rejects(stale(n1[0].x, n1[0].size), { name: 'InputError', message: /the teacher changed on disk while distilling/ });
    // On ONNX Runtime: a worker's targets equal this thread's exactly, and the tfjs ones within float32 rounding.
    const ortFwd = await createAcousticForward(fwd.model, 'ort');
    const onOrt = (teacher: BatchTeacher) => collect(onlineTeacherSource(createBatchSource(corpus, { context: ctx, seed: 4 }), teacher, { ...dims, withSoft: true, perturb: [noise], labelsFromTeacher: true, lookahead: 2 }).batches(1, 5));
    const localOrt = await onOrt(localBatchTeacher(ortFwd, T, false));
    assert.deepEqual(await onOrt(workerBatchTeacher(runner, { teacherDir: tmp, teacherId: id, backend: 'ort', temperature: T, withLogits: false })), localOrt);
    localOrt.forEach((b, i) => b.soft!.forEach((v, j) => assert.ok(Math.abs(v - n1[i].soft![j]) < 1e-6, `ort soft target ${i}.${j}`)));
    ortFwd.dispose();
  } finally {
    await runner.close();
  }
  assert.throws(() => onlineTeacherSource(createBatchSource(corpus, { context: { left: 0, right: 0 }, seed: 4 }), localBatchTeacher(fwd, T, false), { ...dims, withSoft: true }), {
    name: 'InputError',
    message: "teacher expects 6-dim inputs and 6 pdfs, the transfer set gives 2 and 6; distill with the teacher's --context",
  });
  fwd.dispose();
  await fs.rm(tmp, { recursive: true });
});
