import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kaldiToTransitionModel, kaldiTransitionIdTables, parseKaldiTransitionModel } from '../../src/hmm/kaldi-transition-model.js';
import { parseKaldiTree } from '../../src/hmm/kaldi-tree.js';
import { treePdf } from '../../src/hmm/context-tree.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kaldi', 'tri');
const read = (f: string): string => readFileSync(path.join(FIXTURES, f), 'utf8');
const table = (f: string): Map<string, string[]> => new Map(read(f).trim().split('\n').map((l) => [l.split(' ')[0], l.split(' ').slice(1)]));
const OURS = ['<eps>', 'SIL', 'SPN', 'AA', 'AH', 'AY', 'N', 'T', 'UW', 'W'];
const KALDI = [...OURS, '#0', '#1'];
const FILES = { ours: OURS, kaldi: KALDI, kaldiFile: 'phones.txt', modelFile: 'mdl.txt', treeFile: 'tree.txt' };

test('parseKaldiTransitionModel reads the fixture; transition ids map to the pdfs and phones ali-to-pdf / ali-to-phones give', () => {
  const m = parseKaldiTransitionModel(read('final.mdl.txt'), 'final.mdl.txt');
  assert.equal(m.tuples.length, 35);
  assert.equal(m.numTransitionIds, 86);
  assert.equal(m.numPdfs, 35);
  assert.deepEqual(m.entryOfPhone.get(1)!.states[0].transitions, [0, 1, 2, 3].map((to) => ({ to, prob: 0.25 })));
  const { pdfOf, phoneOf } = kaldiTransitionIdTables(m);
  const pdfs = table('ali.pdf.txt');
  const phones = table('ali.phones.txt');
  for (const [utt, tids] of table('ali.tid.txt')) {
    assert.deepEqual(tids.map((t) => pdfOf[Number(t)]), pdfs.get(utt)!.map(Number), utt);
    assert.deepEqual(tids.map((t) => KALDI[phoneOf[Number(t)]]), phones.get(utt), utt);
  }
});

test('parseKaldiTransitionModel reads <Tuples>, ignores the GMMs after the model, and explains malformed input', () => {
  const topo = '<TransitionModel> <Topology> <TopologyEntry> <ForPhones> 1 </ForPhones> <State> 0 <ForwardPdfClass> 0 <SelfLoopPdfClass> 1 <Transition> 0 0.5 <Transition> 1 0.5 </State> <State> 1 </State> </TopologyEntry> </Topology>';
  const m = parseKaldiTransitionModel(`${topo} <Tuples> 1 1 0 0 1 </Tuples> <LogProbs> [ 0 -0.7 -0.7 ] </LogProbs> </TransitionModel> <DIAGGMM> ...`, 'm');
  assert.deepEqual(m.tuples, [{ phone: 1, hmmState: 0, forwardPdf: 0, selfLoopPdf: 1 }]);
  assert.deepEqual([...kaldiTransitionIdTables(m).pdfOf], [-1, 1, 0]);
  assert.throws(() => parseKaldiTransitionModel(`${topo} <Tuples> 1 1 0 0 1 </Tuples> <LogProbs> [ 0 -0.7 ] </LogProbs> </TransitionModel>`, 'mdl.txt'), {
    message: "mdl.txt line 1: <LogProbs> has 2 values but the tuples have 2 transition ids (plus the unused entry 0); write it with Kaldi's 'copy-transition-model --binary=false exp/tri1/final.mdl final.mdl.txt'",
  });
  assert.throws(() => parseKaldiTransitionModel(`${topo}\n<Tuples> 1 2 0 0 1 </Tuples>`, 'mdl.txt'), { message: /^mdl\.txt line 2: tuple 1: phone 2 has no topology entry;/ });
  assert.throws(() => parseKaldiTransitionModel('\0B<TransitionModel>', 'final.mdl'), { message: /^final\.mdl: a binary Kaldi file; write it with Kaldi's 'copy-transition-model --binary=false/ });
});

test('kaldiToTransitionModel: our model with Kaldi pdf ids, the tree, and the trained probabilities averaged per phone state', () => {
  const m = parseKaldiTransitionModel(read('final.mdl.txt'), 'mdl.txt');
  const tm = kaldiToTransitionModel(m, parseKaldiTree(read('tree.txt'), 'tree.txt'), FILES);
  assert.equal(tm.numPdfs, 35);
  assert.deepEqual(tm.phones[3]!.states.map((s) => s.pdfIds), [[10, 11], [12], [13]]);
  assert.equal(tm.phones[1]!.states.length, 5);
  // AA state 0 has pdfs 10 and 11: self-loop probabilities 0.5 and 0.53 (fixture README), mean 0.515.
  assert.ok(Math.abs(tm.phones[3]!.states[0].arcs[0].logProb - Math.log(0.515)) < 1e-6);
  assert.deepEqual(tm.phones[3]!.states[0].arcs.map((a) => a.to), [0, 1]);
  assert.ok(Math.abs(tm.phones[1]!.states[4].arcs[1].logProb - Math.log(0.25)) < 1e-6);
  assert.equal(treePdf(tm.tree!, 7, 8, 0, 2), 30);
  assert.deepEqual(tm.pdfToState[30], [8, 2]);
});

test('kaldiToTransitionModel refuses shared tied states, unknown phones and a tree of another model, saying why', () => {
  const m = parseKaldiTransitionModel(read('final.mdl.txt'), 'mdl.txt');
  const tree = read('tree.txt');
  // UW given AY's leaves: a root shared by two phones (roots.txt 'shared split AY UW').
  const shared = parseKaldiTree(tree.replace('TE -1 3 ( CE 28 CE 29 SE 0 [ 7 ]\n{ CE 30 CE 31 } \n)', 'TE -1 3 ( CE 18 CE 19 CE 20 )'), 'tree.txt');
  assert.throws(() => kaldiToTransitionModel(m, shared, FILES), { message: /^tree\.txt \+ mdl\.txt: pdf 18 is shared by phone AY state 0 and phone UW state 0 \(a shared root/ });
  const positional = KALDI.map((p) => (p === 'AA' ? 'AA_B' : p));
  assert.throws(() => kaldiToTransitionModel(m, parseKaldiTree(tree, 't'), { ...FILES, kaldi: positional }), {
    message: "tree.txt + mdl.txt: Kaldi phone AA_B is not in our lang directory's phones.txt (word-position-dependent phones are not supported: prepare the Kaldi lang with utils/prepare_lang.sh --position-dependent-phones false)",
  });
  assert.throws(() => kaldiToTransitionModel(m, parseKaldiTree(tree, 't'), { ...FILES, ours: [...OURS, 'Z'] }), { message: 'tree.txt + mdl.txt: phone Z of our lang directory has no HMM in the Kaldi transition model' });
  const twoStates = parseKaldiTree(tree.replace('CE 25 CE 26 CE 27', 'CE 25 CE 26 CE 26').replace('CE 32 CE 33 CE 34', 'CE 32 CE 33 CE 27'), 't');
  assert.throws(() => kaldiToTransitionModel(m, twoStates, FILES), { message: /^tree\.txt \+ mdl\.txt: pdf 26 is shared by phone T state 1 and phone T state 2 / });
  const swapped = parseKaldiTree(tree.replace('CE 25 CE 26 CE 27', 'CE 25 CE 27 CE 26'), 't');
  assert.throws(() => kaldiToTransitionModel(m, swapped, FILES), {
    message: 'tree.txt + mdl.txt: the transition model has pdf 26 for phone T state 1 but the tree does not lead there; are the tree and the model from the same Kaldi experiment directory?',
  });
});
