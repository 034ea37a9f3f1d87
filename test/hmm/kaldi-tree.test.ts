import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kaldiTreeToContextTree, parseKaldiTree } from '../../src/hmm/kaldi-tree.js';
import { treePdf } from '../../src/hmm/context-tree.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kaldi', 'tri');
const PHONES = ['<eps>', 'SIL', 'SPN', 'AA', 'AH', 'AY', 'N', 'T', 'UW', 'W'];
const CLASSES = PHONES.map((p, i) => (i === 0 ? null : p === 'SIL' || p === 'SPN' ? [0, 1, 2, 3, 4] : [0, 1, 2]));
const IDENTITY = PHONES.map((_, i) => i);

test('parseKaldiTree reads CE, TE, SE and NULL as Kaldi writes them', () => {
  const cd = parseKaldiTree('ContextDependency 3 1 ToPdf TE 1 3 ( NULL CE 7 SE -1 [ 0 ]\n{ CE 1 CE 2 } \n) \nEndContextDependency \n', 't');
  assert.deepEqual(cd, {
    contextWidth: 3,
    centralPosition: 1,
    toPdf: { kind: 'TE', key: 1, table: [null, { kind: 'CE', answer: 7 }, { kind: 'SE', key: -1, yesSet: [0], yes: { kind: 'CE', answer: 1 }, no: { kind: 'CE', answer: 2 } }] },
  });
});

test('parseKaldiTree errors name the file, the line and what to run', () => {
  assert.throws(() => parseKaldiTree('ContextDependency 3 1 ToPdf TE 1 2 ( NULL\nXE 3 ) EndContextDependency', 'tree.txt'), {
    message: "tree.txt line 2: expected an EventMap (NULL, CE, TE or SE), got 'XE'; write it with Kaldi's 'copy-tree --binary=false exp/tri1/tree tree.txt'",
  });
  assert.throws(() => parseKaldiTree('\0B ContextDependency', 'tree'), { message: /^tree: a binary Kaldi file; write it with Kaldi's 'copy-tree --binary=false/ });
  assert.throws(() => parseKaldiTree('ContextDependency 3 1 ToPdf CE 0', 'tree.txt'), { message: /^tree\.txt line 1: expected 'EndContextDependency', got the end of the file;/ });
  assert.throws(() => parseKaldiTree('ContextDependency 3 5 ToPdf CE 0 EndContextDependency', 't'), { message: /central position 5 is outside the context width 3/ });
});

test('kaldiTreeToContextTree: the fixture tree gives Kaldi pdfs in left and right contexts', () => {
  const cd = parseKaldiTree(readFileSync(path.join(FIXTURES, 'tree.txt'), 'utf8'), 'tree.txt');
  const tree = kaldiTreeToContextTree(cd, { phoneIds: IDENTITY, pdfClasses: CLASSES, phoneNames: PHONES, numPdfs: 35, file: 'tree.txt' });
  const [SIL, , AA, AH, AY, N, T, UW] = [1, 2, 3, 4, 5, 6, 7, 8];
  // fixture README: AA state 0 asks the left phone (edge/SIL/SPN), AH state 2 and N state 2 the right, UW state 2 the left.
  assert.equal(treePdf(tree, 0, AA, N, 0), 10);
  assert.equal(treePdf(tree, SIL, AA, N, 0), 10);
  assert.equal(treePdf(tree, T, AA, N, 0), 11);
  assert.equal(treePdf(tree, T, AA, N, 2), 13);
  assert.equal(treePdf(tree, 0, AH, N, 2), 16);
  assert.equal(treePdf(tree, 0, AH, AY, 2), 17);
  assert.equal(treePdf(tree, AY, N, 0, 2), 23);
  assert.equal(treePdf(tree, AY, N, AY, 2), 24);
  assert.equal(treePdf(tree, AY, N, AY, 1), 22);
  assert.equal(treePdf(tree, T, UW, 0, 2), 30);
  assert.equal(treePdf(tree, AA, UW, 0, 2), 31);
  assert.equal(treePdf(tree, AA, SIL, T, 4), 4);
  // Questions are the yes-sets on context keys, shared when equal (AA's left and N's right ask the same set).
  assert.deepEqual(tree.questions, [[0, 1, 2], [6, 7], [7]]);
});

test('kaldiTreeToContextTree maps phone ids by name, drops unknown phones from questions, and refuses what it cannot represent', () => {
  // Kaldi numbers B=1, A=2 (ids swapped against ours); phone 3 of Kaldi is not ours.
  const cd = parseKaldiTree('ContextDependency 3 1 ToPdf TE 1 3 ( NULL TE -1 1 ( SE 2 [ 2 3 ] { CE 0 CE 1 } ) TE -1 1 ( CE 2 ) ) EndContextDependency', 't');
  const tree = kaldiTreeToContextTree(cd, { phoneIds: [0, 2, 1, -1], pdfClasses: [null, [0], [0]], phoneNames: ['<eps>', 'A', 'B'], numPdfs: 3, file: 't' });
  assert.deepEqual(tree.questions, [[1]]);
  assert.equal(treePdf(tree, 0, 2, 1, 0), 0);
  assert.equal(treePdf(tree, 0, 2, 2, 0), 1);
  assert.equal(treePdf(tree, 0, 1, 0, 0), 2);
  const opts = { phoneIds: IDENTITY, pdfClasses: [null, [0]], phoneNames: ['<eps>', 'A'], numPdfs: 1, file: 'tree.txt' };
  assert.throws(() => kaldiTreeToContextTree(parseKaldiTree('ContextDependency 3 1 ToPdf TE 1 1 ( NULL ) EndContextDependency', 't'), opts), {
    message: 'tree.txt: the tree gives no pdf for phone A (Kaldi id 1) pdf-class 0 (a NULL entry); is it the tree of this transition model and phone set?',
  });
  assert.throws(() => kaldiTreeToContextTree(parseKaldiTree('ContextDependency 3 1 ToPdf CE 4 EndContextDependency', 't'), opts), { message: "tree.txt: phone A (Kaldi id 1) pdf-class 0 leads to pdf 4, outside the transition model's 1 pdfs" });
  assert.throws(() => kaldiTreeToContextTree(parseKaldiTree('ContextDependency 5 2 ToPdf CE 0 EndContextDependency', 't'), opts), { message: /context width 5 with central position 2; only monophone/ });
  assert.throws(() => kaldiTreeToContextTree(parseKaldiTree('ContextDependency 3 1 ToPdf TE 0 1 ( CE 0 ) EndContextDependency', 't'), opts), { message: /a table \(TE\) on the left phone is not supported/ });
  // A monophone tree (width 1) has no context questions.
  const mono = kaldiTreeToContextTree(parseKaldiTree('ContextDependency 1 0 ToPdf TE 0 2 ( NULL CE 0 ) EndContextDependency', 't'), opts);
  assert.deepEqual(mono.roots[1], [{ pdf: 0 }]);
});
