import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HARD_WEIGHT, defaultHardWeight, distillLoss, softTargetGradient, type LossConfig } from '../../src/nnet/distill-loss.js';
import { softmaxRows } from '../../src/nnet/posteriors.js';
import { makeRng, randNormal } from '../../src/data/random.js';

const N = 6; // pdfs
const F = 4; // frames

function setup(seed: number) {
  const rng = makeRng(seed, 'loss');
  const z = Float32Array.from({ length: F * N }, () => 2 * randNormal(rng));
  const v = Float32Array.from({ length: F * N }, () => 2 * randNormal(rng));
  const labels = Int32Array.of(0, 5, -1, 2); // frame 2 unlabeled
  return { z, v, labels };
}

/** Central finite differences of the loss w.r.t. each logit, in float64 via a Float32 copy per probe. */
function numericGrad(f: (z: Float32Array) => number, z: Float32Array, h = 1e-2): Float64Array {
  const g = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) {
    const zp = z.slice();
    const zm = z.slice();
    zp[i] += h;
    zm[i] -= h;
    g[i] = (f(zp) - f(zm)) / (zp[i] - zm[i]);
  }
  return g;
}

const configs: LossConfig[] = [
  { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 },
  { kind: 'soft-ce', temperature: 2, hardWeight: 0.5, softWeight: 1 },
  { kind: 'soft-ce', temperature: 10, hardWeight: 0, softWeight: 1 },
  { kind: 'logit-mse', temperature: 1, hardWeight: 0.3, softWeight: 1 },
];

for (const cfg of configs) {
  test(`${cfg.kind} T=${cfg.temperature} hard=${cfg.hardWeight}: gradient matches finite differences`, () => {
    const { z, v, labels } = setup(1);
    const T = cfg.temperature;
    const soft = softmaxRows(v, N, T);
    const targets = { labels, soft, teacherLogits: v };
    const { grad, loss } = distillLoss(z, targets, F, N, cfg);
    assert.ok(Number.isFinite(loss) && loss > 0);
    const num = numericGrad((zz) => distillLoss(zz, targets, F, N, cfg).loss, z);
    for (let i = 0; i < z.length; i++) assert.ok(Math.abs(grad[i] - num[i]) < 2e-4 + 1e-3 * Math.abs(num[i]), `dz[${i}] ${grad[i]} vs ${num[i]}`);
    // an unlabeled frame has no hard-label gradient
    if (cfg.kind === 'ce') assert.ok(grad.subarray(2 * N, 3 * N).every((g) => g === 0));
  });
}

test('soft-ce with T=1 and soft = one-hot labels equals hard CE with weight softWeight + hardWeight', () => {
  const { z } = setup(2);
  const labels = Int32Array.of(1, 2, 3, 4);
  const soft = new Float32Array(F * N);
  labels.forEach((l, t) => (soft[t * N + l] = 1));
  const a = distillLoss(z, { labels, soft }, F, N, { kind: 'soft-ce', temperature: 1, hardWeight: 0.5, softWeight: 1 });
  const b = distillLoss(z, { labels }, F, N, { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 });
  assert.ok(Math.abs(a.loss - 1.5 * b.loss) < 1e-9);
  for (let i = 0; i < a.grad.length; i++) assert.ok(Math.abs(a.grad[i] - 1.5 * b.grad[i]) < 1e-7);
});

test('the hard CE of a known case: uniform logits give log N', () => {
  const z = new Float32Array(N);
  const { loss, grad } = distillLoss(z, { labels: Int32Array.of(3) }, 1, N, { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 });
  assert.ok(Math.abs(loss - Math.log(N)) < 1e-12);
  assert.ok(Math.abs(grad[3] - (1 / N - 1)) < 1e-7);
  assert.ok(Math.abs(grad[0] - 1 / N) < 1e-7);
});

