import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareUttWers, computeTable1, renderTable1Markdown, werPercent, type SystemScores } from '../../src/report/table1.js';
import { bootstrapWerComparison } from '../../src/score/bootstrap.js';

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
  assert.doesNotMatch(md, /GMM-HMM systems/);
});

test('the GMM systems (mono and triphone) get their own table with dev and test WER; the DNNs\' pdf count is stated', () => {
  const t = computeTable1({
    baseline: sys('baseline', 0.8, 20),
    ensemble: sys('ensemble', 0.84, 12),
    members: [sys('m1', 0.79, 22)],
    student: sys('distilled', 0.835, 14),
    baselineSeedAccuracies: [0.805],
    gmm: [
      { system: 'monophone GMM', numPdfs: 70, numGauss: 600, devWer: { errors: 8, words: 200, ins: 0, del: 0, sub: 8 }, testWer: { errors: 24, words: 400, ins: 2, del: 2, sub: 20 } },
      { system: 'triphone GMM (tied states)', numPdfs: 180, numGauss: 720, testWer: { errors: 16, words: 400, ins: 1, del: 1, sub: 14 } },
    ],
    dnnNumPdfs: 180,
    settings: {},
  });
  assert.deepEqual(t.gmm?.map((g) => [g.devWerPercent, g.testWerPercent]), [[4, 6], [undefined, 4]]);
  const md = renderTable1Markdown(t);
  assert.match(md, /The DNNs predict 180 HMM states/);
  assert.match(md, /\| monophone GMM \| 70 \| 600 \| 4\.00% \| 6\.00% \|/);
  assert.match(md, /\| triphone GMM \(tied states\) \| 180 \| 720 \| n\/a \| 4\.00% \|/);
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

test('compareUttWers pairs the systems by utterance and agrees with wer-compare; an unpaired utterance is an error', () => {
  const utt = (uttId: string, numWords: number, sub: number, del = 0) => ({ uttId, numWords, sub, ins: 0, del });
  const a = [utt('u1', 4, 1), utt('u2', 5, 0), utt('u3', 3, 2, 1)];
  // Same utterances in another order: paired by id, not position.
  const b = [utt('u3', 3, 0), utt('u1', 4, 0), utt('u2', 5, 1)];
  const c = compareUttWers(a, b, 'test');
  const direct = bootstrapWerComparison([1, 0, 3], [0, 1, 0], [4, 5, 3], { seed: 0 });
  assert.deepEqual(c, direct);
  assert.ok(Math.abs(c.werA - 100 * (4 / 12)) < 1e-9 && Math.abs(c.werB - 100 * (1 / 12)) < 1e-9);
  assert.throws(() => compareUttWers(a, [utt('u1', 4, 0), utt('u2', 5, 0), utt('u9', 3, 0)], 'test WER'), { name: 'InputError', message: /test WER: test utterance u3 is scored for one system only/ });
  assert.throws(() => compareUttWers(a, b.slice(0, 2), 'test WER'), { name: 'InputError', message: /scored on 3 and 2 test utterances/ });
});

test('with per-utterance word errors the report gives each WER difference from the baseline with its interval', () => {
  // 40 utterances of 5 words: the baseline errs once on every 4th, the student on every 8th, the ensemble like the baseline.
  const utts = (every: number) => Array.from({ length: 40 }, (_, i) => ({ uttId: `u${i}`, numWords: 5, sub: i % every === 0 ? 1 : 0, ins: 0, del: 0 }));
  const t = computeTable1({
    baseline: sys('baseline', 0.8, 10),
    ensemble: sys('ensemble', 0.84, 10),
    members: [],
    student: sys('distilled', 0.83, 5),
    baselineSeedAccuracies: [],
    testUttWers: { baseline: utts(4), ensemble: utts(4), student: utts(8) },
    settings: {},
  });
  const s = t.werVsBaseline!.student;
  assert.ok(Math.abs(s.werB - s.werA - -2.5) < 1e-9, 'distilled - baseline = 5/200 - 10/200');
  assert.ok(s.delta.low < -2.5 && s.delta.high < 0 && s.probBBetter > 0.95, JSON.stringify(s.delta));
  assert.equal(t.werVsBaseline!.ensemble.delta.mean, 0);
  const md = renderTable1Markdown(t);
  assert.match(md, /Test WER minus the baseline's \(paired bootstrap over the test utterances, 10000 resamples, as `wer-compare`\): distilled -2\.\d\d points, 95% interval \[-\d\.\d\d, -\d\.\d\d\], fewer errors than the baseline in \d+% of resamples; ensemble 0\.00 points, 95% interval \[0\.00, 0\.00\], 0%\./);
  assert.doesNotMatch(renderTable1Markdown({ ...t, werVsBaseline: undefined }), /Test WER minus/);
});

test('with per-word error counts the report lists the most frequent test word errors per system', () => {
  const none = { substitutions: [], deletions: [], insertions: [] };
  const t = computeTable1({
    baseline: sys('baseline', 0.8, 10),
    ensemble: sys('ensemble', 0.84, 12),
    members: [],
    student: sys('distilled', 0.83, 9),
    baselineSeedAccuracies: [],
    testWordErrors: { baseline: { ...none, deletions: [{ word: 'oh', count: 6 }] }, ensemble: { ...none, deletions: [{ word: 'oh', count: 9 }] }, student: { ...none, substitutions: [{ ref: 'five', hyp: 'nine', count: 2 }] } },
    settings: {},
  });
  assert.deepEqual(t.wordErrors?.map((r) => r.error), ['oh deleted', 'five -> nine']);
  const md = renderTable1Markdown(t);
  assert.match(md, /## Most frequent test word errors\n\n\| error \| baseline \| ensemble \| distilled \|\n\| --- \| --- \| --- \| --- \|\n\| oh deleted \| 6 \| 9 \| 0 \|\n\| five -> nine \| 0 \| 0 \| 2 \|\n\| \(all errors\) \| 10 \| 12 \| 9 \|/);
  assert.doesNotMatch(renderTable1Markdown({ ...t, wordErrors: undefined }), /Most frequent/);
});

test("a paper-setup student gets its own row and recovered fraction with the same bootstrap interval", () => {
  // 40 utterances of 10 frames: baseline 8, ensemble 10, paper student 9 correct everywhere (recovers 50%).
  const n = 40;
  const counts = (student: number) => ({ numFrames: new Array(n).fill(10), baselineCorrect: new Array(n).fill(8), ensembleCorrect: new Array(n).fill(10), studentCorrect: new Array(n).fill(student) });
  const t = computeTable1({
    baseline: sys('baseline', 0.8, 20),
    ensemble: sys('ensemble', 1.0, 12),
    members: [],
    student: sys('distilled', 0.95, 14),
    paperStudent: sys("distilled (paper's setup)", 0.9, 16),
    baselineSeedAccuracies: [],
    testCounts: counts(9.5),
    paperTestCounts: counts(9),
    settings: {},
  });
  assert.deepEqual(t.rows.map((r) => r.system), ['baseline', 'ensemble', 'distilled', "distilled (paper's setup)"]);
  assert.ok(Math.abs((t.recoveredFraction ?? 0) - 0.75) < 1e-9);
  const ps = t.paperStudent!;
  assert.ok(Math.abs(ps.gain - 0.1) < 1e-12);
  assert.ok(Math.abs((ps.recoveredFraction ?? 0) - 0.5) < 1e-9);
  // Every utterance recovers exactly half: every resample does too.
  assert.ok(Math.abs(ps.recoveredInterval!.low - 0.5) < 1e-9 && Math.abs(ps.recoveredInterval!.high - 0.5) < 1e-9);
  const md = renderTable1Markdown(t);
  assert.match(md, /\| distilled \(paper's setup\) \| 90\.00% \| 4\.00% \|/);
  assert.match(md, /Distilled with the paper's setup \(soft targets on the training frames plus the hard labels, nothing else\): \+10\.00 points over the baseline, 50\.0% of the ensemble's gain recovered \(95% interval \[50%, 50%\], same bootstrap\)\./);
  // The word-error table keeps its three columns.
  const withWords = renderTable1Markdown({ ...t, wordErrors: [{ error: 'oh -> four', counts: { baseline: 1, ensemble: 0, student: 0 } }] });
  assert.match(withWords, /\n\| \(all errors\) \| 20 \| 12 \| 14 \|\n/);
  // Without one, neither row nor line.
  const plain = computeTable1({ baseline: sys('baseline', 0.8, 20), ensemble: sys('ensemble', 1.0, 12), members: [], student: sys('distilled', 0.95, 14), baselineSeedAccuracies: [], settings: {} });
  assert.equal(plain.paperStudent, undefined);
  assert.doesNotMatch(renderTable1Markdown(plain), /paper's setup/);
});
