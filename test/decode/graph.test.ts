import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDecodingGraph, lexiconTrie, WORD_START } from '../../src/decode/graph.js';
import { wordLoopGrammar, type Grammar } from '../../src/decode/grammar.js';
import { makeRng, oracleLogLikes, randomWords, TOY_LEXICON, toyContextModel, toyLang, toyTransitionModel } from './toy-model.js';
import { BeamSearch } from '../../src/decode/beam-search.js';
import { arpaToGrammar, parseArpa } from '../../src/decode/arpa.js';
import { trainNgramArpa } from '../../src/decode/ngram-train.js';
import { treePdf } from '../../src/hmm/context-tree.js';

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

test('graph: a triphone model expands each phone by its real neighbours, across words and optional silence', () => {
  const cd = toyContextModel(lang);
  const tree = cd.tree!;
  const ow = lang.phoneIds.get('OW')!;
  const sil = lang.phoneIds.get('SIL')!;
  // One single-phone word: OW sits between the utterance edge, SIL or another OW on either side:
  // 3 x 3 copies (its first state asks left, its last right) + one SIL copy per grammar state.
  const full = buildDecodingGraph(wordLoopGrammar(['oh']), lang, cd, { shareStates: false });
  const emitting = [...full.nodePdf].filter((p) => p >= 0);
  assert.equal(emitting.length, 9 * 3 + 2 * 5);
  const count = (pdfs: number[], pdf: number) => pdfs.filter((p) => p === pdf).length;
  for (const ctx of [0, sil, ow]) {
    assert.equal(count(emitting, treePdf(tree, ctx, ow, 0, 0)), 3, `left ${ctx}`);
    assert.equal(count(emitting, treePdf(tree, 0, ow, ctx, 2)), 3, `right ${ctx}`);
  }
  assert.equal(count(emitting, treePdf(tree, 0, ow, 0, 1)), 9);
  // Shared states: the first state once per left context, the middle one once, the last once per right.
  const shared = [...buildDecodingGraph(wordLoopGrammar(['oh']), lang, cd).nodePdf].filter((p) => p >= 0);
  assert.equal(shared.length, 3 + 1 + 3 + 2 * 5);
  for (const ctx of [0, sil, ow]) assert.equal(count(shared, treePdf(tree, ctx, ow, 0, 0)) + count(shared, treePdf(tree, 0, ow, ctx, 2)), 2);
  // Without optional silence SIL is no context: 2 x 2 copies.
  assert.equal([...buildDecodingGraph(wordLoopGrammar(['oh']), lang, cd, { silenceProb: 0, shareStates: false }).nodePdf].filter((p) => p >= 0).length, 4 * 3);
});

test('graph: triphone decoding finds exactly the context-dependent pdf sequence of the words, and no other', () => {
  const cd = toyContextModel(lang);
  const sil = lang.phoneIds.get('SIL')!;
  const words = [...new Set(TOY_LEXICON.map(([w]) => w))];
  for (const [name, grammar] of [['word loop', wordLoopGrammar(words)], ['bigram', arpaToGrammar(parseArpa(trainNgramArpa([words.slice(0, 6), words.slice(5), words], { order: 2 }), 'lm'), 'lm')]] as const) {
    const search = new BeamSearch(buildDecodingGraph(grammar, lang, cd));
    const rng = makeRng(23, name);
    for (let i = 0; i < 40; i++) {
      const ref = randomWords(rng, words, 1, 5);
      const o = oracleLogLikes(rng, lang, cd, ref);
      // Wrong pdfs cost 1000 per frame: a score above -1000 means every frame's pdf was the oracle's.
      const ll = o.logLikes.map((v) => (v < 0 ? -1000 : 0));
      const r = search.decode(ll, o.numFrames, { acousticScale: 1 });
      assert.deepEqual(r.words, ref, `${name} utterance ${i}`);
      assert.ok(r.reachedFinal && r.score > -1000, `${name} utterance ${i}: score ${r.score}`);
      // The same words with one phone given the pdfs of a context it does not have: not in the graph.
      const k = oracleLogLikes(makeRng(i, name), lang, cd, ref).phones.findIndex((p) => p !== sil);
      const bad = oracleLogLikes(makeRng(i, name), lang, cd, ref, { wrongContextAt: k });
      assert.ok(search.decode(bad.logLikes.map((v) => (v < 0 ? -1000 : 0)), bad.numFrames, { acousticScale: 1 }).score < -1000, `${name} utterance ${i}: wrong context accepted`);
    }
  }
});

test('graph: sharing the common states of context copies keeps every best path (words, times, score)', () => {
  const cd = toyContextModel(lang);
  const words = [...new Set(TOY_LEXICON.map(([w]) => w))];
  const grammar = wordLoopGrammar(words);
  const full = buildDecodingGraph(grammar, lang, cd, { shareStates: false });
  const shared = buildDecodingGraph(grammar, lang, cd);
  assert.ok(shared.numNodes < full.numNodes / 3, `${shared.numNodes} vs ${full.numNodes} nodes`);
  const a = new BeamSearch(full);
  const b = new BeamSearch(shared);
  const rng = makeRng(3, 'share');
  for (let i = 0; i < 30; i++) {
    const o = oracleLogLikes(rng, lang, cd, randomWords(rng, words, 1, 6));
    // Noisy scores, so the best path is not the oracle's and ties are unlikely.
    const ll = o.logLikes.map((v) => v + 40 * (rng() - 0.5));
    const ra = a.decode(ll, o.numFrames, { beam: 1e9 });
    const rb = b.decode(ll, o.numFrames, { beam: 1e9 });
    assert.deepEqual(rb.timings, ra.timings, `utterance ${i}`);
    assert.ok(Math.abs(rb.score - ra.score) < 1e-3, `utterance ${i}: ${rb.score} vs ${ra.score}`);
  }
});
