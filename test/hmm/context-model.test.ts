import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAlignGraph, transcriptSlots } from '../../src/hmm/align-graph.js';
import { buildContextTransitionModel, gmmsFromStats } from '../../src/hmm/context-model.js';
import { convertAlignment } from '../../src/hmm/convert-ali.js';
import { treeAsks, type ContextTree } from '../../src/hmm/decision-tree.js';
import { buildTransitionModel, defaultTopology } from '../../src/hmm/topology.js';
import { readTransitionModel, writeTransitionModel } from '../../src/hmm/transition-model.js';
import { buildTransitionIndex, estimateTransitions } from '../../src/hmm/transitions.js';
import type { LangDir } from '../../src/lang/lang-dir.js';
import { withTmp } from './helpers.js';
import * as path from 'node:path';

// Phones 0 <eps>, 1 SIL, 2 A, 3 B; one state each. A depends on its right phone (SIL or not), B on its left.
const phones = ['<eps>', 'SIL', 'A', 'B'];
const lang: LangDir = {
  dir: '/nonexistent/lang',
  phones,
  phoneIds: new Map(phones.map((p, i) => [p, i])),
  silencePhones: new Set(['SIL']),
  optionalSilence: 'SIL',
  words: ['<eps>', 'ab', 'ba'],
  wordIds: new Map([['<eps>', 0], ['ab', 1], ['ba', 2]]),
  lexicon: new Map([['ab', [['A', 'B']]], ['ba', [['B', 'A']]]]),
};
const tree: ContextTree = {
  questions: [[1]],
  roots: [null, [{ pdf: 0 }], [{ key: 'right', question: 0, yes: { pdf: 1 }, no: { pdf: 2 } }], [{ key: 'left', question: 0, yes: { pdf: 3 }, no: { pdf: 4 } }]],
  numPdfs: 5,
  occupancy: [1, 1, 1, 1, 1],
};
const mono = buildTransitionModel(phones, lang.silencePhones, defaultTopology({ nonsilenceStates: 1, silenceStates: 1 }));
const cd = buildContextTransitionModel(mono, tree);

