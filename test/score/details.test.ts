import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAlignments, formatDetails, werToJson, wordErrorStats } from '../../src/score/details.js';
import { scoreTranscripts } from '../../src/score/wer.js';
import { parseTranscript } from '../../src/score/text-file.js';

const ref = parseTranscript('u1 the cat sat\nu2 one two\nu3\n', 'ref');
const hyp = parseTranscript('u1 the bat sat down\nu2 two\nu3 oh\n', 'hyp');

test('formatAlignments prints sclite-pra-like aligned rows with counts per utterance', () => {
  const r = scoreTranscripts(ref, hyp);
  assert.equal(
    formatAlignments(r),
    'id: (u1)\nScores: (#C #S #D #I) 2 1 0 1\nREF:  the cat sat ***\nHYP:  the bat sat down\nEval:     S       I\n\n' +
      'id: (u2)\nScores: (#C #S #D #I) 1 0 1 0\nREF:  one two\nHYP:  *** two\nEval: D\n\n' +
      'id: (u3)\nScores: (#C #S #D #I) 0 0 0 1\nREF:  ***\nHYP:  oh\nEval: I\n\n',
  );
});

test('wordErrorStats counts substitutions, deletions, insertions and per-word errors', () => {
  const st = wordErrorStats(scoreTranscripts(ref, hyp));
  assert.deepEqual(st.substitutions, [{ ref: 'cat', hyp: 'bat', count: 1 }]);
  assert.deepEqual(st.deletions, [{ word: 'one', count: 1 }]);
  assert.deepEqual(st.insertions, [{ word: 'down', count: 1 }, { word: 'oh', count: 1 }]);
  const the = st.perWord.find((e) => e.word === 'the')!;
  assert.deepEqual(the, { word: 'the', correct: 1, errors: 0, inRef: 1, inHyp: 1 });
  const cat = st.perWord.find((e) => e.word === 'cat')!;
  assert.deepEqual(cat, { word: 'cat', correct: 0, errors: 1, inRef: 1, inHyp: 0 });
});

test('formatDetails holds the summary, the alignments and the per-word sections', () => {
  const s = formatDetails(scoreTranscripts(ref, hyp));
  assert.ok(s.startsWith('%WER 80.00 [ 4 / 5, 2 ins, 1 del, 1 sub ]\n'));
  for (const h of ['ALIGNMENTS (minimum edit distance)', 'SUBSTITUTIONS: count ref -> hyp\n1   cat -> bat\n', 'DELETIONS: count ref\n1   one\n', 'INSERTIONS: count hyp\n1   down\n1   oh\n', 'PER-WORD STATS']) {
    assert.ok(s.includes(h), h);
  }
});

test('werToJson carries the totals, the per-utterance counts and the per-word error counts', () => {
  const j = werToJson(scoreTranscripts(ref, hyp)) as { errors: number; utts: { uttId: string; del: number }[]; wordErrors: ReturnType<typeof wordErrorStats> };
  assert.equal(j.errors, 4);
  assert.deepEqual(j.utts.map((u) => [u.uttId, u.del]), [['u1', 0], ['u2', 1], ['u3', 0]]);
  assert.deepEqual(j.wordErrors, { substitutions: [{ ref: 'cat', hyp: 'bat', count: 1 }], deletions: [{ word: 'one', count: 1 }], insertions: [{ word: 'down', count: 1 }, { word: 'oh', count: 1 }] });
});
