import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIVERGENCE_FACTOR, divergenceLimit, lossDivergence } from '../../src/nnet/divergence.js';

test('divergenceLimit: 10x the start, the start floored at ln(numPdfs) and 1 nat', () => {
  assert.equal(DIVERGENCE_FACTOR, 10);
  assert.equal(divergenceLimit(6.2, 100), 62);
  // A fine-tuned model starting at 0.3 nats: the floor ln(100) = 4.6 keeps a harder batch from tripping it.
  assert.equal(divergenceLimit(0.3, 100), 10 * Math.log(100));
  assert.equal(divergenceLimit(0.3, 2), 10);
  // No finite start yet (the first batch was NaN): only the floors.
  assert.equal(divergenceLimit(NaN, 100), 10 * Math.log(100));
});

test('lossDivergence: NaN, infinite and far-above-start losses are divergence, ordinary ones are not', () => {
  assert.equal(lossDivergence(NaN, 50), 'became NaN');
  assert.equal(lossDivergence(Infinity, 50), 'became Infinity');
  assert.equal(lossDivergence(-Infinity, 50), 'became -Infinity');
  assert.equal(lossDivergence(3.2e20, 46.1), 'reached 3.20e+20, more than 10 times its start (limit 46.1)');
  assert.equal(lossDivergence(50, 50), undefined);
  assert.equal(lossDivergence(0.01, 50), undefined);
});
