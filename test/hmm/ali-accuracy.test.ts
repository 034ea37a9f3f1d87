import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accumulateAccuracy, accuracyReport, formatAccuracyReport, matchLabels, normalizePhone, parseCtm, type AccuracyCounts } from '../../src/hmm/ali-accuracy.js';

const zero = (): AccuracyCounts => ({ utterances: 0, boundaries: 0, matched: 0, within: 0, sumAbsErrorMs: 0, frames: 0, agree: 0 });

test('parseCtm sorts by start, drops zero-length segments, and names bad lines', () => {
  const m = parseCtm('u1 1 0.30 0.10 AH\nu1 1 0.00 0.30 SIL\nu1 1 0.40 0 T\n;; comment\n\nu2 1 0 1 SIL\n', 'ref.ctm');
  assert.deepEqual(m.get('u1'), [{ start: 0, duration: 0.3, label: 'SIL' }, { start: 0.3, duration: 0.1, label: 'AH' }]);
  assert.throws(() => parseCtm('u1 1 x 0.1 AH\n', 'ref.ctm'), { message: "ref.ctm line 1: expected 'uttid channel start duration phone', got 'u1 1 x 0.1 AH'" });
});

test('normalizePhone and matchLabels', () => {
  assert.equal(normalizePhone('ah1', 'SIL'), 'AH');
  assert.equal(normalizePhone('sp', 'SIL'), 'SIL');
  assert.equal(normalizePhone('', 'SIL'), 'SIL');
  assert.deepEqual(matchLabels(['SIL', 'W', 'AH', 'N', 'SIL'], ['SIL', 'W', 'AA', 'N', 'SIL']), [[0, 0], [1, 1], [3, 3], [4, 4]]);
  assert.deepEqual(matchLabels(['SIL', 'W', 'AH', 'N', 'SIL'], ['SIL', 'W', 'AH', 'SIL', 'N', 'SIL']), [[0, 0], [1, 1], [2, 2], [3, 4], [4, 5]]);
});

test('accumulateAccuracy: boundaries at t*shift + (length-shift)/2, frames at their centres', () => {
  const acc = zero();
  // Reference: SIL [0, 0.1075), AH [0.1075, 0.2475), SIL [0.2475, 0.35).
  const ref = [{ start: 0, duration: 0.1075, label: 'SIL' }, { start: 0.1075, duration: 0.14, label: 'AH' }, { start: 0.2475, duration: 0.1025, label: 'SIL' }];
  // Ours: SIL frames 0-9, AH 10-16 (ends 7 frames = 70 ms early: boundary at frame 17), SIL 17-32.
  const segs = [{ phoneId: 1, startFrame: 0, numFrames: 10 }, { phoneId: 2, startFrame: 10, numFrames: 7 }, { phoneId: 1, startFrame: 17, numFrames: 16 }];
  accumulateAccuracy(acc, ref, segs, ['SIL', 'AH', 'SIL'], { frameShiftMs: 10, frameLengthMs: 25, toleranceMs: 20 });
  assert.equal(acc.boundaries, 2);
  assert.equal(acc.matched, 2);
  assert.equal(acc.within, 1, 'first boundary exact, second 70 ms off');
  assert.ok(Math.abs(acc.sumAbsErrorMs - 70) < 1e-6);
  // Frame centres t*10+12.5 ms within [0, 350): t = 0..33, we have 33 frames; AH frames 17..23 of the reference are SIL in ours.
  assert.equal(acc.frames, 33);
  assert.equal(acc.agree, 33 - 7);
  const r = accuracyReport(acc, 1, 2, 20);
  assert.equal(r.boundaries.share, 0.5);
  assert.equal(r.boundaries.meanAbsErrorMs, 35);
  assert.equal(
    formatAccuracyReport(r),
    'ali-accuracy: 1 utterances compared (1 without reference, 2 not aligned)\n' +
      'boundaries within 20 ms: 50.00% (1 / 2; 2 matched, mean |error| 35.0 ms)\n' +
      'frame phone agreement: 78.79% (26 / 33)\n',
  );
});

test('accumulateAccuracy by boundary type: counts, signed median error, worst type first', () => {
  const acc: AccuracyCounts = { ...zero(), byType: new Map() };
  const ref = [{ start: 0, duration: 0.1075, label: 'SIL' }, { start: 0.1075, duration: 0.14, label: 'AH' }, { start: 0.2475, duration: 0.1025, label: 'SIL' }];
  const segs = [{ phoneId: 1, startFrame: 0, numFrames: 10 }, { phoneId: 2, startFrame: 10, numFrames: 7 }, { phoneId: 1, startFrame: 17, numFrames: 16 }];
  const opts = { frameShiftMs: 10, frameLengthMs: 25, toleranceMs: 20 };
  accumulateAccuracy(acc, ref, segs, ['SIL', 'AH', 'SIL'], opts);
  // Second utterance: we say AA for AH, so neither of its boundaries is matched.
  const ref2 = [{ start: 0, duration: 0.1075, label: 'SIL' }, { start: 0.1075, duration: 0.15, label: 'AH' }, { start: 0.2575, duration: 0.1, label: 'SIL' }];
  const segs2 = [{ phoneId: 1, startFrame: 0, numFrames: 10 }, { phoneId: 3, startFrame: 10, numFrames: 18 }, { phoneId: 1, startFrame: 28, numFrames: 5 }];
  accumulateAccuracy(acc, ref2, segs2, ['SIL', 'AA', 'SIL'], opts);
  assert.deepEqual([...acc.byType!.keys()], ['SIL>AH', 'AH>SIL']);
  const silAh = acc.byType!.get('SIL>AH')!;
  assert.deepEqual({ ...silAh, errorsMs: silAh.errorsMs.length }, { total: 2, matched: 1, within: 1, errorsMs: 1 });
  assert.ok(Math.abs(silAh.errorsMs[0]) < 1e-9);
  assert.ok(Math.abs(acc.byType!.get('AH>SIL')!.errorsMs[0] + 70) < 1e-6, 'signed: ours is 70 ms early');
  const r = accuracyReport(acc, 0, 0, 20);
  assert.deepEqual(r.boundaryTypes, [
    { type: 'AH>SIL', total: 2, matched: 1, within: 0, medianErrorMs: acc.byType!.get('AH>SIL')!.errorsMs[0] },
    { type: 'SIL>AH', total: 2, matched: 1, within: 1, medianErrorMs: silAh.errorsMs[0] },
  ]);
  assert.match(formatAccuracyReport(r, 1), /boundary types with the most misses \(ours - reference\):\n  AH>SIL\s+0 \/\s+2 within \(\s+1 unmatched\), median error -70\.0 ms\n$/);
  assert.doesNotMatch(formatAccuracyReport(r), /boundary types/);
});
