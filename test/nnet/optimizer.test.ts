import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/nnet/backend.js';
import { createOptimizer } from '../../src/nnet/optimizer.js';

const grads = [
  [0.5, -1, 2, 0],
  [1, 1, -0.5, 3],
  [-2, 0.25, 1, 1],
];

test('SGD with momentum: v <- mu v - lr g; w <- w + v, with a learning-rate change between steps', async () => {
  await selectBackend('cpu');
  const w = tf.variable(tf.tensor1d([1, 2, 3, 4]));
  const opt = createOptimizer('sgd', [w], { momentum: 0.9 });
  const lrs = [0.1, 0.05, 0.05];
  const ew = [1, 2, 3, 4];
  const ev = [0, 0, 0, 0];
  grads.forEach((g, s) => {
    tf.tidy(() => opt.apply([tf.tensor1d(g)], lrs[s]));
    for (let i = 0; i < 4; i++) {
      ev[i] = 0.9 * ev[i] - lrs[s] * g[i];
      ew[i] += ev[i];
    }
    Array.from(w.dataSync()).forEach((x, i) => assert.ok(Math.abs(x - ew[i]) < 1e-6));
  });
  assert.equal(opt.getState().step, 3);
  opt.dispose();
  w.dispose();
});

test('plain SGD (momentum 0) keeps no slots', async () => {
  await selectBackend('cpu');
  const w = tf.variable(tf.tensor1d([1, 2]));
  const opt = createOptimizer('sgd', [w], { momentum: 0 });
  tf.tidy(() => opt.apply([tf.tensor1d([1, -1])], 0.5));
  assert.deepEqual(Array.from(w.dataSync()), [0.5, 2.5]);
  assert.deepEqual(opt.getState(), { kind: 'sgd', step: 1, slots: [] });
  opt.dispose();
  w.dispose();
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: Adam follows tf.train.adam on the same gradients`, async () => {
    await selectBackend(backend);
    const a = tf.variable(tf.tensor1d([1, 2, 3, 4]));
    const b = tf.variable(tf.tensor1d([1, 2, 3, 4]));
    const mine = createOptimizer('adam', [a]);
    const ref = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
    for (const g of grads) {
      tf.tidy(() => mine.apply([tf.tensor1d(g)], 0.01));
      tf.tidy(() => ref.applyGradients([{ name: b.name, tensor: tf.tensor1d(g) }]));
    }
    const x = a.dataSync();
    const y = b.dataSync();
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-6, `${x[i]} vs ${y[i]}`);
    mine.dispose();
    ref.dispose();
    tf.dispose([a, b]);
  });
}

for (const kind of ['sgd', 'adam'] as const) {
  test(`${kind}: exported state restores into a fresh optimizer and continues identically`, async () => {
    await selectBackend('cpu');
    const w1 = tf.variable(tf.tensor1d([1, 2, 3, 4]));
    const o1 = createOptimizer(kind, [w1]);
    tf.tidy(() => o1.apply([tf.tensor1d(grads[0])], 0.1));
    const state = o1.getState();
    const w2 = tf.variable(tf.tensor1d(w1.dataSync()));
    const o2 = createOptimizer(kind, [w2]);
    o2.setState(state);
    tf.tidy(() => o1.apply([tf.tensor1d(grads[1])], 0.1));
    tf.tidy(() => o2.apply([tf.tensor1d(grads[1])], 0.1));
    assert.deepEqual(w2.dataSync(), w1.dataSync());
    assert.throws(() => o2.setState({ ...state, kind: kind === 'sgd' ? 'adam' : 'sgd' }), /optimizer state is for/);
    assert.throws(() => o2.setState({ ...state, slots: state.slots.map((s) => s.map((a) => a.subarray(1))) }), {
      message: 'optimizer state for parameter 0 does not match its shape [4]',
    });
    o1.dispose();
    o2.dispose();
    tf.dispose([w1, w2]);
  });
}
