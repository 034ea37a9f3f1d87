import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxNormColumns, updateParam } from '../../../src/nnet/ort/update.js';

const close = (a: ArrayLike<number>, b: number[], what: string) =>
  b.forEach((x, i) => assert.ok(Math.abs(a[i] - x) <= 1e-6 * (1 + Math.abs(x)), `${what}[${i}]: ${a[i]} vs ${x}`));

test('updateParam: SGD, momentum and scaled-moment Adam by hand, in place, with the average from the updated weights', () => {
  const g = Float32Array.of(0.5, -1, 2);
  const w0 = [1, 2, -3];

  const w = Float32Array.from(w0);
  const avg = Float32Array.from(w0);
  updateParam({ kind: 'sgd', stepScale: -0.1 }, w, g, [], { avg, keep: 0.75, take: 0.25 });
  const sgd = [0.95, 2.1, -3.2];
  close(w, sgd, 'sgd w');
  close(avg, w0.map((x, i) => 0.75 * x + 0.25 * sgd[i]), 'sgd avg');

  const wm = Float32Array.from(w0);
  const vel = Float32Array.of(1, 0, -1);
  updateParam({ kind: 'momentum', momentum: 0.9, stepScale: -0.1 }, wm, g, [vel]);
  const v1 = [0.9 - 0.05, 0.1, -0.9 - 0.2];
  close(vel, v1, 'velocity');
  close(wm, w0.map((x, i) => x + v1[i]), 'momentum w');

  const wa = Float32Array.from(w0);
  const M = Float32Array.of(1, 0, 0);
  const V = Float32Array.of(4, 0, 1);
  updateParam({ kind: 'adam', beta1: 0.9, beta2: 0.99, epsilon: 0.01, stepScale: -0.5 }, wa, g, [M, V]);
  const m1 = [0.9 + 0.5, -1, 2];
  const s1 = [0.99 * 4 + 0.25, 1, 0.99 + 4];
  close(M, m1, 'M');
  close(V, s1, 'V');
  close(wa, w0.map((x, i) => x - (0.5 * m1[i]) / (Math.sqrt(s1[i]) + 0.01)), 'adam w');

  assert.throws(() => updateParam({ kind: 'sgd', stepScale: 1 }, w, Float32Array.of(1), []), /gradient of 1/);
});

test('maxNormColumns: columns above c scaled to norm c, the others untouched', () => {
  // 2 x 3, row-major: columns (3, 4) norm 5, (0, 1) norm 1, (0.6, 0.8) norm 1.
  const W = Float32Array.of(3, 0, 0.6, 4, 1, 0.8);
  maxNormColumns(W, 2, 3, 2);
  const f = 2 / (5 + 1e-7);
  close(W, [3 * f, 0, 0.6, 4 * f, 1, 0.8], 'W');
  assert.throws(() => maxNormColumns(W, 3, 3, 1), /not 3 x 3/);
});
