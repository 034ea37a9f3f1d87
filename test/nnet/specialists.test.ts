import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeSpecialists,
  clusterPdfsByCovariance,
  combineSpecialists,
  dustbinLabels,
  dustbinMap,
  dustbinSoftTargets,
  kMeans,
  predictionCovariance,
  specialistCorpus,
  specialistInitWeights,
} from '../../src/nnet/specialists.js';
import { initDnnWeights } from '../../src/nnet/model.js';
import { softmaxRows } from '../../src/nnet/distill-loss.js';
import { makeRng } from '../../src/data/random.js';

/** Frames whose predictions spread over one of `groups` (confusable pdfs), chosen at random. */
function confusedPredictions(groups: number[][], numPdfs: number, numFrames: number, seed: number): Float32Array {
  const rng = makeRng(seed, 'spec');
  const p = new Float32Array(numFrames * numPdfs);
  for (let t = 0; t < numFrames; t++) {
    const g = groups[Math.floor(rng() * groups.length)];
    let s = 0;
    const row = new Float64Array(numPdfs).fill(0.01);
    for (const j of g) row[j] = rng() + 0.2;
    for (const x of row) s += x;
    for (let j = 0; j < numPdfs; j++) p[t * numPdfs + j] = row[j] / s;
  }
  return p;
}

test('predictionCovariance: E[p p^T] - E[p] E[p]^T of a known case', () => {
  // Two frames over two pdfs: (1, 0) and (0, 1): mean 0.5 each, var 0.25, cov -0.25.
  const c = predictionCovariance(Float32Array.of(1, 0, 0, 1), 2, 2);
  assert.deepEqual(Array.from(c), [0.25, -0.25, -0.25, 0.25]);
});

test('kMeans recovers well-separated clusters whatever the seed, every cluster non-empty', () => {
  const pts = Float64Array.of(0, 0, 0.1, 0, 0, 0.1, 10, 10, 10.1, 10, 10, 10.2, -10, 5, -10.1, 5);
  for (const seed of [1, 2, 3, 4]) {
    const a = kMeans(pts, 8, 2, 3, seed);
    assert.equal(new Set(a).size, 3);
    assert.ok(a[0] === a[1] && a[1] === a[2] && a[3] === a[4] && a[4] === a[5] && a[6] === a[7], `seed ${seed}: ${a}`);
  }
  assert.throws(() => kMeans(pts, 8, 2, 9, 1), { name: 'InputError', message: 'k-means: 9 clusters of 8 points; give 1 <= K <= 8' });
  // Identical points: still K non-empty clusters.
  assert.equal(new Set(kMeans(new Float64Array(10), 5, 2, 3, 1)).size, 3);
});

test('clusterPdfsByCovariance recovers the groups of pdfs the generalist confuses (sec. 5.2)', () => {
  const groups = [[0, 3, 7], [1, 5], [2, 4, 6, 8]];
  const p = confusedPredictions(groups, 9, 600, 1);
  for (const seed of [1, 2, 3]) {
    const clusters = clusterPdfsByCovariance(p, 600, 9, 3, seed).map((c) => Array.from(c).join(',')).sort();
    assert.deepEqual(clusters, groups.map((g) => g.join(',')).sort(), `seed ${seed}`);
  }
});

test('dustbin mapping: cluster pdfs keep their order, every other pdf (and its mass) goes to the dustbin', () => {
  const map = dustbinMap(Int32Array.of(4, 1), 5);
  assert.deepEqual(Array.from(map), [2, 1, 2, 2, 0]);
  assert.deepEqual(Array.from(dustbinLabels(Int32Array.of(0, 1, 4, -1, 3), map)), [2, 1, 0, -1, 2]);
  const soft = Float32Array.of(0.1, 0.2, 0.3, 0.15, 0.25, 0, 0, 0, 0, 1);
  const out = dustbinSoftTargets(soft, 2, 5, map);
  const want = [0.25, 0.2, 0.55, 1, 0, 0];
  out.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6, `${i}: ${x} vs ${want[i]}`));
  assert.throws(() => dustbinMap(Int32Array.of(5), 5), { name: 'InputError', message: 'dustbinMap: pdf 5 is not in 0..4' });
});

test('activeSpecialists: those whose cluster holds one of the generalist\'s top N pdfs', () => {
  const clusters = [Int32Array.of(0, 1), Int32Array.of(2, 3), Int32Array.of(4)];
  assert.deepEqual(activeSpecialists([0.1, 0.05, 0.5, 0.05, 0.3], clusters, 1), [1]);
  assert.deepEqual(activeSpecialists([0.1, 0.05, 0.5, 0.05, 0.3], clusters, 2), [1, 2]);
  assert.deepEqual(activeSpecialists([0.1, 0.05, 0.5, 0.05, 0.3], clusters, 3), [0, 1, 2]);
});

