import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRng, randNormal } from '../../src/data/random.js';
import {
  accumulateFrame,
  addGmmStats,
  allPdfLogLikelihoods,
  estimateGmms,
  initGmmSet,
  makeScorer,
  maxComponents,
  mixUp,
  newGmmStats,
  numComponents,
  pdfLogLikelihood,
  pdfOccupancy,
  splitTargets,
  type GmmSet,
} from '../../src/hmm/gmm.js';

/** Direct evaluation of log sum_c w_c N(x; m_c, diag v_c). */
function directLogLike(set: GmmSet, pdf: number, x: number[]): number {
  let sum = 0;
  for (let c = set.compOffset[pdf]; c < set.compOffset[pdf + 1]; c++) {
    let l = Math.log(set.weights[c]);
    for (let d = 0; d < set.dim; d++) {
      const v = set.vars[c * set.dim + d];
      const m = set.means[c * set.dim + d];
      l += -0.5 * Math.log(2 * Math.PI * v) - ((x[d] - m) * (x[d] - m)) / (2 * v);
    }
    sum += Math.exp(l);
  }
  return Math.log(sum);
}

const twoPdfs = (): GmmSet => ({
  dim: 2,
  numPdfs: 2,
  compOffset: Int32Array.of(0, 1, 3),
  weights: Float64Array.of(1, 0.3, 0.7),
  means: Float64Array.of(0, 0, 1, -1, 3, 2),
  vars: Float64Array.of(1, 2, 0.5, 0.5, 1.5, 0.25),
});

test('pdfLogLikelihood and allPdfLogLikelihoods match the direct formula', () => {
  const set = twoPdfs();
  const sc = makeScorer(set);
  const x = [0.7, -0.2];
  const feats = Float32Array.from(x);
  for (const p of [0, 1]) {
    assert.ok(Math.abs(pdfLogLikelihood(sc, p, feats, 0) - directLogLike(set, p, [feats[0], feats[1]])) < 1e-9);
    assert.ok(Math.abs(pdfLogLikelihood(sc, p, feats, 0, new Float64Array(2)) - directLogLike(set, p, [feats[0], feats[1]])) < 1e-9);
  }
  const frames = Float32Array.of(0.7, -0.2, 2, 2, -1, 0.5);
  const all = allPdfLogLikelihoods(sc, frames, 3);
  assert.equal(all.length, 6);
  for (let t = 0; t < 3; t++) for (let p = 0; p < 2; p++) assert.ok(Math.abs(all[t * 2 + p] - directLogLike(set, p, [frames[2 * t], frames[2 * t + 1]])) < 1e-4);
  assert.equal(maxComponents(set), 2);
  assert.equal(numComponents(set), 3);
});

test('accumulate + estimate recover a Gaussian; stats from two shards add up; the variance floor holds', () => {
  const rng = makeRng(1);
  const set = initGmmSet(1, Float64Array.of(0, 0), Float64Array.of(1, 1));
  const sc = makeScorer(set);
  const a = newGmmStats(set);
  const b = newGmmStats(set);
  const post = new Float64Array(1);
  for (let i = 0; i < 4000; i++) {
    const x = Float32Array.of(2 + 0.5 * randNormal(rng), -1 + 3 * randNormal(rng));
    accumulateFrame(i % 2 ? a : b, sc, 0, x, 0, post);
  }
  addGmmStats(a, b);
  assert.equal(a.numFrames, 4000);
  assert.ok(Math.abs(pdfOccupancy(set, a)[0] - 4000) < 1e-6);
  const est = estimateGmms(set, a, { varFloor: Float64Array.of(0.01, 4) });
  assert.ok(Math.abs(est.means[0] - 2) < 0.05 && Math.abs(est.means[1] + 1) < 0.2, `means ${est.means}`);
  assert.ok(Math.abs(est.vars[0] - 0.25) < 0.03, `var ${est.vars[0]}`);
  assert.ok(Math.abs(est.vars[1] - 9) < 0.8, `var ${est.vars[1]}`);
  const floored = estimateGmms(set, a, { varFloor: Float64Array.of(1, 20) });
  assert.equal(floored.vars[0], 1);
  assert.equal(floored.vars[1], 20);
});

