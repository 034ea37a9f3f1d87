import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPooledRecoveredFraction, bootstrapRecoveredFraction, bootstrapSums, bootstrapWerComparison, formatWerComparison } from '../../src/score/bootstrap.js';
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

test('bootstrapSums: every replication sums the columns over one draw of n utterances; rejected draws are redrawn; seeded', () => {
  const ones = [1, 1, 1, 1];
  const ids = [0, 1, 2, 3];
  const [n, idSum] = bootstrapSums([ones, ids], 's', { replications: 500, seed: 3 });
  assert.equal(n.length, 500);
  assert.ok(n.every((v) => v === 4), 'each draw has n utterances');
  assert.ok(idSum.every((v) => v >= 0 && v <= 12 && Number.isInteger(v)));
  assert.ok(new Set(idSum).size > 5, 'draws differ');
  assert.deepEqual(bootstrapSums([ones, ids], 's', { replications: 500, seed: 3 })[1], idSum, 'same seed, same draws');
  // Accept only draws without utterance 0: every accepted sum then counts no zero-id utterance.
  const [zeros] = bootstrapSums([[1, 0, 0, 0]], 's', { replications: 50, seed: 1 }, (sums) => sums[0] === 0);
  assert.ok(zeros.every((v) => v === 0));
  assert.throws(() => bootstrapSums([ones, [1]], 's'), /columns differ in length/);
});

test('bootstrapRecoveredFraction: the full-set fraction, an interval around it, and P(>= threshold)', () => {
  // 200 utterances of 100 frames: baseline 80, ensemble 82, student 81.5 correct frames on average
  // (recovers 75%), with per-utterance noise.
  const rng = makeRng(5, 'recovery');
  const n = 200;
  const frames = new Array(n).fill(100);
  const base: number[] = [];
  const ens: number[] = [];
  const stu: number[] = [];
  for (let i = 0; i < n; i++) {
    const level = randInt(rng, -5, 5);
    base.push(80 + level + randInt(rng, -2, 2));
    ens.push(82 + level + randInt(rng, -2, 2));
    stu.push(81.5 + level + randInt(rng, -2, 2));
  }
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const r = bootstrapRecoveredFraction({ numFrames: frames, baselineCorrect: base, ensembleCorrect: ens, studentCorrect: stu }, { replications: 2000, seed: 1 });
  assert.ok(Math.abs(r.recovered - (sum(stu) - sum(base)) / (sum(ens) - sum(base))) < 1e-12);
  assert.ok(r.low < r.recovered && r.recovered < r.high, `${r.low} < ${r.recovered} < ${r.high}`);
  assert.ok(r.high - r.low > 0.05 && r.high - r.low < 1, `interval width ${r.high - r.low}`);
  assert.ok(r.probAtLeast > 0 && r.probAtLeast < 1, `P ${r.probAtLeast}`);
  assert.equal(r.threshold, 0.8);
  // A student equal to the ensemble recovers everything in every resample.
  const all = bootstrapRecoveredFraction({ numFrames: frames, baselineCorrect: base, ensembleCorrect: ens, studentCorrect: ens }, { replications: 200 });
  assert.equal(all.recovered, 1);
  assert.equal(all.probAtLeast, 1);
  // No ensemble gain: the fraction is undefined on the full set.
  assert.ok(Number.isNaN(bootstrapRecoveredFraction({ numFrames: frames, baselineCorrect: base, ensembleCorrect: base, studentCorrect: stu }, { replications: 10 }).recovered));
});

test('bootstrapPooledRecoveredFraction: the recovered fraction of the mean gain over folds, resampled within each fold', () => {
  // Three folds of 150 utterances (100 frames): ensemble gains 3, 1 and 2 points, students 3, 0 and 1
  // (recovers 4 / 6 of the mean gain; the mean of per-fold ratios would be 0.61).
  const rng = makeRng(7, 'pooled');
  const fold = (e: number, s: number, frames = 100) => {
    const c = { numFrames: [] as number[], baselineCorrect: [] as number[], ensembleCorrect: [] as number[], studentCorrect: [] as number[] };
    for (let i = 0; i < 150; i++) {
      const level = 50 + randInt(rng, -20, 20);
      // A noise pattern shared by the three systems; exact gains of e and s frames per utterance on the full fold.
      const d = i % 2 === 0 ? 1 : -1;
      c.numFrames.push(frames);
      c.baselineCorrect.push(level);
      c.ensembleCorrect.push(level + e + d);
      c.studentCorrect.push(level + s - d);
    }
    return c;
  };
  const folds = [fold(3, 3), fold(1, 0), fold(2, 1)];
  const r = bootstrapPooledRecoveredFraction(folds, { replications: 1000, seed: 1 });
  assert.ok(Math.abs(r.recovered - 4 / 6) < 1e-12, `${r.recovered}`);
  assert.ok(r.low < r.recovered && r.recovered < r.high && r.high - r.low < 0.5, `[${r.low}, ${r.high}]`);
  assert.deepEqual(bootstrapPooledRecoveredFraction(folds, { replications: 1000, seed: 1 }), r, 'same seed, same interval');
  // Folds of other frame counts weigh as accuracies (means over folds), not as pooled frames.
  const big = fold(1, 0, 1000);
  assert.ok(Math.abs(bootstrapPooledRecoveredFraction([folds[0]!, big], { replications: 10 }).recovered - (0.03 + 0) / (0.03 + 0.001)) < 1e-12);
  // One fold: exactly bootstrapRecoveredFraction (the same draws).
  assert.deepEqual(bootstrapPooledRecoveredFraction([folds[1]!], { replications: 300, seed: 2 }), bootstrapRecoveredFraction(folds[1]!, { replications: 300, seed: 2 }));
  // A student recovering everything on every fold, in every resample.
  const all = bootstrapPooledRecoveredFraction(folds.map((c) => ({ ...c, studentCorrect: c.ensembleCorrect })), { replications: 100 });
  assert.equal(all.recovered, 1);
  assert.equal(all.probAtLeast, 1);
  assert.ok(Number.isNaN(bootstrapPooledRecoveredFraction(folds.map((c) => ({ ...c, ensembleCorrect: c.baselineCorrect })), { replications: 10 }).recovered));
  assert.throws(() => bootstrapPooledRecoveredFraction([]), /no test sets/);
});
