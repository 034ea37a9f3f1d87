import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferMixup } from '../../src/nnet/transfer-mixup.js';

test('TransferMixup: each row becomes (1 - l) itself + l another row of the batch, l <= the max, deterministic', () => {
  const rows = 300;
  const inputDim = 2;
  // Row r = (r, 1): the second column shows the mix is convex; the first which partner and weight.
  const clean = new Float32Array(rows * inputDim);
  for (let r = 0; r < rows; r++) clean.set([r, 1], r * inputDim);
  const mix = new TransferMixup(0.3, 3);
  const x = clean.slice();
  mix.apply(x, rows, inputDim, 2, 5);
  const again = clean.slice();
  new TransferMixup(0.3, 3).apply(again, rows, inputDim, 2, 5);
  assert.deepEqual(again, x, 'same seed, epoch and batch: same mixes');
  const other = clean.slice();
  mix.apply(other, rows, inputDim, 3, 5);
  assert.notDeepEqual(other, x, 'another epoch: other mixes');
  let maxShift = 0;
  for (let r = 0; r < rows; r++) {
    assert.ok(Math.abs(x[r * inputDim + 1] - 1) < 1e-6, `row ${r}: weights sum to 1`);
    const v = x[r * inputDim];
    assert.ok(v >= 0 && v <= rows - 1, `row ${r}: between rows (${v})`);
    // |v - r| = l |p - r| <= 0.3 (rows - 1).
    maxShift = Math.max(maxShift, Math.abs(v - r) / (rows - 1));
  }
  assert.ok(maxShift <= 0.3 + 1e-6 && maxShift > 0.15, `largest shift ${maxShift}`);
  const two = Float32Array.of(0, 10, 5, 5);
  new TransferMixup(0.5, 1).apply(two, 1, 2, 0, 0);
  assert.deepEqual(Array.from(two), [0, 10, 5, 5], 'one row: nothing to mix with; rows past `rows` untouched');
  assert.throws(() => new TransferMixup(0.7, 1), { name: 'InputError', message: /--transfer-mixup 0.7: must be a weight in \(0, 0.5\]/ });
});
