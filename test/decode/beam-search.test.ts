import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BeamSearch, beamSearch, kthLargest } from '../../src/decode/beam-search.js';
import { buildDecodingGraph } from '../../src/decode/graph.js';
import { digitLoopGrammar, wordLoopGrammar } from '../../src/decode/grammar.js';
import { makeRng, oracleLogLikes, randomWords, toyLang, toyTransitionModel } from './toy-model.js';

const lang = toyLang();
const tm = toyTransitionModel(lang);

test('oracle: one-hot alignment log-likelihoods decode to exactly the reference words (digit loop)', () => {
  const graph = buildDecodingGraph(digitLoopGrammar(), lang, tm);
  const search = new BeamSearch(graph);
  const rng = makeRng(1, 'oracle');
  const vocab = [...lang.lexicon.keys()];
  for (let n = 0; n < 40; n++) {
    const words = randomWords(rng, vocab, 1, 7);
    const { logLikes, numFrames } = oracleLogLikes(rng, lang, tm, words);
    for (const acousticScale of [1, 0.1]) {
      const r = search.decode(logLikes, numFrames, { acousticScale });
      assert.deepEqual(r.words, words, `utterance ${n} at acoustic scale ${acousticScale}`);
      assert.ok(r.reachedFinal);
    }
  }
});

test('oracle word times: each word spans exactly the frames aligned to its phones', () => {
  const graph = buildDecodingGraph(wordLoopGrammar(['one', 'two', 'six']), lang, tm);
  const rng = makeRng(2, 'times');
  const { logLikes, numFrames, pdfs } = oracleLogLikes(rng, lang, tm, ['six', 'one', 'two']);
  const r = beamSearch(graph, logLikes, numFrames, { acousticScale: 1 });
  assert.deepEqual(r.words, ['six', 'one', 'two']);
  const silPdfs = new Set(tm.phones[lang.phoneIds.get('SIL')!]!.states.map((s) => s.pdfId));
  for (const w of r.timings) {
    for (let t = w.startFrame; t < w.endFrame; t++) assert.ok(!silPdfs.has(pdfs[t]), `${w.word} frame ${t} is not silence`);
  }
  // Words are contiguous with silence only in between.
  for (let i = 1; i < r.timings.length; i++) {
    for (let t = r.timings[i - 1].endFrame; t < r.timings[i].startFrame; t++) assert.ok(silPdfs.has(pdfs[t]));
  }
  // The total score of the oracle path at acoustic scale 1 is the graph log-probability (all acoustic terms 0).
  assert.ok(r.score < 0 && r.score > -100);
});

test('the word insertion penalty and pruning options take effect; a mismatched input is an InputError', () => {
  const graph = buildDecodingGraph(digitLoopGrammar(), lang, tm);
  const rng = makeRng(3, 'opts');
  const { logLikes, numFrames } = oracleLogLikes(rng, lang, tm, ['one', 'two']);
  const base = beamSearch(graph, logLikes, numFrames, { acousticScale: 1 });
  const pen = beamSearch(graph, logLikes, numFrames, { acousticScale: 1, wordInsPenalty: 2 });
  assert.deepEqual(pen.words, base.words);
  assert.ok(Math.abs(base.score - pen.score - 4) < 1e-3, 'two words x penalty 2');
  const narrow = beamSearch(graph, logLikes, numFrames, { acousticScale: 1, maxActive: 20, beam: 8 });
  assert.deepEqual(narrow.words, ['one', 'two']);
  assert.throws(() => beamSearch(graph, new Float32Array(10), 3), {
    name: 'InputError',
    message: `decoder: log-likelihoods hold 10 values, expected 3 frames x ${tm.numPdfs} pdfs = ${3 * tm.numPdfs}; does the model match the decoding graph?`,
  });
});

test('with no frames nothing is recognized and no final state is reached for a 1+ word grammar', () => {
  const graph = buildDecodingGraph(digitLoopGrammar(), lang, tm);
  const r = beamSearch(graph, new Float32Array(0), 0);
  assert.deepEqual(r.words, []);
  assert.equal(r.reachedFinal, false);
});

test('kthLargest selects like a sort', () => {
  const rng = makeRng(4);
  for (let n = 1; n < 60; n += 7) {
    const a = Float32Array.from({ length: n }, () => Math.round(rng() * 20));
    const sorted = [...a].sort((x, y) => y - x);
    for (let k = 1; k <= n; k++) assert.equal(kthLargest(Float32Array.from(a), n, k), sorted[k - 1]);
  }
});
