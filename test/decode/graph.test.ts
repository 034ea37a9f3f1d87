import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDecodingGraph, lexiconTrie, WORD_START } from '../../src/decode/graph.js';
import { wordLoopGrammar, type Grammar } from '../../src/decode/grammar.js';
import { toyLang, toyTransitionModel } from './toy-model.js';

const lang = toyLang();
const tm = toyTransitionModel(lang);

test('graph: node count = grammar states x 2 + silence copies + one lexicon prefix tree shared by both word-loop states', () => {
  const g = wordLoopGrammar(['four', 'oh']);
  const graph = buildDecodingGraph(g, lang, tm);
  // 2 grammar states: 4 non-emitting + 2 x 5 silence states; the 4 word arcs (uniform weights from
  // both states) share one tree: F AO [R] for both prons of four (3 phones) + OW, 3 states per phone.
  assert.equal(graph.numNodes, 4 + 10 + (3 + 1) * 3);
  assert.equal(graph.arcStart[graph.numNodes], graph.arcTo.length);
  // Emitting-destination arcs come first in each row.
  for (let n = 0; n < graph.numNodes; n++) {
    for (let k = graph.arcStart[n]; k < graph.arcEmitEnd[n]; k++) assert.ok(graph.nodePdf[graph.arcTo[k]] >= 0);
    for (let k = graph.arcEmitEnd[n]; k < graph.arcStart[n + 1]; k++) assert.equal(graph.nodePdf[graph.arcTo[k]], -1);
  }
  // Word-start arcs: 2 source states x 2 tree roots (F, OW), into emitting nodes; word-end arcs
  // carry the word: four after AO and after R, oh after OW, each from the phone's last state.
  const starts = [...graph.arcLabel.keys()].filter((k) => graph.arcLabel[k] === WORD_START);
  assert.equal(starts.length, 4);
  assert.ok(starts.every((k) => graph.nodePdf[graph.arcTo[k]] >= 0));
  const ends = [...graph.arcLabel].filter((l) => l >= 0).map((l) => graph.words[l]).sort();
  assert.deepEqual(ends, ['four', 'four', 'oh']);
  // Final weight on one departure node: log(1 - 0.75).
  const finals = [...graph.finalLogProb].filter((f) => f > -Infinity);
  assert.deepEqual(finals, [Math.fround(Math.log(0.25))]);
  // Without the prefix tree: one chain per pronunciation (3 + 2 + 1 phones).
  assert.equal(buildDecodingGraph(g, lang, tm, { prefixTree: false }).numNodes, 4 + 10 + (3 + 2 + 1) * 3);
});

test('lexiconTrie: shared prefixes, word ends at inner nodes, best weight and word per node', () => {
  const entries = [
    { word: 0, pron: ['F', 'AO', 'R'], logProb: -1 },
    { word: 0, pron: ['F', 'AO'], logProb: -1 },
    { word: 1, pron: ['F', 'AY', 'V'], logProb: 0 },
    { word: 2, pron: ['OW'], logProb: -3 },
  ];
  const root = lexiconTrie(entries, true);
  assert.deepEqual(root.children.map((c) => c.phone), ['F', 'OW']);
  const f = root.children[0];
  assert.deepEqual([f.best, f.bestWord], [0, 1]);
  assert.deepEqual(f.children.map((c) => c.phone), ['AO', 'AY']);
  const ao = f.children[0];
  assert.deepEqual(ao.ends.map((e) => e.word), [0]);
  assert.deepEqual(ao.children.map((c) => [c.phone, c.ends.length]), [['R', 1]]);
  assert.deepEqual([ao.best, ao.bestWord], [-1, 0]);
  assert.deepEqual([root.best, root.bestWord], [0, 1]);
  // Linear: one branch per pronunciation.
  assert.deepEqual(lexiconTrie(entries, false).children.map((c) => c.phone), ['F', 'F', 'F', 'OW']);
});

test('graph: self-loop scale follows Kaldi AddSelfLoops; silenceProb 0 removes silence', () => {
  const g = wordLoopGrammar(['oh']);
  const plain = buildDecodingGraph(g, lang, tm, { silenceProb: 0, selfLoopScale: 1 });
  assert.equal(plain.numNodes, 4 + 3);
  const loops: number[] = [];
  const scaled = buildDecodingGraph(g, lang, tm, { silenceProb: 0, selfLoopScale: 0.1 });
  for (let n = 0; n < scaled.numNodes; n++) {
    for (let k = scaled.arcStart[n]; k < scaled.arcStart[n + 1]; k++) if (scaled.arcTo[k] === n) loops.push(scaled.arcLogProb[k]);
  }
  assert.ok(loops.length === 3 && loops.every((l) => Math.abs(l - 0.1 * Math.log(0.6)) < 1e-6));
});

test('graph: a grammar word missing from the lexicon is an error naming it', () => {
  assert.throws(() => buildDecodingGraph(wordLoopGrammar(['one', 'eleven']), lang, tm, { grammarName: 'my.jsgf' }), {
    name: 'InputError',
    message: "my.jsgf: word 'eleven' is not in the lexicon of toy-lang; add it to the lexicon (asr-distill prepare-lang) or remove it from the grammar",
  });
});

test('graph: a context-dependent (train-tri) model is refused until the graph expands phone context', () => {
  const cd = { ...tm, tree: { questions: [], roots: [], numPdfs: tm.numPdfs, occupancy: [] } };
  assert.throws(() => buildDecodingGraph(wordLoopGrammar(['one']), lang, cd), { name: 'InputError', message: /cannot use context-dependent \(train-tri\) models yet/ });
});
