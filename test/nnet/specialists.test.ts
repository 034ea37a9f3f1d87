import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeSpecialists,
  clusterPdfsByCovariance,
  combineSpecialists,
  countCovering,
  covarianceToCorrelation,
  coverageHistogram,
  CoverageTable,
  dustbinLabels,
  dustbinMap,
  dustbinSoftTargets,
  fitDustbinUnit,
  kMeans,
  nearestToCentres,
  overlappingPdfClusters,
  pdfCoverage,
  predictionCovariance,
  shiftDustbinLogit,
  solveSymmetricPositive,
  specialistCorpus,
  specialistInitWeights,
  specialistTrainingSet,
} from '../../src/nnet/specialists.js';
import { initDnnWeights } from '../../src/nnet/weights.js';
import { softmaxRows } from '../../src/nnet/posteriors.js';
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
    const clusters = clusterPdfsByCovariance(predictionCovariance(p, 600, 9), 9, 3, seed).map((c) => Array.from(c).join(',')).sort();
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
  const pg = softmaxRows(logits(last.W, last.b, 6), 6);
  const ps = softmaxRows(logits(s.layers[1].W, s.layers[1].b, 3), 3);
  const want = [pg[3], pg[1], pg[0] + pg[2] + pg[4] + pg[5]];
  want.forEach((w, i) => assert.ok(Math.abs(ps[i] - w) < 1e-5, `${i}: ${ps[i]} vs ${w}`));
  assert.throws(() => specialistInitWeights(g, Int32Array.of(0, 1, 2, 3, 4, 5)), { name: 'InputError', message: 'specialist of all 6 pdfs: it would have nothing in its dustbin; use fewer pdfs per cluster' });
});

test('specialistTrainingSet: the drawn frames listed, their counts, and the dustbin shift log(outside / kept)', () => {
  const labels = Int32Array.of(0, 1, 2, 2, 3, 0, 2, -1, 1, 0, 2, 0);
  const corpus = { dim: 1, numPdfs: 4, uttIds: ['u'], uttStart: Int32Array.of(0, 12), feats: new Float32Array(12), labels };
  const s = specialistTrainingSet(corpus, Int32Array.of(3, 1), 1);
  assert.deepEqual(Array.from(s.corpus.labels), Array.from(specialistCorpus(corpus, Int32Array.of(3, 1), 1).labels));
  assert.deepEqual(Array.from(s.frames), Array.from(s.corpus.labels).flatMap((l, g) => (l >= 0 ? [g] : [])));
  assert.deepEqual(s.counts, { inside: 3, outside: 8, keptOutside: 3 });
  assert.ok(Math.abs(s.dustbinShift - Math.log(8 / 3)) < 1e-12);
  // Fewer outside frames than inside: all kept, nothing to correct.
  const few = specialistTrainingSet({ ...corpus, labels: Int32Array.of(1, 1, 3, 3, 1, 0, 1, 3, 1, 1, 3, 1) }, Int32Array.of(3, 1), 1);
  assert.deepEqual(few.counts, { inside: 11, outside: 1, keptOutside: 1 });
  assert.equal(few.dustbinShift, 0);
  assert.equal(few.frames.length, 12);
});

test('shiftDustbinLogit: the last output bias only, on a copy', () => {
  const w = initDnnWeights({ hidden: [{ units: 4 }], activation: 'relu' }, 3, 3, 2);
  const s = shiftDustbinLogit(w, 0.5);
  const [b0, b1] = [w.layers[1].b, s.layers[1].b];
  assert.deepEqual(Array.from(b1.subarray(0, 2)), Array.from(b0.subarray(0, 2)));
  assert.ok(Math.abs(b1[2] - b0[2] - 0.5) < 1e-6);
  assert.deepEqual(s.layers[0].W, w.layers[0].W);
});

