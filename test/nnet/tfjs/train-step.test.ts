import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/nnet/tfjs/backend.js';
import { parseArch } from '../../../src/nnet/arch.js';
import { DnnForward } from '../../../src/nnet/tfjs/forward.js';
import { initDnnWeights } from '../../../src/nnet/weights.js';
import { distillLoss, type LossConfig } from '../../../src/nnet/distill-loss.js';
import { softmaxRows } from '../../../src/nnet/posteriors.js';
import { dropoutMask, mixSeed } from '../../../src/nnet/dropout.js';
import { lossAndGradient, TrainStep } from '../../../src/nnet/tfjs/train-step.js';
import { type TrainBatch } from '../../../src/nnet/trainer.js';
import { makeRng, randNormal } from '../../../src/data/random.js';

const IN = 7;
const P = 5;
const M = 6;

function makeBatch(seed: number, T: number): TrainBatch {
  const rng = makeRng(seed, 'batch');
  const x = Float32Array.from({ length: M * IN }, () => randNormal(rng));
  const labels = Int32Array.from({ length: M }, (_, i) => (i === 4 ? -1 : Math.floor(rng() * P)));
  const teacherLogits = Float32Array.from({ length: M * P }, () => 2 * randNormal(rng));
  return { size: M, x, labels, teacherLogits, soft: softmaxRows(teacherLogits, P, T) };
}

const losses: LossConfig[] = [
  { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 },
  { kind: 'soft-ce', temperature: 3, hardWeight: 0.5, softWeight: 1 },
  { kind: 'logit-mse', temperature: 1, hardWeight: 0.2, softWeight: 0.7 },
];

for (const backend of ['wasm', 'cpu'] as const) {
  for (const cfg of losses) {
    test(`${backend}: lossAndGradient (${cfg.kind}) equals the pure distillLoss`, async () => {
      await selectBackend(backend);
      const b = makeBatch(1, cfg.temperature);
      const rng = makeRng(2, 'z');
      const z = Float32Array.from({ length: M * P }, () => 2 * randNormal(rng));
      const ref = distillLoss(z, b, M, P, cfg);
      const { loss, dz } = tf.tidy(() => lossAndGradient(tf.tensor2d(z, [M, P]), b, cfg));
      assert.ok(Math.abs(loss.dataSync()[0] - ref.loss) < 1e-5 * (1 + ref.loss));
      const got = dz.dataSync();
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - ref.grad[i]) < 1e-6, `dz[${i}] ${got[i]} vs ${ref.grad[i]}`);
      tf.dispose([loss, dz]);
    });
  }
}

/** Gradients by tf's own autodiff of the same network and loss (reference; slow transposed products are fine here). */
function autodiffGrads(w: ReturnType<typeof initDnnWeights>, b: TrainBatch, cfg: LossConfig, masks: (Float32Array | null)[]): Float32Array[] {
  return tf.tidy(() => {
    const vars = w.layers.flatMap((l) => [tf.tensor2d(l.W, [l.inDim, l.outDim]), tf.tensor1d(l.b)]);
    const f = (...p: tf.Tensor[]) => {
      let h: tf.Tensor = tf.tensor2d(b.x, [M, IN]);
      const L = w.layers.length;
      for (let l = 0; l < L; l++) {
        h = tf.add(tf.matMul(h, p[2 * l]), p[2 * l + 1]);
        if (l < L - 1) {
          h = tf.relu(h);
          const m = masks[l];
          if (m) h = tf.mul(h, tf.tensor2d(m, h.shape as [number, number]));
        }
      }
      const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), P).toFloat();
      let loss = tf.mul(tf.sum(tf.mul(y, tf.logSoftmax(h))), cfg.kind === 'ce' ? -1 : -cfg.hardWeight);
      if (cfg.kind === 'soft-ce') {
        const T = cfg.temperature;
        loss = tf.add(loss, tf.mul(tf.sum(tf.mul(tf.tensor2d(b.soft!, [M, P]), tf.logSoftmax(tf.div(h, T)))), -cfg.softWeight * T * T));
      }
      if (cfg.kind === 'logit-mse') {
        // Sec. 2.1: student and teacher logits centred per frame.
        const centre = (a: tf.Tensor) => tf.sub(a, tf.mean(a, 1, true));
        loss = tf.add(loss, tf.mul(tf.sum(tf.square(tf.sub(centre(h), centre(tf.tensor2d(b.teacherLogits!, [M, P]))))), (0.5 * cfg.softWeight) / P));
      }
      return tf.div(loss, M) as tf.Scalar;
    };
    return tf.grads(f)(vars).map((g) => g.dataSync() as Float32Array);
  });
}

