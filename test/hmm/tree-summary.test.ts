import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContextTree } from '../../src/hmm/decision-tree.js';
import { formatTreeSummary, summarizeTree } from '../../src/hmm/tree-summary.js';

const phones = ['<eps>', 'SIL', 'A', 'B'];
const tree: ContextTree = {
  questions: [[1], [2, 3]],
  roots: [
    null,
    [{ pdf: 0 }],
    [{ key: 'right', question: 1, yes: { key: 'left', question: 0, yes: { pdf: 1 }, no: { pdf: 2 } }, no: { pdf: 1 } }, { key: 'right', question: 1, yes: { pdf: 3 }, no: { pdf: 4 } }],
    [{ pdf: 5 }],
  ],
  numPdfs: 6,
  occupancy: [10, 20, 0, 7, 8, 100],
};

test('summarizeTree: size, questions used by side, occupancy, tied states per phone', () => {
  const s = summarizeTree(tree, phones);
  assert.deepEqual(
    { numPdfs: s.numPdfs, numRoots: s.numRoots, numSplits: s.numSplits, numLeaves: s.numLeaves, occupancy: s.occupancy },
    { numPdfs: 6, numRoots: 4, numSplits: 3, numLeaves: 7, occupancy: { min: 0, median: 10, max: 100, empty: 1 } },
  );
  assert.deepEqual(s.questionsUsed, [
    { question: 1, key: 'right', splits: 2, phones: ['A', 'B'] },
    { question: 0, key: 'left', splits: 1, phones: ['SIL'] },
  ]);
  assert.deepEqual(s.perPhone, [
    { phone: 'SIL', pdfs: 1, perState: [1] },
    { phone: 'A', pdfs: 4, perState: [2, 2] },
    { phone: 'B', pdfs: 1, perState: [1] },
  ]);
  assert.equal(
    formatTreeSummary(s, 'exp/tri/tree'),
    'exp/tri/tree: 6 tied states (pdfs) from 4 phone-state trees; 3 splits, 7 leaves\n' +
      'leaf occupancy (frames): min 0, median 10, max 100; 1 tied state(s) without data\n' +
      'questions used: 2 of 2\n' +
      '     2 split(s) on the right phone in question 1: A B\n' +
      '     1 split(s) on the left  phone in question 0: SIL\n' +
      'tied states per phone (per HMM state):\n' +
      '  SIL       1  (1)\n  A         4  (2 2)\n  B         1  (1)\n',
  );
});