test('correlation clustering: the confused groups recovered beside a frequent pdf that takes most frames', () => {
  // Pdf 0 (silence-like) gets nearly all the mass on 70% of the frames.
  const groups = [[1, 4], [2, 5, 7], [3, 6]];
  const rng = makeRng(3, 'sil');
  const n = 8;
  const frames = 900;
  const conf = confusedPredictions(groups, n, frames, 2);
  const p = new Float32Array(frames * n);
  for (let t = 0; t < frames; t++) {
    if (rng() < 0.7) {
      for (let j = 1; j < n; j++) p[t * n + j] = 0.01;
      p[t * n] = 1 - 0.01 * (n - 1);
    } else for (let j = 0; j < n; j++) p[t * n + j] = conf[t * n + j];
  }
  const want = ['0', ...groups.map((g) => g.join(','))].sort();
  const got = clusterPdfsByCovariance(predictionCovariance(p, frames, n), n, 4, 1, 'correlation').map((c) => Array.from(c).join(',')).sort();
  assert.deepEqual(got, want);
  // The correlation of a known covariance, and 0 for a pdf that never varies.
  const c = covarianceToCorrelation(Float64Array.of(4, 2, 0, 2, 9, 0, 0, 0, 0), 3);
  assert.deepEqual(Array.from(c).map((x) => Math.round(x * 1e6) / 1e6), [1, 0.333333, 0, 0.333333, 1, 0, 0, 0, 0]);
});

test('countCovering and CoverageTable: Table 4 rows by the number of active specialists covering the correct pdf', () => {
  const clusters = [Int32Array.of(0, 1), Int32Array.of(1, 2), Int32Array.of(3)];
  assert.equal(countCovering([0, 1], clusters, 1), 2);
  assert.equal(countCovering([0, 2], clusters, 1), 1);
  assert.equal(countCovering([2], clusters, 1), 0);
  assert.equal(countCovering([], clusters, 0), 0);
  const t = new CoverageTable();
  t.add(1, true, true);
  t.add(0, false, false);
  t.add(1, false, true);
  t.add(2, true, false);
  assert.deepEqual(t.rows(), [
    { covering: 0, frames: 1, generalistCorrect: 0, combinedCorrect: 0 },
    { covering: 1, frames: 2, generalistCorrect: 1, combinedCorrect: 2 },
    { covering: 2, frames: 1, generalistCorrect: 1, combinedCorrect: 0 },
  ]);
  assert.deepEqual(t.total(), { frames: 4, generalistCorrect: 2, combinedCorrect: 2 });
});

test('solveSymmetricPositive: a known system; a matrix that is not positive definite is refused', () => {
  // [[4, 2], [2, 3]] x = [2, 1] -> x = (0.5, 0).
  const x = solveSymmetricPositive(Float64Array.of(4, 2, 2, 3), Float64Array.of(2, 1), 2);
  assert.ok(Math.abs(x[0] - 0.5) < 1e-12 && Math.abs(x[1]) < 1e-12, `${x}`);
  assert.throws(() => solveSymmetricPositive(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1), 2), { name: 'InputError', message: /not positive definite/ });
});