test('sec. 2 high-temperature limit: the soft-target gradient WITHOUT the T^2 factor, for zero-mean logits, approaches (z - v) / (N T^2)', () => {
  const rng = makeRng(3, 'highT');
  const n = 10;
  const zeroMean = (a: Float32Array) => {
    const m = a.reduce((s, x) => s + x, 0) / a.length;
    return a.map((x) => x - m);
  };
  const z = zeroMean(Float32Array.from({ length: n }, () => 3 * randNormal(rng)));
  const v = zeroMean(Float32Array.from({ length: n }, () => 3 * randNormal(rng)));
  let prevErr = Infinity;
  for (const T of [2, 10, 50, 250]) {
    const g = softTargetGradient(z, v, T);
    const limit = Array.from(z, (zi, i) => (zi - v[i]) / (n * T * T));
    const scale = Math.max(...limit.map(Math.abs));
    const relErr = Math.max(...Array.from(g, (gi, i) => Math.abs(gi - limit[i]))) / scale;
    assert.ok(relErr < prevErr, `error should shrink with T: T=${T} ${relErr} >= ${prevErr}`);
    prevErr = relErr;
  }
  assert.ok(prevErr < 0.01, `relative error at T=250: ${prevErr}`);
  // With the T^2 factor, soft-ce (hard weight 0) at high T matches logit-mse's gradient (z - v) / N.
  const sce = distillLoss(z, { soft: softmaxRows(v, n, 250) }, 1, n, { kind: 'soft-ce', temperature: 250, hardWeight: 0, softWeight: 1 });
  const mse = distillLoss(z, { teacherLogits: v }, 1, n, { kind: 'logit-mse', temperature: 1, hardWeight: 0, softWeight: 1 });
  const s = Math.max(...Array.from(mse.grad, Math.abs));
  for (let i = 0; i < n; i++) assert.ok(Math.abs(sce.grad[i] - mse.grad[i]) < 0.01 * s);
});

test('sec. 2.1: the centred logit-matching gradient is the high-T limit of T^2 x the soft-CE gradient, whatever the logits\' means', () => {
  // Student and teacher logits with different, non-zero per-frame means: softmax ignores them, so
  // the soft-CE gradient's limit is (c(z) - c(v)) / N; logit matching must centre both sides to match it.
  const rng = makeRng(4, 'centred');
  const n = 8;
  const frames = 3;
  const z = Float32Array.from({ length: frames * n }, (_, i) => 2 * randNormal(rng) + [5, -3, 0.5][Math.floor(i / n)]);
  const v = Float32Array.from({ length: frames * n }, (_, i) => 2 * randNormal(rng) + [-2, 4, 1][Math.floor(i / n)]);
  const mse = distillLoss(z, { teacherLogits: v }, frames, n, { kind: 'logit-mse', temperature: 1, hardWeight: 0, softWeight: 1 });
  const scale = Math.max(...Array.from(mse.grad, Math.abs));
  let prevErr = Infinity;
  for (const T of [5, 50, 500]) {
    const sce = distillLoss(z, { soft: softmaxRows(v, n, T) }, frames, n, { kind: 'soft-ce', temperature: T, hardWeight: 0, softWeight: 1 });
    const err = Math.max(...Array.from(sce.grad, (g, i) => Math.abs(g - mse.grad[i]))) / scale;
    assert.ok(err < prevErr, `T=${T}: ${err} >= ${prevErr}`);
    prevErr = err;
  }
  assert.ok(prevErr < 5e-3, `relative difference at T=500 (the remainder shrinks as 1/T): ${prevErr}`);
  // Per frame, with the 1/frames of the mean: grad = (z - v - mean(z - v)) / (N frames), summing to 0.
  for (let t = 0; t < frames; t++) {
    let mean = 0;
    for (let j = 0; j < n; j++) mean += (z[t * n + j] - v[t * n + j]) / n;
    for (let j = 0; j < n; j++) assert.ok(Math.abs(mse.grad[t * n + j] - (z[t * n + j] - v[t * n + j] - mean) / (n * frames)) < 1e-6);
  }
  // A shift of either side's logits changes neither loss nor gradient.
  const shifted = distillLoss(z.map((x) => x + 7), { teacherLogits: v.map((x) => x - 3) }, frames, n, { kind: 'logit-mse', temperature: 1, hardWeight: 0, softWeight: 1 });
  assert.ok(Math.abs(shifted.loss - mse.loss) < 1e-5 * mse.loss);
});

test('a loss that needs teacher targets says so', () => {
  assert.throws(
    () => distillLoss(new Float32Array(N), { labels: Int32Array.of(0) }, 1, N, { kind: 'soft-ce', temperature: 2, hardWeight: 0.5, softWeight: 1 }),
    { message: "distill-loss: loss 'soft-ce' needs soft targets in the batch" },
  );
  assert.throws(
    () => distillLoss(new Float32Array(N), { labels: Int32Array.of(0) }, 1, N, { kind: 'logit-mse', temperature: 1, hardWeight: 0, softWeight: 1 }),
    { message: "distill-loss: loss 'logit-mse' needs teacher logits in the batch" },
  );
});

test("defaultHardWeight: the paper's 0.5 with labels, 0 on an unlabeled transfer set", () => {
  assert.equal(DEFAULT_HARD_WEIGHT, 0.5);
  assert.equal(defaultHardWeight(true), 0.5);
  assert.equal(defaultHardWeight(false), 0);
});
