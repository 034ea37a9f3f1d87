import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeTable1, renderTable1Markdown, werPercent, type SystemScores } from '../../src/report/table1.js';

const sys = (system: string, testAcc: number, errors: number): SystemScores => ({
  system,
  params: 1_234_567,
  flopsPerFrame: 2_469_000,
  devFrameAccuracy: testAcc + 0.01,
  testFrameAccuracy: testAcc,
  testWer: { errors, words: 400, ins: 1, del: 1, sub: errors - 2 },
});

test('werPercent is undefined without reference words', () => {
  assert.equal(werPercent({ errors: 3, words: 0, ins: 3, del: 0, sub: 0 }), undefined);
  assert.equal(werPercent({ errors: 10, words: 400, ins: 1, del: 1, sub: 8 }), 2.5);
});

test('computeTable1 derives gains, the recovered fraction and the seed spread', () => {
  const t = computeTable1({
    baseline: sys('baseline', 0.8, 20),
    ensemble: sys('ensemble', 0.84, 12),
    members: [sys('m1', 0.79, 22), sys('m2', 0.81, 18)],
    student: sys('distilled', 0.835, 14),
    baselineSeedAccuracies: [0.805, 0.798],
    settings: { temperature: 2 },
  });
  assert.ok(Math.abs(t.ensembleGain - 0.04) < 1e-12);
  assert.ok(Math.abs(t.studentGain - 0.035) < 1e-12);
  assert.ok(Math.abs((t.recoveredFraction ?? 0) - 0.875) < 1e-9);
  assert.ok(Math.abs(t.baselineSeedSpread - 0.007) < 1e-12);
  assert.equal(t.ensembleGainExceedsSeedSpread, true);
  assert.ok(Math.abs(t.memberMean.testFrameAccuracy - 0.8) < 1e-12);
  assert.equal(t.memberMean.testWerPercent, 5);
  const md = renderTable1Markdown(t);
  assert.match(md, /\| baseline \| 80\.00% \| 5\.00% \| 81\.00% \| 1\.23M \| 2\.47M \|/);
  assert.match(md, /recovered by the distilled model: 87\.5%/);
  assert.match(md, /the ensemble gain exceeds it/);
});

test('no ensemble gain gives an undefined recovered fraction, said in words', () => {
  const t = computeTable1({
    baseline: sys('baseline', 0.8, 20),
    ensemble: sys('ensemble', 0.79, 12),
    members: [],
    student: sys('distilled', 0.8, 14),
    baselineSeedAccuracies: [],
    sweep: [{ temperature: 2, hardWeight: 0.5, testFrameAccuracy: 0.81 }],
    settings: {},
  });
  assert.equal(t.recoveredFraction, undefined);
  const md = renderTable1Markdown(t);
  assert.match(md, /n\/a \(the ensemble did not improve on the baseline\)/);
  assert.match(md, /\| 2 \| 0\.5 \| 81\.00% \| n\/a \|/);
});

test('with per-utterance test counts the recovered fraction gets a bootstrap interval; the dev fraction is given too', () => {
  // 50 utterances of 10 frames: baseline 8, ensemble 9, student 8 or 9 alternately correct (recovers 50%).
  const n = 50;
  const numFrames = new Array(n).fill(10);
  const testCounts = {
    numFrames,
    baselineCorrect: new Array(n).fill(8),
    ensembleCorrect: new Array(n).fill(9),
    studentCorrect: Array.from({ length: n }, (_, i) => (i % 2 ? 9 : 8)),
  };
  const t = computeTable1({
    baseline: sys('baseline', 0.8, 20),
    ensemble: sys('ensemble', 0.9, 12),
    members: [],
    student: sys('distilled', 0.85, 14),
    baselineSeedAccuracies: [],
    testCounts,
    settings: {},
  });
  const ci = t.recoveredInterval!;
  assert.ok(Math.abs(ci.recovered - 0.5) < 1e-12);
  assert.ok(ci.low < 0.5 && ci.high > 0.5 && ci.low > 0.2 && ci.high < 0.8, `[${ci.low}, ${ci.high}]`);
  assert.equal(ci.probAtLeast, 0, 'never 80% when the student is right on at most every other frame it could gain');
  assert.ok(Math.abs((t.devRecoveredFraction ?? 0) - 0.5) < 1e-9);
  const md = renderTable1Markdown(t);
  assert.match(md, /95% interval from a paired bootstrap over the test utterances \(10000 resamples\): \[\d+%, \d+%\]; share of resamples with at least 80% recovered: 0%\./);
  assert.match(md, /On dev frame accuracy: 50\.0%\./);
});
