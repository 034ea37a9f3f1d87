import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { accumulateTriphoneStats, gaussLogLike, instanceContexts, phoneStateStats, sumGaussStats, type GaussStats } from '../../src/hmm/triphone-stats.js';
import type { UttAlignment } from '../../src/hmm/ali-archive.js';

// Phones: 0 <eps>, 1 SIL (5 states), 2 A, 3 B (3 states each).
const phones = ['<eps>', 'SIL', 'A', 'B'];
const tm = buildTransitionModel(phones, new Set(['SIL']));
const pdf = (ph: number, s: number) => tm.phones[ph]!.states[s].pdfId;

/** Frames for a phone sequence, `n` frames per state. */
function ali(uttId: string, seq: number[], n = 2): UttAlignment {
  const pdfIds: number[] = [];
  const phoneIds: number[] = [];
  for (const ph of seq) for (let s = 0; s < tm.phones[ph]!.states.length; s++) for (let k = 0; k < n; k++) {
    pdfIds.push(pdf(ph, s));
    phoneIds.push(ph);
  }
  return { uttId, pdfIds: Int32Array.from(pdfIds), phoneIds: Int32Array.from(phoneIds) };
}

test('instanceContexts: cross-word neighbours, 0 at the edges, CI phones without context', () => {
  const c = instanceContexts(ali('u', [2, 3, 1, 2]), tm, new Set([1]));
  assert.deepEqual(c.map((x) => [x.left, x.phone, x.right]), [[0, 2, 3], [2, 3, 1], [0, 1, 0], [1, 2, 0]]);
  // Without CI phones silence has its neighbours as context.
  assert.deepEqual(instanceContexts(ali('u', [2, 1, 3]), tm, new Set()).map((x) => [x.left, x.phone, x.right])[1], [2, 1, 3]);
  // Two adjacent instances of the same phone stay apart.
  assert.deepEqual(instanceContexts(ali('u', [2, 2]), tm, new Set()).map((x) => [x.left, x.right]), [[0, 2], [2, 0]]);
});

test('accumulateTriphoneStats: counts, sums and squares per (left, phone, right, state)', () => {
  const a = ali('u1', [1, 2, 3, 1]);
  const b = ali('u2', [1, 2, 3, 1]);
  const dim = 2;
  // Feature value = frame index (dim 0) and utterance number (dim 1).
  const featsOf = (u: UttAlignment, k: number) => Float32Array.from({ length: u.pdfIds.length * dim }, (_, i) => (i % dim === 0 ? Math.floor(i / dim) : k));
  const fa = featsOf(a, 1);
  const fb = featsOf(b, 2);
  const st = accumulateTriphoneStats([a, b, { ...a, uttId: 'no-feats' }], tm, dim, (u) => (u === 'u1' ? fa : u === 'u2' ? fb : undefined), new Set([1]));
  // A between SIL and B, state 1: frames 12,13 of both utterances (SIL has 5 states x 2 frames = 10, A state 0 = 10,11).
  const e = st.entries.find((x) => x.phone === 2 && x.state === 1)!;
  assert.deepEqual([e.left, e.right], [1, 3]);
  assert.equal(e.stats.count, 4);
  assert.deepEqual(Array.from(e.stats.sum), [12 + 13 + 12 + 13, 1 + 1 + 2 + 2]);
  assert.deepEqual(Array.from(e.stats.sumSq), [2 * (144 + 169), 1 + 1 + 4 + 4]);
  // SIL is context-independent: its entries all have contexts 0 (edges pooled).
  const sil = st.entries.filter((x) => x.phone === 1);
  assert.equal(sil.length, 5);
  assert.ok(sil.every((x) => x.left === 0 && x.right === 0 && x.stats.count === 8));
  // Sorted by phone, state.
  assert.deepEqual(st.entries.map((x) => [x.phone, x.state]), [...st.entries.map((x) => [x.phone, x.state])].sort((p, q) => p[0] - q[0] || p[1] - q[1]));
  const per = phoneStateStats(st, () => 1);
  assert.deepEqual([...per.keys()], [1, 2, 3]);
  assert.equal(per.get(3)!.count, 4);
});

test('gaussLogLike: pooled-data log-likelihood of the ML diagonal Gaussian, variance floored', () => {
  const stats = (xs: number[][]): GaussStats => sumGaussStats(2, xs.map((x) => ({ count: 1, sum: Float64Array.from(x), sumSq: Float64Array.from(x.map((v) => v * v)) })));
  const xs = [[1, 5], [2, 3], [4, 7]];
  const mean = [7 / 3, 5];
  const v = [0, 1].map((d) => xs.reduce((a, x) => a + (x[d] - mean[d]) ** 2, 0) / 3);
  let direct = 0;
  for (const x of xs) for (let d = 0; d < 2; d++) direct += -0.5 * Math.log(2 * Math.PI * v[d]) - (x[d] - mean[d]) ** 2 / (2 * v[d]);
  assert.ok(Math.abs(gaussLogLike(stats(xs)) - direct) < 1e-9);
  // A constant dimension has variance 0, floored at 0.01.
  const flat = stats([[1, 5], [2, 5], [4, 5]]);
  const expected = -0.5 * 3 * (2 * (Math.log(2 * Math.PI) + 1) + Math.log(v[0]) + Math.log(0.01));
  assert.ok(Math.abs(gaussLogLike(flat) - expected) < 1e-9);
  assert.equal(gaussLogLike({ count: 0, sum: new Float64Array(2), sumSq: new Float64Array(2) }), 0);
});
