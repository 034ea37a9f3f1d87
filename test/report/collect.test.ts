import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnnSize } from '../../src/report/collect.js';

test('dnnSize counts weights, biases and forward FLOPs', () => {
  // 440 -> 2 x 64 -> 10: (440*64+64) + (64*64+64) + (64*10+10)
  const s = dnnSize(440, [64, 64], 10);
  assert.equal(s.params, 440 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10);
  assert.equal(s.flopsPerFrame, 2 * (440 * 64 + 64 * 64 + 64 * 10) + 64 + 64 + 10);
});
