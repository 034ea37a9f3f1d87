import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianNoise } from '../../src/features/dither.js';

test('GaussianNoise is reproducible per seed and stream, and differs across them', () => {
  const draw = (g: GaussianNoise) => Array.from({ length: 20 }, () => g.next());
  assert.deepEqual(draw(new GaussianNoise(5, 'utt1')), draw(new GaussianNoise(5, 'utt1')));
  assert.notDeepEqual(draw(new GaussianNoise(5, 'utt1')), draw(new GaussianNoise(5, 'utt2')));
  assert.notDeepEqual(draw(new GaussianNoise(5)), draw(new GaussianNoise(6)));
});

test('GaussianNoise draws have mean 0, variance 1 and a normal tail', () => {
  const g = new GaussianNoise(42);
  const n = 200000;
  let sum = 0;
  let sumSq = 0;
  let beyond2 = 0;
  for (let i = 0; i < n; i++) {
    const x = g.next();
    sum += x;
    sumSq += x * x;
    if (Math.abs(x) > 2) beyond2++;
  }
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.01, `variance ${variance}`);
  // P(|x| > 2) = 0.0455 for a standard normal.
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.002, `tail ${beyond2 / n}`);
});

test('GaussianNoise.uniform covers [0, 1) evenly', () => {
  const g = new GaussianNoise(7);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 100000; i++) {
    const u = g.uniform();
    assert.ok(u >= 0 && u < 1);
    bins[Math.floor(u * 10)]++;
  }
  for (const b of bins) assert.ok(Math.abs(b - 10000) < 400, `bin count ${b}`);
});
