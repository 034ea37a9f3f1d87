import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArch } from '../../src/nnet/arch.js';
import { checkDnnWeights, cloneDnnWeights, initDnnWeights } from '../../src/nnet/weights.js';
import { isInputError } from '../../src/errors.js';

test('initDnnWeights is seeded and He-scaled; cloneDnnWeights copies; checkDnnWeights checks shapes', () => {
  const a = initDnnWeights(parseArch('1x200'), 100, 50, 7);
  const b = initDnnWeights(parseArch('1x200'), 100, 50, 7);
  const c = initDnnWeights(parseArch('1x200'), 100, 50, 8);
  assert.deepEqual(a.layers[0].W, b.layers[0].W);
  assert.notDeepEqual(a.layers[0].W, c.layers[0].W);
  const W = a.layers[0].W;
  const variance = W.reduce((s, v) => s + v * v, 0) / W.length;
  assert.ok(Math.abs(variance - 2 / 100) < 0.002, `variance ${variance}`);
  const copy = cloneDnnWeights(a);
  copy.layers[0].W[0] += 1;
  assert.notEqual(copy.layers[0].W[0], a.layers[0].W[0]);
  copy.layers[1].b = new Float32Array(3);
  assert.throws(() => checkDnnWeights(copy, 'm'), (e: unknown) => isInputError(e) && (e as Error).message === 'm: layer 2 has shape 200x50 (W 10000, b 3 values), expected 200x50');
});