for (const backend of ['wasm', 'cpu'] as const) {
  for (const [archSpec, cfg] of [
    ['{"hidden":[9,8]}', losses[1]],
    ['{"hidden":[9,8],"dropout":0.3}', losses[0]],
    ['{"hidden":[6]}', losses[2]],
  ] as const) {
    test(`${backend}: hand-written backward pass equals tf autodiff (${archSpec}, ${cfg.kind})`, async () => {
      await selectBackend(backend);
      const arch = parseArch(archSpec);
      const w = initDnnWeights(arch, IN, P, 3);
      w.layers.forEach((l) => l.b.forEach((_, j) => (l.b[j] = 0.05 * j)));
      const b = makeBatch(4, cfg.temperature);
      const seed = 1234;
      const masks = arch.hidden.map((h, l) => ((arch.dropout ?? 0) > 0 ? dropoutMask(M, h.units, arch.dropout!, mixSeed(seed, l)) : null));
      const ref = autodiffGrads(w, b, cfg, masks);
      // Plain SGD with lr 1: new = old - grad.
      const s = new TrainStep(w, { optimizer: 'sgd', momentum: 0, loss: cfg });
      const r = s.step(b, 1, seed);
      const after = s.weights();
      s.dispose();
      assert.ok(Number.isFinite(r.loss));
      assert.equal(r.frames, M);
      assert.equal(r.labeled, M - 1);
      after.layers.forEach((l, i) => {
        const gW = ref[2 * i];
        const gb = ref[2 * i + 1];
        for (let k = 0; k < gW.length; k++) assert.ok(Math.abs(w.layers[i].W[k] - l.W[k] - gW[k]) < 1e-5, `layer ${i} dW[${k}]`);
        for (let k = 0; k < gb.length; k++) assert.ok(Math.abs(w.layers[i].b[k] - l.b[k] - gb[k]) < 1e-5, `layer ${i} db[${k}]`);
      });
    });
  }
}

test('evaluate: CE and accuracy of the forward pass, no dropout, weights unchanged', async () => {
  await selectBackend('wasm');
  const w = initDnnWeights(parseArch('{"hidden":[9],"dropout":0.5}'), IN, P, 5);
  const b = makeBatch(6, 1);
  const s = new TrainStep(w, { optimizer: 'adam', loss: losses[1] });
  const r = s.evaluate(b);
  const f = new DnnForward(w);
  const z = f.logits(b.x, M);
  f.dispose();
  const ref = distillLoss(z, { labels: b.labels }, M, P, losses[0]);
  assert.ok(Math.abs(r.loss - ref.loss) < 1e-5);
  let correct = 0;
  for (let t = 0; t < M; t++) {
    if (b.labels[t] < 0) continue;
    const row = Array.from(z.subarray(t * P, (t + 1) * P));
    if (row.indexOf(Math.max(...row)) === b.labels[t]) correct++;
  }
  assert.equal(r.correct, correct);
  assert.equal(r.labeled, M - 1);
  assert.deepEqual(s.weights().layers[0].W, w.layers[0].W);
  s.dispose();
});

