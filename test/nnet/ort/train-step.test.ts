import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../../src/nnet/tfjs/backend.js';
import { parseArch } from '../../../src/nnet/arch.js';
import { initDnnWeights, type DnnWeights } from '../../../src/nnet/weights.js';
import { softmaxRows } from '../../../src/nnet/posteriors.js';
import { type LossConfig } from '../../../src/nnet/distill-loss.js';
import { TrainStep } from '../../../src/nnet/tfjs/train-step.js';
import { type TrainBatch, type TrainStepOptions } from '../../../src/nnet/trainer.js';
import { OrtTrainStep } from '../../../src/nnet/ort/train-step.js';
import { rescaledSlots } from '../../../src/nnet/optimizer-state.js';
import { makeRng, randNormal } from '../../../src/data/random.js';

const IN = 7;
const P = 5;
const M = 6;

function makeBatch(seed: number, T: number, size = M): TrainBatch {
  const rng = makeRng(seed, 'batch');
  const x = Float32Array.from({ length: size * IN }, () => randNormal(rng));
  const labels = Int32Array.from({ length: size }, (_, i) => (i === 4 ? -1 : Math.floor(rng() * P)));
  const teacherLogits = Float32Array.from({ length: size * P }, () => 2 * randNormal(rng));
  return { size, x, labels, teacherLogits, soft: softmaxRows(teacherLogits, P, T) };
}

const losses: LossConfig[] = [
  { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 },
  { kind: 'soft-ce', temperature: 3, hardWeight: 0.5, softWeight: 1 },
  { kind: 'logit-mse', temperature: 1, hardWeight: 0.2, softWeight: 0.7 },
];

/** Agreement between the engines after a few steps (float32, different summation orders). */
const TOL = 2e-6;

function assertCloseArrays(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = TOL): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

function assertSameWeights(a: DnnWeights, b: DnnWeights, what: string, tol = TOL): void {
  a.layers.forEach((l, i) => {
    assertCloseArrays(l.W, b.layers[i].W, `${what} W${i}`, tol);
    assertCloseArrays(l.b, b.layers[i].b, `${what} b${i}`, tol);
  });
}

const cases: { name: string; arch: string; opts: TrainStepOptions }[] = [
  { name: 'sgd lr only, soft-ce, two layers', arch: '{"hidden":[9,8]}', opts: { optimizer: 'sgd', momentum: 0, loss: losses[1] } },
  { name: 'sgd momentum, ce, dropout + max-norm', arch: '{"hidden":[9,8],"dropout":0.3,"maxNorm":1}', opts: { optimizer: 'sgd', momentum: 0.9, loss: losses[0] } },
  { name: 'adam, logit-mse', arch: '{"hidden":[6]}', opts: { optimizer: 'adam', loss: losses[2] } },
  { name: 'adam + weight average, soft-ce, dropout', arch: '{"hidden":[8,8],"dropout":0.2}', opts: { optimizer: 'adam', loss: losses[1], averageDecay: 0.9 } },
  { name: 'sgd lr only + weight average', arch: '{"hidden":[8]}', opts: { optimizer: 'sgd', momentum: 0, loss: losses[0], averageDecay: 0.5 } },
];