test('combineSpecialists (eq. 5): the known optimum of a toy case, and the generalist itself without specialists', () => {
  // Generalist (0.2, 0.4, 0.4); one specialist on {0, 1}: (0.6, 0.2) and dustbin 0.2. Stationarity:
  // 2 q_i = p^g_i + r_i, r = (0.6, 0.2, 0.2 q_2 / q_2) -> q = (0.4, 0.3, 0.3), the unique optimum (convex).
  const q = combineSpecialists([0.2, 0.4, 0.4], [{ cluster: Int32Array.of(0, 1), probs: [0.6, 0.2, 0.2] }], { steps: 2000 });
  [0.4, 0.3, 0.3].forEach((w, i) => assert.ok(Math.abs(q[i] - w) < 1e-6, `q[${i}] = ${q[i]}`));
  // Specialists that agree with the generalist leave it unchanged.
  const pg = [0.1, 0.2, 0.3, 0.4];
  const same = combineSpecialists(pg, [{ cluster: Int32Array.of(3, 0), probs: [0.4, 0.1, 0.5] }, { cluster: Int32Array.of(2), probs: [0.3, 0.7] }]);
  pg.forEach((w, i) => assert.ok(Math.abs(same[i] - w) < 1e-9));
  const alone = combineSpecialists(pg, []);
  pg.forEach((w, i) => assert.ok(Math.abs(alone[i] - w) < 1e-12));
  assert.throws(() => combineSpecialists(pg, [{ cluster: Int32Array.of(0, 1), probs: [0.5, 0.5] }]), {
    name: 'InputError',
    message: 'combineSpecialists: a specialist of 2 pdfs must give 3 probabilities (dustbin last), got 2',
  });
});

test('specialistCorpus: every cluster frame, as many dustbin frames (seeded), the rest masked with -1', () => {
  // 12 frames over 4 pdfs; the cluster {1, 3} has 3 frames, the dustbin 8, one frame unlabeled.
  const labels = Int32Array.of(0, 1, 2, 2, 3, 0, 2, -1, 1, 0, 2, 0);
  const corpus = { dim: 1, numPdfs: 4, uttIds: ['u'], uttStart: Int32Array.of(0, 12), feats: new Float32Array(12), labels };
  const s = specialistCorpus(corpus, Int32Array.of(3, 1), 1);
  assert.equal(s.numPdfs, 3);
  assert.equal(s.feats, corpus.feats, 'the frames are shared, not copied');
  const l = Array.from(s.labels);
  assert.deepEqual([l[1], l[4], l[8]], [1, 0, 1], 'cluster pdfs map to their places');
  assert.equal(l[7], -1);
  assert.equal(l.filter((x) => x === 2).length, 3, 'as many dustbin frames as cluster frames');
  assert.equal(l.filter((x) => x === -1).length, 1 + 5);
  assert.deepEqual(Array.from(specialistCorpus(corpus, Int32Array.of(3, 1), 1).labels), l, 'same seed, same frames');
  const draws = new Set([1, 2, 3, 4, 5].map((seed) => specialistCorpus(corpus, Int32Array.of(3, 1), seed).labels.join(',')));
  assert.ok(draws.size > 1, 'other seeds draw other dustbin frames');
  assert.throws(() => specialistCorpus({ ...corpus, labels: Int32Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) }, Int32Array.of(3), 1), {
    name: 'InputError',
    message: 'specialist of pdfs 3: none of its pdfs is in the training labels; cluster on data with the same pdfs',
  });
});

test("specialistInitWeights: the generalist's hidden layers and cluster units; the dustbin logit is log-sum-exp of equal others", () => {
  const g = initDnnWeights({ hidden: [{ units: 5 }], activation: 'relu' }, 3, 6, 1);
  const last = g.layers[1];
  // Make the units of pdfs 0, 2, 4, 5 (outside the cluster) equal, so the dustbin is exact.
  for (let i = 0; i < 5; i++) for (const j of [2, 4, 5]) last.W[i * 6 + j] = last.W[i * 6 + 0];
  for (const j of [2, 4, 5]) last.b[j] = last.b[0];
  const s = specialistInitWeights(g, Int32Array.of(3, 1));
  assert.equal(s.numPdfs, 3);
  assert.deepEqual(s.layers[0].W, g.layers[0].W);
  assert.equal(s.layers[1].outDim, 3);
  assert.notEqual(s.layers[0].W, g.layers[0].W, 'a copy');
  // The specialist's distribution = the generalist's with the other pdfs summed, for any hidden activation h.
  const h = Float32Array.of(0.3, 1.2, 0, 2, 0.7);
  const logits = (W: Float32Array, b: Float32Array, n: number) => Float32Array.from({ length: n }, (_, j) => b[j] + h.reduce((a, x, i) => a + x * W[i * n + j], 0));
  const pg = softmaxRows(logits(last.W, last.b, 6), 1, 6);
  const ps = softmaxRows(logits(s.layers[1].W, s.layers[1].b, 3), 1, 3);
  const want = [pg[3], pg[1], pg[0] + pg[2] + pg[4] + pg[5]];
  want.forEach((w, i) => assert.ok(Math.abs(ps[i] - w) < 1e-5, `${i}: ${ps[i]} vs ${w}`));
  assert.throws(() => specialistInitWeights(g, Int32Array.of(0, 1, 2, 3, 4, 5)), { name: 'InputError', message: 'specialist of all 6 pdfs: it would have nothing in its dustbin; use fewer pdfs per cluster' });
});
