import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { modelPosteriors, specialistClusters, teacherFrameTargets, trainSpecialists } from '../../src/nnet/specialists-train.js';
import { SPECIALISTS_FILE, type SpecialistsManifest } from '../../src/nnet/specialists-manifest.js';
import { evalSpecialistsDir, formatSpecialistsEval } from '../../src/nnet/specialists-infer.js';
import { combineChunk, createModelForward, DEFAULT_TOP_N, loadSpecialists } from '../../src/nnet/specialists-forward.js';
import { loadDnnScorer, loadFrameScorer, readModelSetup } from '../../src/decode/acoustic-model.js';
import { readFeatsDir } from '../../src/store/feats-archive.js';
import { spliceUtterance } from '../../src/nnet/splice.js';
import { trainDnnDir, type TrainSettings } from '../../src/nnet/train-worker.js';
import { evalFramesDir } from '../../src/nnet/eval.js';
import { loadAcousticModel } from '../../src/nnet/ensemble.js';
import { loadEvalCorpus } from '../../src/nnet/eval.js';
import { dustbinMap, dustbinSoftTargets, shiftDustbinLogit, specialistTrainingSet } from '../../src/nnet/specialists.js';
import { createAcousticForward } from '../../src/nnet/engine.js';
import { frameUtterances, spliceFrames, type FrameCorpus } from '../../src/nnet/batches.js';
import { distillLoss } from '../../src/nnet/distill-loss.js';
import type { AcousticModel } from '../../src/nnet/ensemble.js';
import type { DnnWeights } from '../../src/nnet/weights.js';
import { writeRandomEnsemble, tinyTransitionModel, writeSynthCorpusDirs } from './pipeline-fixtures.js';

const arch = { hidden: [{ units: 16 }], activation: 'relu' as const };

/** A generalist trained briefly on synthetic frames (12 pdfs), with train and dev sets. */
async function setup(): Promise<{ root: string; generalist: string; train: { featsDir: string; aliDir: string }; dev: { featsDir: string; aliDir: string; numFrames: number } }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'specialists-'));
  const train = await writeSynthCorpusDirs(root, { name: 'train', numUtts: 12, dim: 3, seed: 1, noise: 1.5 });
  const dev = await writeSynthCorpusDirs(root, { name: 'dev', numUtts: 4, dim: 3, seed: 2, noise: 1.5 });
  const generalist = path.join(root, 'gen');
  const settings: TrainSettings = { context: { left: 1, right: 1 }, epochs: 2, batchSize: 32, learningRate: 0.01, optimizer: 'adam', backend: 'cpu' };
  await trainDnnDir({ featsDir: train.featsDir, aliDir: train.aliDir, outDir: generalist, arch, seed: 3, settings, resume: false, label: 'gen' });
  return { root, generalist, train, dev };
}

test('specialistClusters: one k-means per --cover seed, repeated clusters kept once; K < 2 and cover < 1 refused', () => {
  // Two sharply separated groups: every seed finds the same two clusters, so cover 3 keeps 2.
  const n = 4;
  const p = new Float32Array(40 * n);
  for (let t = 0; t < 40; t++) {
    // Even frames confuse pdfs 0 and 2, odd ones 1 and 3, with a varying split.
    const [a, b] = t % 2 === 0 ? [0, 2] : [1, 3];
    const r = (((t * 7) % 10) + 0.5) / 10;
    [p[t * n + a], p[t * n + b]] = [r, 1 - r];
  }
  const once = specialistClusters(p, 40, n, 2, 1, 1, 'correlation').map((c) => c.join(',')).sort();
  assert.deepEqual(once, ['0,2', '1,3']);
  assert.deepEqual(specialistClusters(p, 40, n, 2, 3, 1, 'correlation').map((c) => c.join(',')).sort(), once);
  assert.throws(() => specialistClusters(p, 40, n, 1, 1, 1), { name: 'InputError', message: /--num 1: a specialist needs pdfs outside its cluster/ });
  assert.throws(() => specialistClusters(p, 40, n, 2, 0, 1), { name: 'InputError', message: '--cover 0: give a positive number of clusterings' });
});

