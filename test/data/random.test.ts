import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRng, randInt, randNormal, randUniform, shuffleInPlace } from '../../src/data/random.js';

test('makeRng is deterministic per seed and stream', () => {
  const a = makeRng(7), b = makeRng(7), c = makeRng(7, 'other'), d = makeRng(8);
  const xs = [a(), a(), a()];
  assert.deepEqual(xs, [b(), b(), b()]);
  assert.notDeepEqual(xs, [c(), c(), c()]);
  assert.notDeepEqual(xs, [d(), d(), d()]);
  for (const x of xs) assert.ok(x >= 0 && x < 1);
});

test('randInt, randUniform and randNormal stay in range with the right moments', () => {
  const r = makeRng(1);
  const counts = new Array(3).fill(0);
  let sum = 0, sumSq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    counts[randInt(r, 0, 2)]++;
    const u = randUniform(r, 2, 3);
    assert.ok(u >= 2 && u < 3);
    const g = randNormal(r);
    sum += g;
    sumSq += g * g;
  }
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 3) < 0.02);
  assert.ok(Math.abs(sum / n) < 0.03);
  assert.ok(Math.abs(sumSq / n - 1) < 0.05);
});

test('shuffleInPlace permutes typed arrays deterministically', () => {
  const a = shuffleInPlace(makeRng(3), Int32Array.from({ length: 50 }, (_, i) => i));
  const b = shuffleInPlace(makeRng(3), Int32Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual([...a], Array.from({ length: 50 }, (_, i) => i));
});
