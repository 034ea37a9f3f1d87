import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topWordErrors } from '../../src/report/word-errors.js';

test('topWordErrors merges the three systems, most frequent first, with 0 where a system never made the error', () => {
  const rows = topWordErrors(
    {
      baseline: { substitutions: [{ ref: 'five', hyp: 'nine', count: 3 }], deletions: [{ word: 'oh', count: 10 }], insertions: [] },
      ensemble: { substitutions: [], deletions: [{ word: 'oh', count: 12 }], insertions: [{ word: 'oh', count: 1 }] },
      student: { substitutions: [{ ref: 'five', hyp: 'nine', count: 1 }, { ref: 'two', hyp: 'eight', count: 1 }], deletions: [{ word: 'oh', count: 14 }], insertions: [] },
    },
    3,
  );
  assert.deepEqual(rows, [
    { error: 'oh deleted', counts: { baseline: 10, ensemble: 12, student: 14 } },
    { error: 'five -> nine', counts: { baseline: 3, ensemble: 0, student: 1 } },
    // 'oh inserted' and 'two -> eight' tie at 1: by name.
    { error: 'oh inserted', counts: { baseline: 0, ensemble: 1, student: 0 } },
  ]);
  assert.deepEqual(topWordErrors({ baseline: { substitutions: [], deletions: [], insertions: [] }, ensemble: { substitutions: [], deletions: [], insertions: [] }, student: { substitutions: [], deletions: [], insertions: [] } }, 5), []);
});