for (const backend of ['cpu', 'ort'] as const) {
  test(`trainSpecialists + evalSpecialistsDir end to end (${backend}): a partition into specialists, the bias correction, Table 4 totals equal to eval-frames`, async () => {
    const { root, generalist, train, dev } = await setup();
    const out = path.join(root, 'spec');
    const m = await trainSpecialists({ generalistDir: generalist, featsDir: train.featsDir, aliDir: train.aliDir, clusterOn: dev, outDir: out, numClusters: 3, epochs: 2, batchSize: 32, seed: 1, backend, quiet: true });
    const onDisk = JSON.parse(await fs.readFile(path.join(out, SPECIALISTS_FILE), 'utf8')) as SpecialistsManifest;
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(m)));
    // One clustering: the specialists' pdfs partition the 12 pdfs (every pdf occurs in training).
    const all = m.specialists.flatMap((s) => s.pdfs).sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 12 }, (_, i) => i));
    assert.equal(m.specialists.length, 3);
    // The bias correction of each is the one its training set implies, and the frames drawn are half its cluster's.
    const g = await loadAcousticModel(generalist);
    const corpus = await loadEvalCorpus(g, train.featsDir, train.aliDir);
    for (const s of m.specialists) {
      const set = specialistTrainingSet(corpus, Int32Array.from(s.pdfs), 1);
      assert.deepEqual(s.trainFrames, set.counts);
      assert.equal(s.dustbinShift, s.keptEpoch > 0 ? set.dustbinShift : 0);
      assert.equal(s.trainFrames.keptOutside, Math.min(s.trainFrames.inside, s.trainFrames.outside));
      assert.equal(s.history.length, 2);
      // Early stopping: the kept epoch has the lowest held-out loss, the starting weights included.
      const losses = s.heldOutLoss!;
      assert.equal(losses.length, 3);
      assert.ok(losses.every((l) => Number.isFinite(l)), `${losses}`);
      assert.equal(s.keptEpoch, losses.indexOf(Math.min(...losses)));
      assert.equal(s.priors.length, s.pdfs.length + 1);
      await assert.rejects(fs.access(path.join(out, s.dir, 'checkpoint')), 'the checkpoint is removed');
    }
    const loaded = await loadSpecialists(out);
    assert.equal(loaded.specialists.length, 3);
    assert.equal(loaded.specialists[0].meta.numPdfs, m.specialists[0].pdfs.length + 1);

    // Every specialist active (top 12): each frame's correct pdf is covered by exactly one of them.
    const r = await evalSpecialistsDir(out, dev.featsDir, dev.aliDir, { topN: 12, steps: 50, backend });
    assert.equal(r.numFrames, dev.numFrames);
    assert.deepEqual(r.coverage.map((c) => c.covering), [1]);
    assert.equal(r.meanActive, 3);
    // Eq. 5's solver converges on every frame well within the budget of 50 (7.8 evaluations on cpu).
    assert.equal(r.convergedFraction, 1);
    assert.ok(r.meanEvaluations >= 1 && r.meanEvaluations < 25, `${r.meanEvaluations} map evaluations per frame`);
    const ef = await evalFramesDir(generalist, dev.featsDir, dev.aliDir, { backend, quiet: true });
    assert.equal(r.generalistCorrect, ef.scores.correct, 'the generalist column is the generalist alone');
    assert.ok(Math.abs(r.generalistCrossEntropy - ef.scores.crossEntropy) < 1e-4);
    assert.ok(r.combinedCorrect > 0 && r.combinedCorrect <= r.numFrames);
    const text = formatSpecialistsEval(r);
    assert.match(text, /^1\t\d+\t[\d.]+%\t[\d.]+%\t-?\d+\t/m);
    assert.match(text, /eq\. 5 by accelerated EM \([\d.]+ map evaluations per combined frame, at most 50; 100\.0% converged\)/);
    assert.match(text, /generalist \+ specialists: frame accuracy [\d.]+% \[ \d+ \/ \d+ \]/);
    // top 1: fewer active specialists, frames whose correct pdf no active one covers.
    const r1 = await evalSpecialistsDir(out, dev.featsDir, dev.aliDir, { topN: 1, steps: 50, backend });
    assert.equal(r1.meanActive, 1);
    assert.equal(r1.coverage.reduce((a, c) => a + c.frames, 0), dev.numFrames);

    // eval-frames and decode take the specialists directory as one model (top DEFAULT_TOP_N, 200 steps).
    const r3 = await evalSpecialistsDir(out, dev.featsDir, dev.aliDir, { topN: DEFAULT_TOP_N, backend });
    const efs = await evalFramesDir(out, dev.featsDir, dev.aliDir, { backend, quiet: true });
    assert.equal(efs.dir, out);
    assert.equal(efs.scores.correct, r3.combinedCorrect, "eval-frames scores eq. 5's combination");
    assert.ok(Math.abs(efs.scores.crossEntropy - r3.combinedCrossEntropy) < 1e-4);
    const setupOf = await readModelSetup(out);
    assert.equal(setupOf.kind, 'specialists');
    assert.equal(setupOf.featDim, (await readModelSetup(generalist)).featDim);
    // decode's scores: log q - log prior of the generalist (a hybrid model's scaled likelihoods).
    const utt = [...(await readFeatsDir(dev.featsDir)).utts.values()][0];
    const scorer = await loadDnnScorer(out, backend);
    const fwd = await createModelForward(out, backend);
    try {
      const ll = scorer.logLikelihoods(utt.data, utt.numFrames);
      const meta = fwd.model.meta;
      const q = fwd.posteriors(spliceUtterance(utt.data, utt.numFrames, meta.featDim, meta.context), utt.numFrames);
      assert.deepEqual(meta.priors, g.meta.priors);
      for (let i = 0; i < q.length; i++) assert.ok(Math.abs(ll[i] - (Math.log(Math.max(q[i], 1e-30)) - g.meta.priors[i % g.meta.numPdfs])) < 1e-3, `frame ${Math.floor(i / g.meta.numPdfs)} pdf ${i % g.meta.numPdfs}`);
      assert.throws(() => fwd.posteriors(new Float32Array(meta.inputDim), 1, 2), { name: 'InputError', message: /temperature 2 are not defined/ });
    } finally {
      scorer.dispose();
      fwd.dispose();
    }
  });
}

