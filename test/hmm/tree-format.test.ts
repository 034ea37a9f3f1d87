import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ContextTree } from '../../src/hmm/decision-tree.js';
import { formatTree, parseTree, readTree, writeTree } from '../../src/hmm/tree-format.js';
import { withTmp } from './helpers.js';

const phones = ['<eps>', 'SIL', 'A', 'B'];
const tree: ContextTree = {
  questions: [[1], [2, 3]],
  roots: [
    null,
    [{ pdf: 0 }, { pdf: 1 }],
    [{ key: 'right', question: 1, yes: { key: 'left', question: 0, yes: { pdf: 2 }, no: { pdf: 3 } }, no: { pdf: 2 } }],
    [{ pdf: 4 }],
  ],
  numPdfs: 5,
  occupancy: [10, 20, 30.5, 0, 7],
};

test('tree format: documented text, round trip through a file', async () => {
  const text = formatTree(tree, phones);
  assert.equal(
    text,
    'asr-distill-tree 1\ncontext-width 3 central-position 1\nnum-pdfs 5\noccupancy 10 20 30.5 0 7\nquestion 0 SIL\nquestion 1 A B\n' +
      'root SIL 0\n leaf 0\nroot SIL 1\n leaf 1\nroot A 0\n split right 1\n  split left 0\n   leaf 2\n   leaf 3\n  leaf 2\nroot B 0\n leaf 4\n',
  );
  assert.deepEqual(parseTree(text, phones, 'tree'), tree);
  await withTmp(async (dir) => {
    await writeTree(path.join(dir, 'tree'), tree, phones);
    assert.deepEqual(await readTree(path.join(dir, 'tree'), phones), tree);
    await assert.rejects(readTree(path.join(dir, 'nope'), phones), /nope: tree not found/);
  });
});

test('tree format: errors name the file and line', () => {
  const text = formatTree(tree, phones);
  assert.throws(() => parseTree(text.replace('leaf 4', 'leaf 9'), phones, 'exp/tri/tree'), {
    message: "exp/tri/tree line 18: pdf id 9 is not below num-pdfs 5; write trees with 'asr-distill train-tri'",
  });
  assert.throws(() => parseTree(text.replace('question 1 A B', 'question 1 A ZZ'), phones, 't'), /t line 6: phone 'ZZ' is not in phones.txt/);
  assert.throws(() => parseTree(text.replace('split left 0', 'split middle 0'), phones, 't'), /t line 13: expected 'leaf PDF' or 'split left\|right QUESTION'/);
  assert.throws(() => parseTree(text.replace(/ {3}leaf 3\n {2}leaf 2\nroot B 0\n leaf 4\n$/, ''), phones, 't'), /t line 15: the tree ends in the middle of a node/);
  assert.throws(() => parseTree('hello\n', phones, 't'), /t line 1: expected 'asr-distill-tree 1'/);
});