test('fitDustbinUnit: exact when the log-sum-exp of the others is linear in h; far better than the mean-of-units start otherwise', () => {
  // Output layer over 3 hidden units and 4 pdfs; cluster {0}. Pdfs 1..3 share one unit (a linear
  // log-sum-exp: z + log 3), so the fit is exact.
  const inDim = 3;
  const outDim = 4;
  const W = new Float32Array(inDim * outDim);
  const b = Float32Array.of(0.1, -0.2, -0.2, -0.2);
  for (let i = 0; i < inDim; i++) for (let j = 0; j < outDim; j++) W[i * outDim + j] = j === 0 ? i - 1 : 0.5 * (i + 1);
  const rng = makeRng(4, 'fit');
  const frames = 200;
  const h = Float32Array.from({ length: frames * inDim }, () => rng() * 2);
  const u = fitDustbinUnit(h, frames, { W, b, inDim, outDim }, Int32Array.of(0), 0);
  for (let i = 0; i < inDim; i++) assert.ok(Math.abs(u.w[i] - 0.5 * (i + 1)) < 1e-4, `w[${i}] = ${u.w[i]}`);
  assert.ok(Math.abs(u.b - (-0.2 + Math.log(3))) < 1e-4, `b = ${u.b}`);
  // Others with different units: the fit's error on these frames is below the mean-of-units start's.
  const W2 = Float32Array.from({ length: inDim * outDim }, () => 3 * (rng() - 0.5));
  const lse = (t: number, wd: ArrayLike<number>, bd: number) => {
    let dust = bd;
    let exact = 0;
    for (let i = 0; i < inDim; i++) dust += h[t * inDim + i] * wd[i];
    for (let j = 1; j < outDim; j++) {
      let z = b[j];
      for (let i = 0; i < inDim; i++) z += h[t * inDim + i] * W2[i * outDim + j];
      exact += Math.exp(z);
    }
    return (dust - Math.log(exact)) ** 2;
  };
  const fit = fitDustbinUnit(h, frames, { W: W2, b, inDim, outDim }, Int32Array.of(0));
  const meanW = Array.from({ length: inDim }, (_, i) => (W2[i * outDim + 1] + W2[i * outDim + 2] + W2[i * outDim + 3]) / 3);
  const meanB = (b[1] + b[2] + b[3]) / 3 + Math.log(3);
  let [eFit, eMean] = [0, 0];
  for (let t = 0; t < frames; t++) [eFit, eMean] = [eFit + lse(t, fit.w, fit.b), eMean + lse(t, meanW, meanB)];
  assert.ok(eFit < eMean / 2, `fit ${eFit} vs mean ${eMean}`);
  // specialistInitWeights takes the fitted unit as its dustbin.
  const g = initDnnWeights({ hidden: [{ units: 3 }], activation: 'relu' }, 2, 4, 1);
  const s = specialistInitWeights(g, Int32Array.of(0), u);
  assert.deepEqual(Array.from({ length: 3 }, (_, i) => s.layers[1].W[i * 2 + 1]), Array.from(u.w, (x) => Math.fround(x)));
  assert.equal(s.layers[1].b[1], Math.fround(u.b));
});

test('nearestToCentres: each centre (mean of its points) takes the S nearest points; sets overlap, coverage varies', () => {
  // 1-D points 0, 1, 2 | 10, 11, 12: centres 1 and 11; the 4 nearest reach into the other cluster.
  const pts = Float64Array.of(0, 1, 2, 10, 11, 12);
  const sets = nearestToCentres(pts, 6, 1, Int32Array.of(0, 0, 0, 1, 1, 1), 2, 4);
  assert.deepEqual(sets.map((s) => Array.from(s)), [[0, 1, 2, 3], [2, 3, 4, 5]]);
  assert.deepEqual(Array.from(pdfCoverage(sets, 6)), [1, 1, 2, 2, 1, 1]);
  // Ties (0 and 2 are both 1 from centre 1) go to the lower index.
  assert.deepEqual(Array.from(nearestToCentres(pts, 6, 1, Int32Array.of(0, 0, 0, 1, 1, 1), 2, 2)[0]), [0, 1]);
  for (const size of [0, 7, 1.5]) assert.throws(() => nearestToCentres(pts, 6, 1, Int32Array.of(0, 0, 0, 1, 1, 1), 2, size), { name: 'InputError', message: `nearestToCentres: ${size} points per centre of 6; give 1 <= size <= 6` });
});

test('overlappingPdfClusters recovers overlapping groups of confused pdfs; pdfs not usable are in no set', () => {
  // Three groups sharing pdfs 3 and 6; pdfs 10 and 11 have no held-out frame (not usable).
  const groups = [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]];
  const p = confusedPredictions(groups, 12, 600, 1);
  const usable = Array.from({ length: 12 }, (_, j) => j < 10);
  for (const seed of [1, 2, 3]) {
    const sets = overlappingPdfClusters(predictionCovariance(p, 600, 12), 12, 3, 4, seed, 'correlation', usable);
    assert.deepEqual(sets.map((s) => s.join(',')).sort(), groups.map((g) => g.join(',')).sort(), `seed ${seed}`);
    assert.ok(sets.every((s) => s.length === 4));
    assert.deepEqual(Array.from(pdfCoverage(sets, 12)), [1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 0, 0]);
    assert.deepEqual(coverageHistogram(sets, usable), [0, 8, 2]);
  }
  // Usable, the never-confused pdfs 10 and 11 lie together and take a set's places.
  const all = new Array<boolean>(12).fill(true);
  assert.ok(overlappingPdfClusters(predictionCovariance(p, 600, 12), 12, 3, 4, 1, 'correlation', all).some((s) => s.includes(10) && s.includes(11)));
  // Refused: a set of every usable pdf (no dustbin), more centres than usable pdfs.
  const msg = (s: number) => `cluster size ${s} (--cluster-size): 10 of the 12 pdfs have held-out frames; give 1 to 9 (a specialist needs pdfs outside its set for its dustbin)`;
  for (const size of [10, 0, 2.5]) assert.throws(() => overlappingPdfClusters(predictionCovariance(p, 600, 12), 12, 3, size, 1, 'correlation', usable), { name: 'InputError', message: msg(size) });
  assert.throws(() => overlappingPdfClusters(predictionCovariance(p, 600, 12), 12, 11, 4, 1, 'correlation', usable), { name: 'InputError', message: '11 clusters (--num) of the 10 pdfs with held-out frames (of 12); give at most 10' });
});

