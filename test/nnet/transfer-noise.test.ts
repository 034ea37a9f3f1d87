import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrameCorpus } from '../../src/nnet/batches.js';
import { featureStd, NOISE_TABLE_SIZE, TransferNoise } from '../../src/nnet/transfer-noise.js';

test('featureStd is the per-dimension standard deviation over all frames of all utterances', () => {
  const c = buildFrameCorpus(
    [
      { uttId: 'a', numFrames: 2, data: Float32Array.of(1, 10, 3, 10), pdfIds: Int32Array.of(0, 0) },
      { uttId: 'b', numFrames: 2, data: Float32Array.of(1, 20, 3, 20), pdfIds: Int32Array.of(0, 0) },
    ],
    2,
    1,
  );
  const s = featureStd(c);
  assert.ok(Math.abs(s[0] - 1) < 1e-6, `dim 0: ${s[0]}`);
  assert.ok(Math.abs(s[1] - 5) < 1e-6, `dim 1: ${s[1]}`);
});

test('TransferNoise: deterministic per (seed, epoch, batch), scaled per feature dimension, zero-mean unit-variance draws', () => {
  const featStd = Float32Array.of(1, 4);
  const n = new TransferNoise(0.5, featStd, 7);
  const rows = 2000;
  const inputDim = 6; // 3 spliced frames of 2 dims
  const x = new Float32Array(rows * inputDim).fill(3);
  n.apply(x, rows, inputDim, 0, 0);
  const again = new Float32Array(rows * inputDim).fill(3);
  new TransferNoise(0.5, featStd, 7).apply(again, rows, inputDim, 0, 0);
  assert.deepEqual(again, x, 'same seed, epoch and batch: same noise');
  const other = new Float32Array(rows * inputDim).fill(3);
  n.apply(other, rows, inputDim, 1, 0);
  assert.notDeepEqual(other, x, 'another epoch: other noise');
  // Element j has std relStd * featStd[j % 2] around the clean value.
  for (let j = 0; j < inputDim; j++) {
    let m = 0;
    let v = 0;
    for (let r = 0; r < rows; r++) m += x[r * inputDim + j] - 3;
    m /= rows;
    for (let r = 0; r < rows; r++) v += (x[r * inputDim + j] - 3 - m) ** 2;
    const sd = Math.sqrt(v / rows);
    const want = 0.5 * featStd[j % 2];
    assert.ok(Math.abs(m) < 0.1 * want + 0.02, `dim ${j}: mean ${m}`);
    assert.ok(Math.abs(sd - want) < 0.1 * want, `dim ${j}: std ${sd}, want ${want}`);
  }
  // Rows past `rows` are untouched.
  const partial = new Float32Array(3 * inputDim).fill(3);
  n.apply(partial, 2, inputDim, 0, 0);
  assert.deepEqual(Array.from(partial.subarray(2 * inputDim)), new Array(inputDim).fill(3));
  assert.ok(NOISE_TABLE_SIZE >= 1 << 16);
});

test('TransferNoise with a row fraction perturbs about that share of the rows and leaves the others clean', () => {
  const rows = 4000;
  const x = new Float32Array(rows * 2).fill(3);
  new TransferNoise(0.5, Float32Array.of(1, 1), 7, 0.25).apply(x, rows, 2, 0, 0);
  let noisy = 0;
  for (let r = 0; r < rows; r++) if (x[2 * r] !== 3 || x[2 * r + 1] !== 3) noisy++;
  assert.ok(Math.abs(noisy / rows - 0.25) < 0.03, `${noisy} of ${rows} rows perturbed`);
  assert.throws(() => new TransferNoise(0.5, Float32Array.of(1), 1, 0), { name: 'InputError', message: '--transfer-noise-frames 0: must be a fraction in (0, 1] (e.g. 0.5)' });
});

test('TransferNoise rejects a bad strength and a row that is not whole frames', () => {
  assert.throws(() => new TransferNoise(0, Float32Array.of(1), 1), { name: 'InputError', message: '--transfer-noise 0: must be a positive number (e.g. 0.5), or leave it out' });
  assert.throws(() => new TransferNoise(Number.NaN, Float32Array.of(1), 1), { name: 'InputError' });
  const n = new TransferNoise(1, Float32Array.of(1, 1), 1);
  assert.throws(() => n.apply(new Float32Array(3), 1, 3, 0, 0), { message: 'transfer noise: input dim 3 is not a multiple of the feature dim 2' });
});