test('trainSpecialists refuses an ensemble as the generalist, and clustering with a model of other pdfs; modelPosteriors of an ensemble, capped', async () => {
  const { root, generalist, train, dev } = await setup();
  const ens = path.join(root, 'ens');
  await writeRandomEnsemble(ens, { featDim: 3, left: 1, right: 1, tm: tinyTransitionModel(4, 3), seeds: [1, 2] });
  const base = { featsDir: train.featsDir, aliDir: train.aliDir, clusterOn: dev, outDir: path.join(root, 's'), numClusters: 2, epochs: 1, seed: 1, backend: 'cpu' as const, quiet: true };
  await assert.rejects(trainSpecialists({ ...base, generalistDir: ens }), { name: 'InputError', message: /an ensemble; the specialists start from one DNN's weights/ });
  const other = path.join(root, 'ens5');
  await writeRandomEnsemble(other, { featDim: 3, left: 1, right: 1, tm: tinyTransitionModel(5, 3), seeds: [1, 2] });
  await assert.rejects(trainSpecialists({ ...base, generalistDir: generalist, clusterWithDir: other }), { name: 'InputError', message: /--cluster-with .*: 15 pdfs but the generalist .* has 12/ });
  // Clustering with the ensemble over the same pdfs works (its posteriors are what is clustered).
  const g = await loadAcousticModel(ens);
  const plain = await writeSynthCorpusDirs(root, { name: 'plain', numUtts: 2, dim: 3, seed: 5, cmvn: false });
  const c = await loadEvalCorpus(g, plain.featsDir, plain.aliDir);
  const p = await modelPosteriors(g, c, 'cpu', 10);
  assert.equal(p.numFrames, 10);
  assert.equal(p.posteriors.length, 10 * 12);
});

test('combineChunk: frames without an active specialist keep the generalist; a confident specialist moves q within its cluster', () => {
  const clusters = [Int32Array.of(0, 1), Int32Array.of(2, 3)];
  // Frame 0: top-1 is pdf 1 (cluster 0); frame 1 likewise. Specialist 0 says pdf 0, surely.
  const gen = Float32Array.of(0.3, 0.4, 0.2, 0.1, 0.3, 0.4, 0.2, 0.1);
  const spec0 = Float32Array.of(0.9, 0.05, 0.05, 0.9, 0.05, 0.05);
  const spec1 = Float32Array.of(0.5, 0.3, 0.2, 0.5, 0.3, 0.2);
  const { q, active } = combineChunk(gen, [spec0, spec1], clusters, 2, 4, { topN: 1, steps: 500 });
  assert.deepEqual(active, [[0], [0]]);
  assert.ok(q[0] > q[1], `pdf 0 should now beat pdf 1: ${Array.from(q.subarray(0, 4))}`);
  assert.ok(Math.abs(q.subarray(0, 4).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  // topN 0 is never used by the CLI (--top >= 1) but an empty active set must leave the generalist.
  const none = combineChunk(gen, [spec0, spec1], [Int32Array.of(5)], 2, 4, { topN: 1 });
  assert.deepEqual(Array.from(none.q), Array.from(gen));
  assert.deepEqual(none.active, [[], []]);
});

test("createBatchSource's `frames`: only the listed frames, each once per epoch, spliced from their own utterance", async () => {
  const { createBatchSource } = await import('../../src/nnet/batches.js');
  // Two utterances of 4 and 3 one-dim frames whose value is the global index; labels = index.
  const corpus = { dim: 1, numPdfs: 7, uttIds: ['a', 'b'], uttStart: Int32Array.of(0, 4, 7), feats: Float32Array.of(0, 1, 2, 3, 4, 5, 6), labels: Int32Array.of(0, 1, 2, 3, 4, 5, 6) };
  const frames = Int32Array.of(1, 3, 4, 6);
  const src = createBatchSource(corpus, { context: { left: 1, right: 1 }, seed: 2, frames });
  assert.equal(src.numFrames, 4);
  for (const epoch of [0, 1]) {
    const seen: number[] = [];
    for (const b of src.batches(epoch, 3)) {
      for (let i = 0; i < b.size; i++) {
        const g = b.labels[i];
        seen.push(g);
        // Context from the frame's own utterance, edges repeated: frame 3 -> (2, 3, 3), frame 4 -> (4, 4, 5).
        const want = { 1: [0, 1, 2], 3: [2, 3, 3], 4: [4, 4, 5], 6: [5, 6, 6] }[g as 1 | 3 | 4 | 6];
        assert.deepEqual(Array.from(b.x.subarray(3 * i, 3 * i + 3)), want, `frame ${g}`);
      }
    }
    assert.deepEqual(seen.slice().sort((a, b) => a - b), [1, 3, 4, 6]);
  }
  const order = (e: number) => [...src.batches(e, 4)][0].labels.join(',');
  assert.ok([0, 1, 2, 3, 4].some((e) => order(e) !== order(0)), 'shuffled per epoch');
});

/** Mean soft-target loss (distill-loss.ts, T^2 x CE at T) of a specialist network on `frames` against its classes' targets `soft` (numFrames x classes). */
async function softLossOn(like: AcousticModel, w: DnnWeights, corpus: FrameCorpus, frames: Int32Array, soft: Float32Array, temperature: number): Promise<number> {
  const classes = w.numPdfs;
  const meta = { ...like.meta, numPdfs: classes, priors: new Array<number>(classes).fill(0) };
  const fwd = await createAcousticForward({ ...like, members: [{ ...like.members[0], meta, weights: w }], meta }, 'cpu');
  try {
    const n = frames.length;
    const x = new Float32Array(n * meta.inputDim);
    spliceFrames(corpus, frameUtterances(corpus), frames, n, meta.context, x);
    const rows = new Float32Array(n * classes);
    frames.forEach((g, i) => rows.set(soft.subarray(g * classes, (g + 1) * classes), i * classes));
    return distillLoss(fwd.memberLogits(x, n)[0], { soft: rows }, n, classes, { kind: 'soft-ce', temperature, hardWeight: 0, softWeight: 1 }).loss;
  } finally {
    fwd.dispose();
  }
}

test("trainSpecialists with a teacher: each specialist learns the teacher's soft targets summed onto its pdfs + dustbin (distill's loss), closer to them than on hard labels; bad teachers refused", async () => {
  const { root, generalist, train, dev } = await setup();
  // The teacher: another DNN on the same frames (other seed, wider).
  const teacherDir = path.join(root, 'teacher');
  const settings: TrainSettings = { context: { left: 1, right: 1 }, epochs: 3, batchSize: 32, learningRate: 0.01, optimizer: 'adam', backend: 'cpu' };
  await trainDnnDir({ featsDir: train.featsDir, aliDir: train.aliDir, outDir: teacherDir, arch: { hidden: [{ units: 32 }], activation: 'relu' }, seed: 7, settings, resume: false, label: 'teacher' });
  const base = { generalistDir: generalist, featsDir: train.featsDir, aliDir: train.aliDir, clusterOn: dev, numClusters: 3, epochs: 2, batchSize: 32, learningRate: 0.01, earlyStopping: false, seed: 1, backend: 'cpu' as const, quiet: true };
  const T = 2;
  const hard = await trainSpecialists({ ...base, outDir: path.join(root, 'hard') });
  const soft = await trainSpecialists({ ...base, outDir: path.join(root, 'soft'), softTargets: { teacherDir, temperature: T, hardWeight: 0 } });
  assert.equal(hard.softTargets, undefined);
  assert.equal(soft.softTargets?.teacher, teacherDir);
  assert.deepEqual([soft.softTargets?.temperature, soft.softTargets?.hardWeight], [T, 0]);
  assert.match(soft.softTargets!.teacherId, /^[0-9a-f]{16,}$/);
  // Only the targets differ: the same clusters and frames.
  assert.deepEqual(soft.specialists.map((x) => [x.pdfs, x.trainFrames, x.dustbinShift]), hard.specialists.map((x) => [x.pdfs, x.trainFrames, x.dustbinShift]));

  const g = await loadAcousticModel(generalist);
  const corpus = await loadEvalCorpus(g, train.featsDir, train.aliDir);
  const numFrames = corpus.labels.length;
  const q = await teacherFrameTargets(await loadAcousticModel(teacherDir), train.featsDir, train.aliDir, corpus, T, 'cpu');
  assert.equal(q.length, numFrames * 12);
  for (let t = 0; t < numFrames; t++) assert.ok(Math.abs(q.subarray(t * 12, (t + 1) * 12).reduce((a, b) => a + b, 0) - 1) < 1e-5, `teacher row ${t} sums to 1`);
  const [hs, ss] = [await loadSpecialists(path.join(root, 'hard')), await loadSpecialists(path.join(root, 'soft'))];
  for (const [k, entry] of soft.specialists.entries()) {
    const cluster = Int32Array.from(entry.pdfs);
    const { frames } = specialistTrainingSet(corpus, cluster, 1);
    const mapped = dustbinSoftTargets(q, numFrames, 12, dustbinMap(cluster, 12));
    // The loss the soft path minimised, on its training frames, before the dustbin's prior correction.
    const lossOf = (m: AcousticModel) => softLossOn(g, shiftDustbinLogit(m.members[0].weights, -entry.dustbinShift), corpus, frames, mapped, T);
    const [lh, ls] = [await lossOf(hs.specialists[k]), await lossOf(ss.specialists[k])];
    assert.ok(ls < lh, `${entry.dir}: soft-target loss ${ls} after soft training, ${lh} after hard training`);
  }

  const other = path.join(root, 'ens5');
  await writeRandomEnsemble(other, { featDim: 3, left: 1, right: 1, tm: tinyTransitionModel(5, 3), seeds: [1] });
  await assert.rejects(trainSpecialists({ ...base, outDir: path.join(root, 'x'), softTargets: { teacherDir: other, temperature: T } }), { name: 'InputError', message: /--teacher .*ens5: 15 pdfs but the generalist .* has 12/ });
  await assert.rejects(trainSpecialists({ ...base, outDir: path.join(root, 'y'), softTargets: { teacherDir, temperature: 0 } }), { name: 'InputError', message: /--temperature 0: must be a positive number/ });
});

test('--top of eval-frames and decode: a specialists directory scores with the given top N (eval-specialists\' combination); other models refuse it', async () => {
  const { root, generalist, train, dev } = await setup();
  const out = path.join(root, 'spec');
  await trainSpecialists({ generalistDir: generalist, featsDir: train.featsDir, aliDir: train.aliDir, clusterOn: dev, outDir: out, numClusters: 3, epochs: 1, batchSize: 32, seed: 1, backend: 'cpu', quiet: true });
  for (const topN of [1, 12]) {
    const r = await evalSpecialistsDir(out, dev.featsDir, dev.aliDir, { topN, backend: 'cpu' });
    const ef = await evalFramesDir(out, dev.featsDir, dev.aliDir, { backend: 'cpu', quiet: true, specialists: { topN } });
    assert.equal(ef.scores.correct, r.combinedCorrect, `top ${topN}`);
    assert.ok(Math.abs(ef.scores.crossEntropy - r.combinedCrossEntropy) < 1e-4);
  }
  // decode's scorer: log q - log prior with q from the top N asked for (1 here), not the default.
  const utt = [...(await readFeatsDir(dev.featsDir)).utts.values()][0];
  const scorer = await loadFrameScorer(out, 'cpu', { topN: 1 });
  const [fwd1, fwd3] = [await createModelForward(out, 'cpu', { topN: 1 }), await createModelForward(out, 'cpu')];
  try {
    const ll = (scorer as Awaited<ReturnType<typeof loadDnnScorer>>).logLikelihoods(utt.data, utt.numFrames);
    const meta = fwd1.model.meta;
    const x = spliceUtterance(utt.data, utt.numFrames, meta.featDim, meta.context);
    const [q1, q3] = [fwd1.posteriors(x, utt.numFrames), fwd3.posteriors(x, utt.numFrames)];
    assert.ok(q1.some((v, i) => Math.abs(v - q3[i]) > 1e-4), 'top 1 and top 3 combine differently here');
    for (let i = 0; i < q1.length; i++) assert.ok(Math.abs(ll[i] - (Math.log(Math.max(q1[i], 1e-30)) - meta.priors[i % meta.numPdfs])) < 1e-3, `frame ${Math.floor(i / meta.numPdfs)}`);
  } finally {
    scorer.dispose();
    fwd1.dispose();
    fwd3.dispose();
  }
  const refused = { name: 'InputError', message: /--top 2: .*gen is a dnn model directory; --top picks the active specialists of a specialists directory/ };
  await assert.rejects(evalFramesDir(generalist, dev.featsDir, dev.aliDir, { backend: 'cpu', quiet: true, specialists: { topN: 2 } }), refused);
  await assert.rejects(loadFrameScorer(generalist, 'cpu', { topN: 2 }), refused);
});

test('specialistClusters with --cluster-size: each clustering\'s centres take their S nearest usable pdfs; repeated sets kept once', () => {
  // Frames confuse pdfs {0,1,2} or {2,3,4} (pdf 2 in both); pdf 5 has no held-out frame.
  const n = 6;
  const p = new Float32Array(60 * n);
  for (let t = 0; t < 60; t++) {
    const g = t % 2 === 0 ? [0, 1, 2] : [2, 3, 4];
    const w = [((t * 7) % 10) + 1, ((t * 3) % 10) + 1, ((t * 9) % 10) + 1];
    const s = w[0] + w[1] + w[2] + 0.06;
    for (let j = 0; j < n; j++) p[t * n + j] = 0.01 / s;
    g.forEach((j, i) => (p[t * n + j] = w[i] / s));
  }
  const usable = [true, true, true, true, true, false];
  const sets = specialistClusters(p, 60, n, 2, 3, 1, 'correlation', { size: 3, usable }).map((c) => c.join(',')).sort();
  assert.deepEqual(sets, ['0,1,2', '2,3,4']);
  assert.throws(() => specialistClusters(p, 60, n, 2, 1, 1, 'correlation', { size: 5, usable }), { name: 'InputError', message: /^cluster size 5 \(--cluster-size\): 5 of the 6 pdfs have held-out frames; give 1 to 4/ });
});
