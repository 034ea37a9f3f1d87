import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/nnet/tfjs/backend.js';
import { averageDecayAt } from '../../../src/nnet/optimizer-state.js';
import { createOptimizer } from '../../../src/nnet/tfjs/optimizer.js';

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

test('averageDecayAt: min(D, (1 + n) / (10 + n)) as tf.train.ExponentialMovingAverage with num_updates', () => {
  assert.equal(averageDecayAt(0.999, 1), 2 / 11);
  assert.equal(averageDecayAt(0.999, 90), 91 / 100);
  assert.equal(averageDecayAt(0.999, 100000), 0.999);
});

for (const kind of ['sgd', 'adam'] as const) {
  test(`${kind} with averageDecay: the average follows a <- d a + (1 - d) w after each update; state round-trips`, async () => {
    await selectBackend('cpu');
    const w = tf.variable(tf.tensor1d([1, 2, 3, 4]));
    const plainW = tf.variable(tf.tensor1d([1, 2, 3, 4]));
    const opt = createOptimizer(kind, [w], { averageDecay: 0.5 });
    const plain = createOptimizer(kind, [plainW]);
    const expected = [1, 2, 3, 4];
    for (const [n, g] of grads.entries()) {
      tf.tidy(() => opt.apply([tf.tensor1d(g)], 0.1));
      tf.tidy(() => plain.apply([tf.tensor1d(g)], 0.1));
      // the wrapped optimizer's own update is unchanged by the averaging
      assert.deepEqual(w.dataSync(), plainW.dataSync());
      const d = averageDecayAt(0.5, n + 1);
      const cur = w.dataSync();
      for (let i = 0; i < 4; i++) expected[i] = d * expected[i] + (1 - d) * cur[i];
      Array.from(opt.averages![0].dataSync()).forEach((a, i) => assert.ok(Math.abs(a - expected[i]) < 1e-6, `${a} vs ${expected[i]}`));
    }
    const state = opt.getState();
    assert.equal(state.kind, kind);
    assert.equal(state.slots[0].length, kind === 'sgd' ? 2 : 3);
    assert.deepEqual(state.slots[0].at(-1), opt.averages![0].dataSync());
    const w2 = tf.variable(tf.tensor1d(w.dataSync()));
    const o2 = createOptimizer(kind, [w2], { averageDecay: 0.5 });
    o2.setState(state);
    tf.tidy(() => opt.apply([tf.tensor1d(grads[0])], 0.1));
    tf.tidy(() => o2.apply([tf.tensor1d(grads[0])], 0.1));
    assert.deepEqual(w2.dataSync(), w.dataSync());
    assert.deepEqual(o2.averages![0].dataSync(), opt.averages![0].dataSync());
    // a state written without averaging does not restore into an averaging optimizer
    assert.throws(() => o2.setState(plain.getState()), /moving averages|does not match/);
    assert.equal(plain.averages, undefined);
    [opt, plain, o2].forEach((o) => o.dispose());
    tf.dispose([w, plainW, w2]);
  });
}

test('plain SGD with averageDecay: the average is the only slot', async () => {
  await selectBackend('cpu');
  const w = tf.variable(tf.tensor1d([1, 2]));
  const opt = createOptimizer('sgd', [w], { momentum: 0, averageDecay: 0.9 });
  tf.tidy(() => opt.apply([tf.tensor1d([1, -1])], 0.5));
  const d = averageDecayAt(0.9, 1);
  const s = opt.getState();
  assert.equal(s.slots[0].length, 1);
  assert.ok(Math.abs(s.slots[0][0][0] - (d * 1 + (1 - d) * 0.5)) < 1e-6);
  const o2 = createOptimizer('sgd', [w], { momentum: 0, averageDecay: 0.9 });
  o2.setState(s);
  assert.deepEqual(o2.averages![0].dataSync(), opt.averages![0].dataSync());
  assert.throws(() => createOptimizer('sgd', [w], { averageDecay: 1 }), /between 0 and 1/);
  opt.dispose();
  o2.dispose();
  w.dispose();
});