test('with averageDecay: evaluate() and modelWeights() use the moving average, weights() the trained weights', async () => {
  await selectBackend('wasm');
  const w = initDnnWeights(parseArch('{"hidden":[9]}'), IN, P, 5);
  const s = new TrainStep(w, { optimizer: 'adam', loss: losses[0], averageDecay: 0.5 });
  for (let k = 0; k < 3; k++) s.step(makeBatch(10 + k, 1), 0.05, k);
  const live = s.weights();
  const avg = s.modelWeights();
  assert.notDeepEqual(avg.layers[0].W, live.layers[0].W);
  // the average lies between the initial and the trained weights
  const i = live.layers[0].W.findIndex((x, k) => Math.abs(x - w.layers[0].W[k]) > 1e-4);
  const [lo, hi] = [Math.min(w.layers[0].W[i], live.layers[0].W[i]), Math.max(w.layers[0].W[i], live.layers[0].W[i])];
  assert.ok(avg.layers[0].W[i] > lo && avg.layers[0].W[i] < hi);
  const b = makeBatch(6, 1);
  const f = new DnnForward(avg);
  const ref = distillLoss(f.logits(b.x, M), { labels: b.labels }, M, P, losses[0]);
  f.dispose();
  assert.ok(Math.abs(s.evaluate(b).loss - ref.loss) < 1e-5);
  s.dispose();
});

test('a NaN input leaves the weights untouched and reports the NaN loss', async () => {
  await selectBackend('wasm');
  const w = initDnnWeights(parseArch('1x8'), IN, P, 7);
  const b = makeBatch(8, 1);
  b.x[3] = NaN;
  const s = new TrainStep(w, { optimizer: 'sgd', loss: losses[0] });
  const r = s.step(b, 0.1, 1);
  assert.ok(Number.isNaN(r.loss));
  assert.deepEqual(s.weights().layers[0].W, w.layers[0].W);
  s.dispose();
});

test('max-norm caps each hidden unit\'s incoming weight norm after the update; setWeights restores', async () => {
  await selectBackend('cpu');
  const w = initDnnWeights(parseArch('{"hidden":[8],"maxNorm":0.5}'), IN, P, 9);
  const s = new TrainStep(w, { optimizer: 'sgd', loss: losses[0] });
  s.step(makeBatch(10, 1), 0.1, 1);
  const l = s.weights().layers[0];
  for (let j = 0; j < l.outDim; j++) {
    let n = 0;
    for (let i = 0; i < l.inDim; i++) n += l.W[i * l.outDim + j] ** 2;
    assert.ok(Math.abs(Math.sqrt(n) - 0.5) < 1e-5, `column ${j} norm ${Math.sqrt(n)}`); // He init norms are ~1.4 > 0.5
  }
  s.setWeights(w);
  assert.deepEqual(s.weights().layers[0].W, w.layers[0].W);
  s.dispose();
});

test('a batch with too few inputs is a bug, reported with its sizes', async () => {
  await selectBackend('cpu');
  const s = new TrainStep(initDnnWeights(parseArch('1x4'), IN, P, 1), { optimizer: 'sgd', loss: losses[0] });
  assert.throws(() => s.step({ size: 2, x: new Float32Array(3), labels: new Int32Array(2) }, 0.1, 1), {
    message: 'train step: batch of 2 frames has 3 inputs (need 14) and 2 labels',
  });
  s.dispose();
});

test('steps do not leak tensors; dispose releases everything', async () => {
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  const s = new TrainStep(initDnnWeights(parseArch('{"hidden":[8,8],"dropout":0.2,"maxNorm":2}'), IN, P, 1), { optimizer: 'adam', loss: losses[1] });
  const b = makeBatch(11, losses[1].temperature);
  s.step(b, 0.01, 1);
  const afterOne = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) s.step(b, 0.01, i);
  s.evaluate(b);
  assert.equal(tf.memory().numTensors, afterOne);
  s.dispose();
  assert.equal(tf.memory().numTensors, before);
});
