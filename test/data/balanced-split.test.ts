import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitIntoShards } from '../../src/data/balanced-split.js';

test('splitIntoShards makes contiguous, balanced, order-keeping, non-empty runs', () => {
  assert.deepEqual(splitIntoShards([1, 2, 3, 4, 5, 6], 2), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(splitIntoShards([1, 2, 3, 4, 5], 3), [[1, 2], [3], [4, 5]]);
  assert.deepEqual(splitIntoShards([1, 2], 4), [[1], [2]]);
  assert.deepEqual(splitIntoShards([], 3), [[]]);
  // Weighted: one long item balances three short ones.
  assert.deepEqual(splitIntoShards(['long', 'a', 'b', 'c'], 2, (x) => (x === 'long' ? 3 : 1)), [['long'], ['a', 'b', 'c']]);
  assert.deepEqual(splitIntoShards(['a', 'b', 'c', 'long'], 2, (x) => (x === 'long' ? 3 : 1)), [['a', 'b', 'c'], ['long']]);
  // A huge first item still leaves one item for every other shard.
  assert.deepEqual(splitIntoShards(['a', 'b', 'c'], 3, (x) => (x === 'a' ? 100 : 1)), [['a'], ['b'], ['c']]);
  assert.deepEqual(splitIntoShards(['a', 'b', 'c'], 2, (x) => (x === 'c' ? 100 : 1)), [['a', 'b'], ['c']]);
});
