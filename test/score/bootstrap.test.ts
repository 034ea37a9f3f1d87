import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapWerComparison, formatWerComparison } from '../../src/score/bootstrap.js';
import { makeRng, randInt } from '../../src/data/random.js';

test('identical systems: zero difference, never an improvement', () => {
  const words = Int32Array.from([5, 3, 8, 2]);
  const errs = Int32Array.from([1, 0, 2, 1]);
  const c = bootstrapWerComparison(errs, errs, words, { replications: 500, seed: 1 });
  assert.equal(c.probBBetter, 0);
  assert.deepEqual([c.delta.mean, c.delta.low, c.delta.high], [0, 0, 0]);
  assert.equal(c.werA, (100 * 4) / 18);
});

test('B better on every utterance: P = 1 and the whole difference interval is negative; seeded runs repeat', () => {
  const rng = makeRng(3, 'boot');
  const n = 60;
  const words = Int32Array.from({ length: n }, () => randInt(rng, 3, 9));
  const errsA = Int32Array.from(words, (w) => randInt(rng, 1, w));
  const errsB = Int32Array.from(errsA, (e) => e - 1);
  const c = bootstrapWerComparison(errsA, errsB, words, { replications: 2000, seed: 7 });
  assert.equal(c.probBBetter, 1);
  assert.ok(c.delta.high < 0 && c.delta.low <= c.delta.mean && c.delta.mean <= c.delta.high);
  // The bootstrap mean is close to the full-set WER (within two standard errors).
  assert.ok(Math.abs(c.a.mean - c.werA) < (c.a.high - c.a.low) / 1.96);
  assert.ok(c.a.low < c.werA && c.werA < c.a.high);
  assert.deepEqual(bootstrapWerComparison(errsA, errsB, words, { replications: 2000, seed: 7 }), c);
  const text = formatWerComparison(c);
  assert.match(text, /^Set1: %WER \d+\.\d\d 95% Conf Interval \[ \d+\.\d\d, \d+\.\d\d \]\nSet2: .*\nDelta \(Set2 - Set1\): %WER -\d+\.\d\d 95% Conf Interval \[ -\d+\.\d\d, -\d+\.\d\d \]\nProbability of Set2 improving Set1: 100\.00\n$/);
});

test('mixed systems: P strictly between 0 and 1 and the interval straddles the difference', () => {
  const rng = makeRng(4, 'mixed');
  const n = 40;
  const words = Int32Array.from({ length: n }, () => randInt(rng, 2, 8));
  const errsA = Int32Array.from(words, (w) => randInt(rng, 0, w));
  const errsB = Int32Array.from(words, (w) => randInt(rng, 0, w));
  const c = bootstrapWerComparison(errsA, errsB, words, { replications: 1000, seed: 2 });
  assert.ok(c.probBBetter > 0 && c.probBBetter < 1);
  assert.ok(c.delta.low < c.werB - c.werA && c.werB - c.werA < c.delta.high);
});

test('an empty reference or bad replications are input errors', () => {
  assert.throws(() => bootstrapWerComparison([1], [1], [0]), { name: 'InputError', message: 'wer-compare: the reference has no words, so WER is undefined; nothing to compare' });
  assert.throws(() => bootstrapWerComparison([1], [1], [2], { replications: 0 }), { name: 'InputError', message: '--replications 0: expected a positive integer' });
});
