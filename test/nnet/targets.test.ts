import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SOFT_TARGETS, DenseTargets, formatSoftTargets, parseSoftTargets, teacherSoftTargets, topKRow, TopKTargets } from '../../src/nnet/targets.js';
import { combinePosteriors, softmaxRows } from '../../src/nnet/posteriors.js';

test('parseSoftTargets', () => {
  assert.deepEqual(parseSoftTargets('full'), { kind: 'full' });
  assert.deepEqual(parseSoftTargets('top-k:20'), { kind: 'top-k', k: 20 });
  assert.equal(formatSoftTargets(parseSoftTargets('top-k:3')), 'top-k:3');
  assert.throws(() => parseSoftTargets('top-k:0'), { name: 'InputError', message: "--soft-targets top-k:0: expected 'full' or 'top-k:K' with K >= 1 (e.g. top-k:20)" });
  assert.throws(() => parseSoftTargets('topk'), { name: 'InputError' });
});

test('topKRow keeps the K largest, renormalised; TopKTargets/DenseTargets fill rows', () => {
  const ids = new Int32Array(4);
  const probs = new Float32Array(4);
  topKRow([0.1, 0.5, 0.15, 0.25], 2, ids, probs, 2);
  assert.deepEqual(Array.from(ids), [0, 0, 1, 3]);
  assert.ok(Math.abs(probs[2] - 0.5 / 0.75) < 1e-6 && Math.abs(probs[3] - 0.25 / 0.75) < 1e-6);
  const t = new TopKTargets(4, 2, new Int32Array([1, 3, 0, 2]), new Float32Array([0.6, 0.4, 0.9, 0.1]));
  const soft = new Float32Array(8).fill(7);
  t.fill([1, 0], 2, soft);
  assert.deepEqual(Array.from(soft), [0.9, 0, 0.1, 0, 0, 0.6, 0, 0.4].map(Math.fround));
  const d = new DenseTargets(2, new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]));
  const s2 = new Float32Array(2);
  const l2 = new Float32Array(2);
  d.fill([1], 1, s2, l2);
  assert.deepEqual([...s2, ...l2], [3, 4, 7, 8]);
});

test('topKRow agrees with a full sort on random rows, ties broken by lower pdf id', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + Math.floor(rnd() * 40);
    const row = Array.from({ length: n }, () => Math.round(rnd() * 10) / 10); // many ties
    const k = 1 + Math.floor(rnd() * 12);
    const ids = new Int32Array(Math.min(k, n));
    const probs = new Float32Array(Math.min(k, n));
    topKRow(row, k, ids, probs, 0);
    const order = row.map((p, i) => i).sort((a, b) => row[b] - row[a] || a - b).slice(0, Math.min(k, n));
    assert.deepEqual(Array.from(ids), order);
    const sum = order.reduce((s, i) => s + row[i], 0);
    order.forEach((pdf, j) => assert.ok(Math.abs(probs[j] - (sum > 0 ? row[pdf] / sum : 1 / order.length)) < 1e-6));
  }
});

test('teacherSoftTargets: member softmax(z / T) combined by the rule, never softmax of averaged logits under arithmetic', () => {
  const za = Float32Array.of(0, 1, 2, 3, -1, 0.5);
  const zb = Float32Array.of(2, 0, -1, 0.5, 0.5, 0.5);
  const T = 2;
  const arith = teacherSoftTargets([za, zb], 3, T, 'arithmetic');
  const pa = softmaxRows(za, 3, T);
  const pb = softmaxRows(zb, 3, T);
  arith.forEach((p, i) => assert.ok(Math.abs(p - (pa[i] + pb[i]) / 2) < 1e-7));
  const ofMean = softmaxRows(za.map((v, i) => (v + zb[i]) / 2), 3, T);
  assert.ok(Math.abs(arith[0] - ofMean[0]) > 1e-3, 'arithmetic differs from softmax of the mean logits');
  // geometric: the normalised product equals softmax of the mean logits at T
  const geo = teacherSoftTargets([za, zb], 3, T, 'geometric');
  geo.forEach((p, i) => assert.ok(Math.abs(p - ofMean[i]) < 1e-6));
  assert.deepEqual(geo, combinePosteriors([pa, pb], 3, 'geometric'));
  assert.equal(formatSoftTargets(DEFAULT_SOFT_TARGETS), 'full');
});
