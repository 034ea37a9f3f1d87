import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowArgmax, softmaxRows } from '../../src/nnet/posteriors.js';

test('softmaxRows at temperature T', () => {
  const p = softmaxRows(new Float32Array([0, Math.log(3)]), 2, 1);
  assert.ok(Math.abs(p[1] - 0.75) < 1e-6);
  const q = softmaxRows(new Float32Array([0, 2 * Math.log(3)]), 2, 2);
  assert.ok(Math.abs(q[1] - 0.75) < 1e-6);
});

test('softmaxRows: rows sum to 1, temperature flattens', () => {
  const p = softmaxRows(Float32Array.of(0, Math.log(3)), 2);
  assert.ok(Math.abs(p[0] - 0.25) < 1e-7 && Math.abs(p[1] - 0.75) < 1e-7);
  const hot = softmaxRows(Float32Array.of(1, 2, 3), 3, 100);
  assert.ok(Math.abs(hot[0] - 1 / 3) < 0.01);
});

test('softmaxRows: float64 input (the geometric ensemble), huge logits stay finite; rowArgmax takes the first of ties', () => {
  const p = softmaxRows(Float64Array.of(1000, 1000, -1000), 3);
  assert.deepEqual(Array.from(p), [0.5, 0.5, 0]);
  const m = Float32Array.of(0.1, 0.7, 0.2, 0.4, 0.4, 0.2);
  assert.equal(rowArgmax(m, 0, 3), 1);
  assert.equal(rowArgmax(m, 1, 3), 0);
});
