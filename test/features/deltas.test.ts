import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDeltas, deltaScales } from '../../src/features/deltas.js';

test('deltaScales are Kaldi add-deltas filters (order 2, window 2)', () => {
  const s = deltaScales(2, 2);
  assert.deepEqual(Array.from(s[0]), [1]);
  assert.deepEqual(Array.from(s[1]), [-0.2, -0.1, 0, 0.1, 0.2]);
  const expected = [0.04, 0.04, 0.01, -0.04, -0.1, -0.04, 0.01, 0.04, 0.04];
  s[2].forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `scale ${i}: ${v}`));
});

test('addDeltas of a ramp: slope 1 inside, clamped edges, zero acceleration inside', () => {
  // Two dims: x[t] = t and y[t] = 5 (constant).
  const n = 12;
  const data = new Float32Array(n * 2);
  for (let t = 0; t < n; t++) {
    data[2 * t] = t;
    data[2 * t + 1] = 5;
  }
  const out = addDeltas(data, n, 2);
  assert.equal(out.length, n * 6);
  const at = (t: number, k: number) => out[t * 6 + k];
  for (let t = 0; t < n; t++) {
    assert.equal(at(t, 0), t);
    assert.equal(at(t, 1), 5);
    assert.ok(Math.abs(at(t, 3)) < 1e-6, 'delta of a constant is 0');
  }
  for (let t = 4; t < n - 4; t++) {
    assert.ok(Math.abs(at(t, 2) - 1) < 1e-6);
    assert.ok(Math.abs(at(t, 4)) < 1e-6);
  }
  // t = 0: frames -2, -1 clamp to 0: (-2*0 - 1*0 + 0 + 1*1 + 2*2) / 10.
  assert.ok(Math.abs(at(0, 2) - 0.5) < 1e-6);
  // Order 1 only: dim doubles.
  assert.equal(addDeltas(data, n, 2, { order: 1 }).length, n * 4);
  assert.throws(() => addDeltas(data, n + 1, 2), { message: 'addDeltas: 24 values is not 13 x 2' });
});

test('addDeltas on a single frame gives zero deltas', () => {
  const out = addDeltas(Float32Array.of(3, -1), 1, 2);
  assert.deepEqual(Array.from(out.subarray(0, 2)), [3, -1]);
  // The filters sum to zero up to rounding, as in Kaldi.
  for (const v of out.subarray(2)) assert.ok(Math.abs(v) < 1e-12);
});