test('combineSpecialists (eq. 5): accelerated EM reaches the stationary point of plain EM and stops early', () => {
  // Generalist and two overlapping specialists that disagree with it (a frame where eq. 5 moves q).
  const pg = [0.5, 0.2, 0.15, 0.1, 0.05];
  const specs = [
    { cluster: Int32Array.of(1, 2), probs: [0.6, 0.3, 0.1] },
    { cluster: Int32Array.of(2, 3, 4), probs: [0.5, 0.2, 0.2, 0.1] },
  ];
  const em = plainEm(pg, specs);
  const stats = { frames: 0, evaluations: 0, converged: 0 };
  const q = combineSpecialists(pg, specs, { stats });
  em.forEach((w, i) => assert.ok(Math.abs(q[i] - w) < 1e-7, `q[${i}] = ${q[i]}, EM ${w}`));
  assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.deepEqual([stats.frames, stats.converged], [1, 1]);
  assert.ok(stats.evaluations > 2 && stats.evaluations < 200, `${stats.evaluations} map evaluations`);
  // A budget of 2 evaluations stops short of it (and counts no convergence).
  const short = { frames: 0, evaluations: 0, converged: 0 };
  const q2 = combineSpecialists(pg, specs, { steps: 2, stats: short });
  assert.deepEqual([short.evaluations, short.converged], [2, 0]);
  assert.ok(Math.abs(q2[1] - em[1]) > 1e-4);
});

/** Plain EM for eq. 5, the map q <- (p^g + sum_m r^m(q)) / (1 + M) from the generalist (floored), iterated 20000 times. */
function plainEm(pg: number[], specs: { cluster: Int32Array; probs: number[] }[]): number[] {
  let em = pg.map((p) => Math.max(p, 1e-30));
  for (let it = 0; it < 20000; it++) {
    const next = [...pg];
    for (const { cluster, probs } of specs) {
      const inside = Array.from(cluster).reduce((a, i) => a + em[i], 0);
      em.forEach((qi, i) => {
        const k = cluster.indexOf(i);
        next[i] += k >= 0 ? probs[k] : (probs[cluster.length] * qi) / (1 - inside);
      });
    }
    const sum = next.reduce((a, b) => a + b, 0);
    em = next.map((x) => x / sum);
  }
  return em;
}

test('combineSpecialists (eq. 5): probabilities of exactly 0 (float32 underflow) and odd budgets', () => {
  // p^g_2 = p^g_4 = p^g_5 = 0 and the specialists give 2 and 5 nothing: S3's double step (a = -1)
  // must be the EM step q2 itself, not q - 2ar + a^2 v rounded to 0 (which returned the generalist).
  const pg = [10 / 21, 10 / 21, 0, 1 / 21, 0, 0];
  const specs = [
    { cluster: Int32Array.of(0, 1, 2), probs: [1000 / 1101, 1 / 1101, 0, 100 / 1101] },
    { cluster: Int32Array.of(2, 4, 5), probs: [0, 0.5, 0, 0.5] },
  ];
  const em = plainEm(pg, specs);
  const q = combineSpecialists(pg, specs);
  em.forEach((w, i) => assert.ok(Math.abs(q[i] - w) < 1e-6, `q[${i}] = ${q[i]}, EM ${w}`));
  // A budget of 1 evaluation is one EM step, not two.
  const one = { frames: 0, evaluations: 0, converged: 0 };
  combineSpecialists(pg, specs, { steps: 1, stats: one });
  assert.equal(one.evaluations, 1);
});
