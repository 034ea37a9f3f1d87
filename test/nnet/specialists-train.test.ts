import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { modelPosteriors, SPECIALISTS_FILE, specialistClusters, trainSpecialists, type SpecialistsManifest } from '../../src/nnet/specialists-train.js';
import { evalSpecialistsDir, formatSpecialistsEval } from '../../src/nnet/specialists-infer.js';
import { combineChunk, createModelForward, DEFAULT_TOP_N, loadSpecialists } from '../../src/nnet/specialists-forward.js';
import { loadDnnScorer, readModelSetup } from '../../src/decode/acoustic-model.js';
import { readFeatsDir } from '../../src/store/feats-archive.js';
import { spliceUtterance } from '../../src/nnet/splice.js';
import { trainDnnDir, type TrainSettings } from '../../src/nnet/train-worker.js';
import { evalFramesDir } from '../../src/nnet/eval.js';
import { loadAcousticModel } from '../../src/nnet/ensemble.js';
import { loadEvalCorpus } from '../../src/nnet/eval.js';
import { specialistTrainingSet } from '../../src/nnet/specialists.js';
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
    const ef = await evalFramesDir(generalist, dev.featsDir, dev.aliDir, { backend, quiet: true });
    assert.equal(r.generalistCorrect, ef.scores.correct, 'the generalist column is the generalist alone');
    assert.ok(Math.abs(r.generalistCrossEntropy - ef.scores.crossEntropy) < 1e-4);
    assert.ok(r.combinedCorrect > 0 && r.combinedCorrect <= r.numFrames);
    const text = formatSpecialistsEval(r);
    assert.match(text, /^1\t\d+\t[\d.]+%\t[\d.]+%\t-?\d+\t/m);
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