test('buildContextTransitionModel: states list their tied pdfs; transition ids per (state, pdf, arc); file round trip keeps the tree', async () => {
  assert.deepEqual(cd.phones[2]!.states[0].pdfIds, [1, 2]);
  assert.deepEqual(cd.pdfToState, [[1, 0], [2, 0], [2, 0], [3, 0], [3, 0]]);
  const idx = buildTransitionIndex(cd);
  // 5 pdfs x 2 arcs (self-loop, exit).
  assert.equal(idx.numTids, 10);
  assert.deepEqual(Array.from(idx.pdfTidBase), [0, 2, 4, 6, 8]);
  assert.deepEqual(Array.from(idx.tidPdf), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  // Transition counts of the tied pdfs of one state are pooled.
  const counts = new Float64Array(10);
  counts[2] = 6; // A pdf 1 self-loop
  counts[5] = 4; // A pdf 2 exit
  const up = estimateTransitions(cd, idx, counts);
  assert.ok(Math.abs(Math.exp(up.phones[2]!.states[0].arcs[0].logProb) - 0.6) < 1e-9);
  assert.deepEqual(up.phones[2]!.states[0].pdfIds, [1, 2]);
  assert.equal(up.tree, tree);
  await withTmp(async (dir) => {
    await writeTransitionModel(path.join(dir, 'tm.json'), cd);
    const back = await readTransitionModel(path.join(dir, 'tm.json'));
    assert.deepEqual(back.tree, tree);
    assert.deepEqual(back.pdfToState, cd.pdfToState);
    const broken = { ...cd, phones: cd.phones.map((p) => (p && p.phoneId === 3 ? { ...p, states: [{ ...p.states[0], pdfIds: [3], pdfId: 3 }] } : p)) };
    await writeTransitionModel(path.join(dir, 'bad.json'), broken);
    await assert.rejects(readTransitionModel(path.join(dir, 'bad.json')), /bad.json: the tree of phone B state 0 is malformed or does not lead to the state's pdfs/);
    const badQuestion = { ...cd, tree: { ...tree, questions: [] } };
    await writeTransitionModel(path.join(dir, 'badq.json'), badQuestion);
    await assert.rejects(readTransitionModel(path.join(dir, 'badq.json')), /badq.json: the tree of phone A state 0 is malformed or does not lead to the state's pdfs/);
  });
});

test('gmmsFromStats: mean and floored variance per pdf, the fallback for pdfs without data', () => {
  const g = gmmsFromStats(
    [{ count: 2, sum: Float64Array.from([2, 4]), sumSq: Float64Array.from([4, 10]) }, { count: 0, sum: new Float64Array(2), sumSq: new Float64Array(2) }],
    Float64Array.from([0.5, 0.5]),
    { mean: Float64Array.from([9, 9]), variance: Float64Array.from([3, 3]) },
  );
  assert.deepEqual(Array.from(g.means), [1, 2, 9, 9]);
  assert.deepEqual(Array.from(g.vars), [1, 1, 3, 3]);
  assert.deepEqual(Array.from(g.compOffset), [0, 1, 2]);
});

test('buildAlignGraph with a triphone model: one copy per context the tree asks about, across words and optional silences', () => {
  assert.ok(treeAsks(tree.roots[2]![0], 'right') && !treeAsks(tree.roots[2]![0], 'left'));
  const idx = buildTransitionIndex(cd);
  // [SIL] A B [SIL] B A [SIL]: A1 (right B), B1 (left A), B2 (left B or SIL), A2 (right SIL or the end).
  const g = buildAlignGraph(transcriptSlots(['ab', 'ba'], lang, 'test'), cd, idx);
  assert.equal(g.numStates, 9);
  assert.deepEqual(Array.from(g.pdf).sort(), [0, 0, 0, 1, 2, 2, 3, 4, 4]);
  const preds = (s: number) => [...new Set(Array.from(g.arcFrom).filter((_, a) => g.arcTo[a] === s && g.arcFrom[a] !== s))];
  const state = (pdf: number, pred: (p: number[]) => boolean) => [...Array(g.numStates).keys()].find((s) => g.pdf[s] === pdf && pred(preds(s).map((x) => g.pdf[x])))!;
  // B after SIL: pdf 3, entered from silence only; B after B: pdf 4, entered from the other B.
  const bAfterSil = state(3, () => true);
  assert.deepEqual(preds(bAfterSil).map((x) => g.pdf[x]), [0]);
  const bAfterB = state(4, (p) => p.includes(4));
  assert.deepEqual(preds(bAfterB).map((x) => g.pdf[x]), [4]);
  // Every arc's transition id belongs to its source state's pdf.
  for (let a = 0; a < g.arcFrom.length; a++) assert.equal(idx.tidPdf[g.arcTid[a]], g.pdf[g.arcFrom[a]]);
  // A before SIL (pdf 1) cannot end the utterance; the A copy that ends it has pdf 2.
  const finals = [...new Set(Array.from(g.arcFrom).filter((_, a) => g.arcTo[a] === -1))].map((s) => g.pdf[s]).sort();
  assert.deepEqual(finals, [0, 2]);
  const aBeforeSil = [...Array(g.numStates).keys()].find((s) => g.pdf[s] === 1)!;
  assert.ok(Array.from(g.arcTo).every((to, a) => g.arcFrom[a] !== aBeforeSil || to === aBeforeSil || g.pdf[to] === 0));
  // A monophone model keeps one copy per phone instance.
  assert.equal(buildAlignGraph(transcriptSlots(['ab', 'ba'], lang, 'test'), mono, buildTransitionIndex(mono)).numStates, 7);
});

test('convertAlignment: frame labels to the triphone model\'s transition ids (Kaldi convert-ali)', () => {
  const idx = buildTransitionIndex(cd);
  // SIL A A B B A: A before B, B after A, A at the end.
  const ph = [1, 2, 2, 3, 3, 2];
  const ali = { uttId: 'u', phoneIds: Int32Array.from(ph), pdfIds: Int32Array.from(ph.map((p) => mono.phones[p]!.states[0].pdfId)) };
  const tids = convertAlignment(ali, mono, cd, idx)!;
  assert.deepEqual(Array.from(tids, (t) => idx.tidPdf[t]), [0, 2, 2, 4, 4, 2]);
  // Self-loop inside an instance, exit arc at its last frame.
  assert.deepEqual(Array.from(tids, (t) => idx.tidTo[t]), [1, 0, 1, 0, 1, 1]);
  // A model without the arcs the alignment needs: null.
  const noLoop = { ...cd, phones: cd.phones.map((p) => (p && p.phoneId === 2 ? { ...p, states: [{ ...p.states[0], arcs: [p.states[0].arcs[1]] }] } : p)) };
  assert.equal(convertAlignment(ali, mono, noLoop, buildTransitionIndex(noLoop)), null);
});

test('intervalsToAlignment (import-ali textgrid) picks tied states with the model\'s tree from the neighbouring phones', async () => {
  const { intervalsToAlignment } = await import('../../src/hmm/ali-import.js');
  // sil A B A: 2 frames each at a 10 ms shift and 10 ms frames.
  const iv = ['sil', 'A', 'B', 'A'].map((text, i) => ({ xmin: i * 0.02, xmax: (i + 1) * 0.02, text }));
  const a = intervalsToAlignment('u', iv, 8, cd, lang, { frameShiftMs: 10, frameLengthMs: 10 });
  assert.ok(!('reason' in a));
  // A before B: pdf 2; B after A: pdf 4; A at the end: pdf 2 (right = edge, not SIL).
  assert.deepEqual(Array.from(a.pdfIds), [0, 0, 2, 2, 4, 4, 2, 2]);
  const b = intervalsToAlignment('u', [...iv, { xmin: 0.08, xmax: 0.1, text: 'sil' }], 10, cd, lang, { frameShiftMs: 10, frameLengthMs: 10 });
  assert.ok(!('reason' in b));
  assert.deepEqual(Array.from(b.pdfIds).slice(6, 8), [1, 1]); // A before SIL
});
