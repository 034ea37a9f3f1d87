import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDecodingGraph, WORD_END } from '../../src/decode/graph.js';
import { wordLoopGrammar } from '../../src/decode/grammar.js';
import { toyLang, toyTransitionModel } from './toy-model.js';

const lang = toyLang();
const tm = toyTransitionModel(lang);

test('graph: node count = grammar states x 2 + silence copies + one HMM chain per (word, pronunciation, destination state)', () => {
  const g = wordLoopGrammar(['four', 'oh']);
  const graph = buildDecodingGraph(g, lang, tm);
  // 2 grammar states: 4 non-emitting + 2 x 5 silence states; 4 word arcs into state 1 share the
  // chains of four (3 + 2 phones) and oh (1 phone), 3 states per phone.
  assert.equal(graph.numNodes, 4 + 10 + (5 + 1) * 3);
  assert.equal(graph.arcStart[graph.numNodes], graph.arcTo.length);
  // Emitting-destination arcs come first in each row.
  for (let n = 0; n < graph.numNodes; n++) {
    for (let k = graph.arcStart[n]; k < graph.arcEmitEnd[n]; k++) assert.ok(graph.nodePdf[graph.arcTo[k]] >= 0);
    for (let k = graph.arcEmitEnd[n]; k < graph.arcStart[n + 1]; k++) assert.equal(graph.nodePdf[graph.arcTo[k]], -1);
  }
  // One word-end arc per chain; one word-start arc per pronunciation per grammar arc.
  assert.equal([...graph.arcLabel].filter((l) => l === WORD_END).length, 3);
  assert.equal([...graph.arcLabel].filter((l) => l >= 0).length, 2 * 3);
  // Final weight on one departure node: log(1 - 0.75).
  const finals = [...graph.finalLogProb].filter((f) => f > -Infinity);
  assert.deepEqual(finals, [Math.fround(Math.log(0.25))]);
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
