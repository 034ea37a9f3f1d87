import { test } from 'node:test';
import assert from 'node:assert/strict';
import { speakerBreakdown, type UttWer } from '../../src/report/speakers.js';
import { computeTable1, renderTable1Markdown, type SystemScores } from '../../src/report/table1.js';

const frames = {
  uttIds: ['a-1', 'b-1', 'a-2'],
  numFrames: [100, 50, 100],
  correct: { baseline: [70, 40, 80], ensemble: [80, 40, 90], student: [75, 45, 85] },
};
const spk = (id: string) => id.split('-')[0];
const uw = (uttId: string, numWords: number, sub: number, ins = 0, del = 0): UttWer => ({ uttId, numWords, sub, ins, del });

test('speakerBreakdown: frame accuracy, recovered share and WER per speaker, in order of appearance', () => {
  const wers = {
    baseline: [uw('a-1', 4, 1), uw('b-1', 2, 0, 1), uw('a-2', 6, 0, 0, 2)],
    ensemble: [uw('a-1', 4, 0), uw('b-1', 2, 0), uw('a-2', 6, 1)],
    student: [uw('a-1', 4, 1), uw('b-1', 2, 0), uw('a-2', 6, 0)],
  };
  const rows = speakerBreakdown(spk, frames, wers);
  assert.deepEqual(rows.map((r) => [r.speaker, r.numUtts, r.numFrames]), [['a', 2, 200], ['b', 1, 50]]);
  assert.deepEqual(rows[0].frameAccuracy, { baseline: 0.75, ensemble: 0.85, student: 0.8 });
  assert.equal(rows[0].recoveredFraction, 0.5);
  // Speaker b: the ensemble does not gain, so no recovered share.
  assert.equal(rows[1].recoveredFraction, undefined);
  assert.deepEqual(rows[0].wer?.baseline, { errors: 3, words: 10, ins: 0, del: 2, sub: 1 });
  assert.deepEqual(rows[1].wer?.baseline, { errors: 1, words: 2, ins: 1, del: 0, sub: 0 });
  assert.equal(rows[0].wer?.ensemble.errors, 1);
  // Without per-utterance WER counts there is no WER column.
  assert.equal(speakerBreakdown(spk, frames)[0].wer, undefined);
});

test('speakerBreakdown: an utterance without a speaker is named', () => {
  assert.throws(() => speakerBreakdown((id) => (id === 'b-1' ? undefined : 'a'), frames), {
    name: 'InputError',
    message: /test utterance b-1 has no speaker in the test features/,
  });
});

test('renderTable1Markdown: the per-speaker table', () => {
  const sys = (system: string, acc: number): SystemScores => ({ system, params: 10, flopsPerFrame: 20, devFrameAccuracy: acc, testFrameAccuracy: acc });
  const speakers = speakerBreakdown(spk, frames, {
    baseline: [uw('a-1', 4, 1), uw('b-1', 2, 0), uw('a-2', 6, 0)],
    ensemble: [uw('a-1', 4, 0), uw('b-1', 2, 0), uw('a-2', 6, 0)],
    student: [uw('a-1', 4, 0), uw('b-1', 2, 1), uw('a-2', 6, 0)],
  });
  const t = computeTable1({ baseline: sys('baseline', 0.76), ensemble: sys('ensemble', 0.84), members: [], student: sys('distilled', 0.82), baselineSeedAccuracies: [], speakers, settings: {} });
  assert.equal(t.speakers?.length, 2);
  const md = renderTable1Markdown(t);
  assert.match(md, /## Per test speaker/);
  assert.match(md, /\| a \| 2 \| 200 \| 75\.00% \/ 85\.00% \/ 80\.00% \| 50% \| 10\.00% \/ 0\.00% \/ 0\.00% \|/);
  assert.match(md, /\| b \| 1 \| 50 \| 80\.00% \/ 80\.00% \/ 90\.00% \| n\/a \| 0\.00% \/ 0\.00% \/ 50\.00% \|/);
  // Without speakers, no section.
  assert.doesNotMatch(renderTable1Markdown(computeTable1({ baseline: sys('baseline', 0.76), ensemble: sys('ensemble', 0.84), members: [], student: sys('distilled', 0.82), baselineSeedAccuracies: [], settings: {} })), /Per test speaker/);
});