test('estimateGmms: a pdf without data keeps its GMM; low-count components are removed', () => {
  const set = twoPdfs();
  const stats = newGmmStats(set);
  stats.occ.set([0, 50, 3]);
  stats.sumX.set([0, 0, 50, -50, 9, 6]);
  stats.sumX2.set([0, 0, 100, 100, 30, 15]);
  const est = estimateGmms(set, stats, { varFloor: Float64Array.of(0.01, 0.01) });
  assert.deepEqual(Array.from(est.compOffset), [0, 1, 2]);
  assert.deepEqual(Array.from(est.means.subarray(0, 2)), [0, 0]);
  assert.deepEqual(Array.from(est.means.subarray(2, 4)), [1, -1]);
  assert.deepEqual(Array.from(est.vars.subarray(2, 4)), [1, 1]);
  assert.equal(est.weights[1], 1);
  const kept = estimateGmms(set, stats, { varFloor: Float64Array.of(0.01, 0.01), removeLowCount: false });
  assert.equal(numComponents(kept), 3);
  assert.ok(Math.abs(kept.weights[1] + kept.weights[2] - 1) < 1e-12);
  assert.deepEqual(Array.from(kept.means.subarray(4, 6)), [3, 2], 'low-count component keeps its old mean');
});

test('splitTargets follows occ^power, never shrinks, and respects the min count', () => {
  const t = splitTargets(Int32Array.of(1, 1, 1), Float64Array.of(10000, 10000 / 32, 30), 30, 0.2, 20);
  // occ^0.2 = 6.31, 3.15, 1.97; the third may not get a second (2 x 20 >= 30), so the other two
  // share the 29 by largest occ^power / count (Kaldi GetSplitTargets): 6.31/19 and 3.15/10.
  assert.deepEqual(Array.from(t), [19, 10, 1]);
  assert.deepEqual(Array.from(splitTargets(Int32Array.of(4, 1), Float64Array.of(100, 100), 2)), [4, 1]);
});

test('splitTargets reaches the target when pdfs get about one Gaussian each (many tied states)', () => {
  // 188 pdfs, 215 Gaussians: per-pdf shares rounded down gave 1 each (188 in all).
  const occ = Float64Array.from({ length: 188 }, (_, p) => 500 + 30 * p);
  const t = splitTargets(new Int32Array(188).fill(1), occ, 215, 0.2, 20);
  assert.equal(t.reduce((a, b) => a + b, 0), 215);
  assert.ok(t[187] >= t[0], 'more occupancy, no fewer Gaussians');
});

test('mixUp splits the heaviest Gaussian symmetrically and EM on the mixture raises the likelihood of bimodal data', () => {
  const rng = makeRng(7);
  const data: number[] = [];
  for (let i = 0; i < 1000; i++) data.push(i % 2 ? -2 + 0.3 * randNormal(rng) : 2 + 0.3 * randNormal(rng));
  const feats = Float32Array.from(data);
  let set = initGmmSet(1, Float64Array.of(0), Float64Array.of(4));
  const floor = Float64Array.of(0.001);
  const avgLL = (s: GmmSet) => {
    const st = newGmmStats(s);
    const sc = makeScorer(s);
    const post = new Float64Array(maxComponents(s));
    for (let i = 0; i < feats.length; i++) accumulateFrame(st, sc, 0, feats, i, post);
    return { st, ll: st.totLogLike / st.numFrames };
  };
  let { st, ll } = avgLL(set);
  set = estimateGmms(set, st, { varFloor: floor });
  const split = mixUp(set, pdfOccupancy(set, st), 2, makeRng(3), { perturb: 0.5 });
  assert.equal(numComponents(split), 2);
  assert.deepEqual(Array.from(split.weights), [0.5, 0.5]);
  assert.ok(Math.abs(split.means[0] + split.means[1] - 2 * set.means[0]) < 1e-9, 'means move apart symmetrically');
  set = split;
  const lls = [ll];
  for (let it = 0; it < 60; it++) {
    ({ st, ll } = avgLL(set));
    lls.push(ll);
    set = estimateGmms(set, st, { varFloor: floor });
  }
  for (let i = 2; i < lls.length; i++) assert.ok(lls[i] >= lls[i - 1] - 1e-9, `EM must not decrease: ${lls}`);
  const ms = [set.means[0], set.means[1]].sort((a, b) => a - b);
  assert.ok(Math.abs(ms[0] + 2) < 0.1 && Math.abs(ms[1] - 2) < 0.1, `means ${ms}`);
  assert.ok(lls[lls.length - 1] > lls[0] + 0.5);
});