for (const c of cases) {
  test(`ort step = tfjs step (${c.name}): losses, accuracy, weights, optimizer slots, evaluate`, async () => {
    await selectBackend('cpu');
    const w = initDnnWeights(parseArch(c.arch), IN, P, 3);
    w.layers.forEach((l) => l.b.forEach((_, j) => (l.b[j] = 0.05 * j)));
    const ref = new TrainStep(w, c.opts);
    const ort = await OrtTrainStep.create(w, c.opts);
    for (let k = 0; k < 6; k++) {
      // The last batch is partial, as at the end of an epoch.
      const b = makeBatch(20 + k, c.opts.loss.temperature, k === 5 ? 3 : M);
      const r1 = ref.step(b, 0.05, 100 + k);
      const r2 = ort.step(b, 0.05, 100 + k);
      assert.ok(Math.abs(r1.loss - r2.loss) <= 1e-5 * (1 + r1.loss), `step ${k} loss ${r2.loss} vs ${r1.loss}`);
      assert.deepEqual({ ...r2, loss: 0 }, { ...r1, loss: 0 });
    }
    assertSameWeights(ort.weights(), ref.weights(), 'weights');
    assertSameWeights(ort.modelWeights(), ref.modelWeights(), 'model weights');
    const s1 = ref.optimizerState();
    const s2 = ort.optimizerState();
    assert.equal(s2.kind, s1.kind);
    assert.equal(s2.step, s1.step);
    assert.equal(s2.slots.length, s1.slots.length);
    // ORT keeps Adam's moments scaled (slotScale); at optimizer.ts's scale they agree.
    const s2Plain = rescaledSlots(s2, []);
    s1.slots.forEach((slots, i) => slots.forEach((a, k) => assertCloseArrays(s2Plain[i][k], a, `slot ${i}.${k}`, 1e-5)));
    const e1 = ref.evaluate(makeBatch(99, 1));
    const e2 = ort.evaluate(makeBatch(99, 1));
    assert.ok(Math.abs(e1.loss - e2.loss) <= 1e-5);
    assert.equal(e2.correct, e1.correct);
    ref.dispose();
    ort.dispose();
  });
}

test('ort step: a checkpoint of one engine continues on the other (setWeights + setOptimizerState)', async () => {
  await selectBackend('cpu');
  const opts: TrainStepOptions = { optimizer: 'adam', loss: losses[0], averageDecay: 0.8 };
  const w = initDnnWeights(parseArch('{"hidden":[8]}'), IN, P, 4);
  const ref = new TrainStep(w, opts);
  for (let k = 0; k < 3; k++) ref.step(makeBatch(40 + k, 1), 0.05, k);
  const ort = await OrtTrainStep.create(initDnnWeights(parseArch('{"hidden":[8]}'), IN, P, 99), opts);
  ort.setWeights(ref.weights());
  ort.setOptimizerState(ref.optimizerState());
  for (let k = 3; k < 5; k++) {
    ref.step(makeBatch(40 + k, 1), 0.05, k);
    ort.step(makeBatch(40 + k, 1), 0.05, k);
  }
  assertSameWeights(ort.weights(), ref.weights(), 'continued');
  assertSameWeights(ort.modelWeights(), ref.modelWeights(), 'continued average');
  assert.throws(() => ort.setOptimizerState({ kind: 'sgd', step: 0, slots: [] }), /optimizer state is for sgd, this optimizer is adam/);
  // And back: ORT's scaled Adam moments (slotScale) continue on tfjs.
  const state = ort.optimizerState();
  assert.deepEqual(state.slotScale, [0.09999999999999998, 0.0010000000000000009, 1]);
  const back = new TrainStep(initDnnWeights(parseArch('{"hidden":[8]}'), IN, P, 98), opts);
  back.setWeights(ort.weights());
  back.setOptimizerState(state);
  for (let k = 5; k < 7; k++) {
    back.step(makeBatch(40 + k, 1), 0.05, k);
    ort.step(makeBatch(40 + k, 1), 0.05, k);
  }
  assertSameWeights(ort.weights(), back.weights(), 'continued on tfjs');
  ref.dispose();
  back.dispose();
  ort.dispose();
});

test('ort step: a NaN input leaves weights and slots untouched and reports the NaN loss', async () => {
  const w = initDnnWeights(parseArch('1x8'), IN, P, 7);
  const s = await OrtTrainStep.create(w, { optimizer: 'adam', loss: losses[0] });
  const b = makeBatch(8, 1);
  b.x[3] = NaN;
  const r = s.step(b, 0.1, 1);
  assert.ok(Number.isNaN(r.loss));
  assert.deepEqual(s.weights().layers[0].W, w.layers[0].W);
  assert.equal(s.optimizerState().step, 0);
  assert.ok(s.optimizerState().slots.every((sl) => sl.every((a) => a.every((v) => v === 0))));
  assert.throws(() => s.step({ size: 2, x: new Float32Array(3), labels: new Int32Array(2) }, 0.1, 1), {
    message: 'train step: batch of 2 frames has 3 inputs (need 14) and 2 labels',
  });
  s.dispose();
});
