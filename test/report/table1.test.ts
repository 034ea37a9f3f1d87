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
