import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { maxNormColumns, slotSuffixes, updateParam, WasmUpdater, type UpdateRule } from '../../../src/nnet/ort/update.js';
import { UPDATE_WASM } from '../../../src/nnet/ort/update-wasm.js';

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

test('WasmUpdater: the same updates as updateParam within float32 rounding, SIMD lanes and the scalar tail', () => {
  const n = 4 * 37 + 3;
  const u = WasmUpdater.create(4 * (n + 1), n);
  assert.ok(u, 'WebAssembly SIMD is available in Node 20');
  const val = (k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + 1) * (1 + (i % 5)));
  const rules: [UpdateRule, number][] = [
    [{ kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 3e-7, stepScale: -0.01 }, 2],
    [{ kind: 'momentum', momentum: 0.9, stepScale: -0.1 }, 1],
    [{ kind: 'sgd', stepScale: -0.1 }, 0],
  ];
  for (const [rule, numSlots] of rules) {
    for (const withAverage of [false, true]) {
      const u = WasmUpdater.create(4 * (n + 1), n)!;
      const w = u.f32(n);
      const slots = Array.from({ length: numSlots }, () => u.f32(n));
      const avg = u.f32(n);
      const ref = { w: val(1), slots: slots.map((_, k) => val(2 + k).map(Math.abs)), avg: val(5) };
      w.set(ref.w);
      slots.forEach((s, k) => s.set(ref.slots[k]));
      avg.set(ref.avg);
      for (let step = 0; step < 3; step++) {
        const g = val(7 + step); // ONNX Runtime's buffer: outside the updater's memory
        u.updateParam(rule, w, g, slots, withAverage ? { avg, keep: 0.75, take: 0.25 } : undefined);
        updateParam(rule, ref.w, g, ref.slots, withAverage ? { avg: ref.avg, keep: 0.75, take: 0.25 } : undefined);
      }
      const what = `${rule.kind}${withAverage ? ' + average' : ''}`;
      const near = (a: Float32Array, b: Float32Array, name: string) =>
        a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-5 * (1 + Math.abs(b[i])), `${what} ${name}[${i}]: ${x} vs ${b[i]}`));
      near(w, ref.w, 'w');
      slots.forEach((s, k) => near(s, ref.slots[k], `slot ${k}`));
      near(avg, withAverage ? ref.avg : val(5), 'average');
      assert.notDeepEqual(Array.from(w), Array.from(val(1)), `${what}: the weights moved`);
    }
  }
  assert.throws(() => u!.updateParam(rules[2][0], new Float32Array(n), val(1), []), /not an array of this updater/);
  assert.throws(() => u!.updateParam(rules[2][0], u!.f32(n), Float32Array.of(1), []), /gradient of 1/);
  assert.throws(() => u!.f32(65536), /no room/); // beyond the memory create sized (whole 64 KB pages)
});

test('update-wasm.ts holds update.wat as scripts/build-update-wasm.mjs assembles it', async () => {
  const build = await import(path.join(import.meta.dirname, '../../../scripts/build-update-wasm.mjs'));
  assert.equal(UPDATE_WASM, await build.assembleUpdateWat(), 'run node scripts/build-update-wasm.mjs');
});

test('slotSuffixes: the slots of each optimizer in OptimizerState order, the average last', () => {
  assert.deepEqual(slotSuffixes({ optimizer: 'adam', momentum: 0, averaging: true }), ['m', 'v', 'avg']);
  assert.deepEqual(slotSuffixes({ optimizer: 'sgd', momentum: 0.9, averaging: false }), ['vel']);
  assert.deepEqual(slotSuffixes({ optimizer: 'sgd', momentum: 0, averaging: true }), ['avg']);
  assert.deepEqual(slotSuffixes({ optimizer: 'sgd', momentum: 0, averaging: false }), []);
});
