import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferWarp, warpFrame } from '../../src/nnet/transfer-warp.js';

test('warpFrame: factor 1 is the identity, > 1 moves content up, < 1 down, edges clamp', () => {
  const x = Float32Array.of(9, 0, 1, 2, 3, 9); // one frame of 4 bins at offset 1
  const out = new Float32Array(6);
  warpFrame(x, 1, 4, 1, out, 1);
  assert.deepEqual(Array.from(out.subarray(1, 5)), [0, 1, 2, 3]);
  warpFrame(x, 1, 4, 2, out, 1);
  assert.deepEqual(Array.from(out.subarray(1, 5)), [0, 0.25, 0.75, 1.25]);
  warpFrame(x, 1, 4, 0.5, out, 1);
  assert.deepEqual(Array.from(out.subarray(1, 5)), [0.5, 2.5, 3, 3]);
  assert.equal(out[0], 0, 'writes only its frame');
  assert.equal(out[5], 0);
  // A peak at bin 10 of 40 moves to about bin 10 * 1.1 under a 1.1 warp.
  const peak = new Float32Array(40);
  peak[10] = 1;
  const w = new Float32Array(40);
  warpFrame(peak, 0, 40, 1.1, w, 0);
  let centre = 0;
  let mass = 0;
  for (let j = 0; j < 40; j++) {
    centre += j * w[j];
    mass += w[j];
  }
  assert.ok(Math.abs(centre / mass - 10.5 * 1.1 + 0.5) < 0.2, `centre ${centre / mass}`);
});

test('TransferWarp: one factor per row for all its frames, deterministic per (seed, epoch, batch), within the range', () => {
  const featDim = 8;
  const inputDim = 3 * featDim;
  const rows = 200;
  const clean = new Float32Array(rows * inputDim);
  for (let r = 0; r < rows; r++) for (let f = 0; f < 3; f++) for (let j = 0; j < featDim; j++) clean[r * inputDim + f * featDim + j] = j; // a ramp per frame
  const warp = new TransferWarp(0.1, featDim, 5);
  const x = clean.slice();
  warp.apply(x, rows, inputDim, 0, 0);
  const again = clean.slice();
  new TransferWarp(0.1, featDim, 5).apply(again, rows, inputDim, 0, 0);
  assert.deepEqual(again, x, 'same seed, epoch and batch: same warps');
  const other = clean.slice();
  warp.apply(other, rows, inputDim, 0, 1);
  assert.notDeepEqual(other, x, 'another batch: other warps');
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < rows; r++) {
    // On a ramp, bin 2 reads (2.5 / alpha - 0.5): recover alpha and check every frame of the row agrees.
    const alpha = 2.5 / (x[r * inputDim + 2] + 0.5);
    for (let f = 1; f < 3; f++) assert.equal(x[r * inputDim + f * featDim + 2], x[r * inputDim + 2], `row ${r} frame ${f}`);
    lo = Math.min(lo, alpha);
    hi = Math.max(hi, alpha);
  }
  assert.ok(lo >= 0.9 - 1e-5 && hi <= 1.1 + 1e-5, `factors ${lo}..${hi}`);
  assert.ok(lo < 0.93 && hi > 1.07, `factors spread over the range: ${lo}..${hi}`);
  const partial = clean.slice(0, 2 * inputDim);
  warp.apply(partial, 1, inputDim, 0, 0);
  assert.deepEqual(Array.from(partial.subarray(inputDim)), Array.from(clean.subarray(inputDim, 2 * inputDim)), 'rows past `rows` untouched');
  assert.throws(() => new TransferWarp(0.6, featDim, 1), { name: 'InputError', message: /--transfer-warp 0.6: must be a fraction in \(0, 0.5\)/ });
  assert.throws(() => warp.apply(x, 1, 20, 0, 0), /not a multiple of the feature dim 8/);
});
