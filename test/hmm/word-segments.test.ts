import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wordSegments } from '../../src/hmm/word-segments.js';
import { InputError } from '../../src/errors.js';

// phones: 0 <eps>, 1 SIL, 2 F, 3 AO, 4 R, 5 OW, 6 TH, 7 IY
const phones = ['<eps>', 'SIL', 'F', 'AO', 'R', 'OW', 'TH', 'IY'];
const lexicon = new Map([
  ['four', [['F', 'AO', 'R'], ['F', 'AO']]],
  ['oh', [['OW']]],
  ['three', [['TH', 'R', 'IY']]],
]);
const sil = new Set(['SIL']);
/** Phone instances back to back from frame 0, each `len` frames. */
const segs = (ids: number[], len = 3) => ids.map((phoneId, i) => ({ phoneId, startFrame: i * len, numFrames: len }));

test('wordSegments: silence between words belongs to none; a word spans its phone instances', () => {
  const w = wordSegments('u1', segs([1, 6, 4, 7, 1, 5, 1]), phones, ['three', 'oh'], lexicon, sil);
  assert.deepEqual(w, [
    { word: 'three', startFrame: 3, numFrames: 9 },
    { word: 'oh', startFrame: 15, numFrames: 3 },
  ]);
});

test('wordSegments: a second pronunciation is tried when the first leaves the rest unmatched ("four three": F AO TH R IY)', () => {
  // F AO R would take nothing here; "four oh" with F AO R OW takes the first, "four three" needs F AO.
  assert.deepEqual(
    wordSegments('u2', segs([2, 3, 6, 4, 7]), phones, ['four', 'three'], lexicon, sil).map((s) => [s.word, s.startFrame, s.numFrames]),
    [['four', 0, 6], ['three', 6, 9]],
  );
  assert.deepEqual(
    wordSegments('u3', segs([2, 3, 4, 5]), phones, ['four', 'oh'], lexicon, sil).map((s) => [s.word, s.numFrames]),
    [['four', 9], ['oh', 3]],
  );
});

test('wordSegments: phones that do not spell the transcript, or an unknown word, are an InputError naming the utterance', () => {
  assert.throws(() => wordSegments('u4', segs([6, 4, 7, 5]), phones, ['three'], lexicon, sil), (e: Error) => e instanceof InputError && /utterance u4: the aligned phones \(TH R IY OW\) do not spell its transcript \(three\)/.test(e.message));
  assert.throws(() => wordSegments('u5', segs([5]), phones, ['five'], lexicon, sil), /utterance u5: word 'five' is not in the lexicon/);
});
