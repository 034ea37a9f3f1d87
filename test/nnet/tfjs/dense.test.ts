import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/nnet/tfjs/backend.js';
import { denseBiasGrad, denseForward, denseInputGrad, denseInputGradT, denseWeightGrad, reluDropoutBackward } from '../../../src/nnet/tfjs/dense.js';
import { dropoutMask, mixSeed } from '../../../src/nnet/dropout.js';

const h = [
  [1, -2, 0.5],
  [0, 3, -1],
];
const W = [
  [1, 0, -1, 2],
  [0.5, 1, 1, 0],
  [-1, 2, 0, 1],
];
const b = [0.1, -0.2, 0, 1];
const g = [
  [1, 0, -1, 0.5],
  [2, 1, 0, -1],
];

function close(a: ArrayLike<number>, e: number[], what: string) {
  assert.equal(a.length, e.length);
  for (let i = 0; i < e.length; i++) assert.ok(Math.abs(a[i] - e[i]) < 1e-5, `${what}[${i}]: ${a[i]} vs ${e[i]}`);
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: dense kernels compute z = hW + b, dW = h^T g, db = sum g, dh = g W^T`, async () => {
    await selectBackend(backend);
    tf.tidy(() => {
      const ht = tf.tensor2d(h);
      const Wt = tf.tensor2d(W);
      const gt = tf.tensor2d(g);
      // expected values computed with numpy (h @ W + b, etc.)
      close(denseForward(ht, Wt, tf.tensor1d(b), false).dataSync(), [-0.4, -1.2, -3, 3.5, 2.6, 0.8, 3, 0], 'z');
      close(denseForward(ht, Wt, tf.tensor1d(b), true).dataSync(), [0, 0, 0, 3.5, 2.6, 0.8, 3, 0], 'relu z');
      close(denseWeightGrad(ht, gt).dataSync(), [1, 0, -1, 0.5, 4, 3, 2, -4, -1.5, -1, -0.5, 1.25], 'dW');
      close(denseBiasGrad(gt).dataSync(), [3, 1, -1, -0.5], 'db');
      close(denseInputGrad(gt, Wt).dataSync(), [3, -0.5, -0.5, 0, 2, -1], 'dh');
      close(denseInputGradT(tf.transpose(gt), Wt).dataSync(), [3, 0, -0.5, 2, -0.5, -1], 'dh^T');
      close(denseWeightGrad(ht, gt, tf.transpose(ht)).dataSync(), [1, 0, -1, 0.5, 4, 3, 2, -4, -1.5, -1, -0.5, 1.25], 'dW given h^T');
      close(reluDropoutBackward(gt, tf.tensor2d([[0, 2, 0, 1], [3, 0, 0, 4]]), 2).dataSync(), [0, 0, 0, 1, 4, 0, 0, -2], 'dz');
      // A unit active by any amount passes the gradient (wasm's tf.sign reads |h| < ~1e-7 as 0).
      close(reluDropoutBackward(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1e-30, 1e-8, 0]])).dataSync(), [1, 2, 0], 'dz of tiny activations');
    });
  });
}

test('dropoutMask: seeded, right rate, inverted scaling', () => {
  const m = dropoutMask(100, 50, 0.3, 42);
  assert.deepEqual(m, dropoutMask(100, 50, 0.3, 42));
  assert.notDeepEqual(m, dropoutMask(100, 50, 0.3, 43));
  // Into a given buffer (the ORT trainer's, reused every step): the same mask, that buffer returned.
  const buf = new Float32Array(5000).fill(7);
  assert.equal(dropoutMask(100, 50, 0.3, 42, buf), buf);
  assert.deepEqual(buf, m);
  assert.throws(() => dropoutMask(100, 50, 0.3, 42, new Float32Array(10)), /out has 10 values, not 100 x 50/);
  const kept = m.filter((x) => x !== 0);
  assert.ok(kept.every((x) => Math.abs(x - 1 / 0.7) < 1e-6));
  assert.ok(Math.abs(kept.length / m.length - 0.7) < 0.02, `keep fraction ${kept.length / m.length}`);
});

test('mixSeed separates epochs, batches and layers', () => {
  const seen = new Set<number>();
  for (let e = 0; e < 5; e++) for (let k = 0; k < 50; k++) for (let l = 0; l < 4; l++) seen.add(mixSeed(mixSeed(7, e, k), l));
  assert.equal(seen.size, 5 * 50 * 4);
  assert.equal(mixSeed(1, 2), mixSeed(1, 2));
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
});
