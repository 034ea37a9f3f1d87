import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BeamSearch, beamSearch, kthLargest } from '../../src/decode/beam-search.js';
import { buildDecodingGraph } from '../../src/decode/graph.js';
import { digitLoopGrammar, sentenceLogProb, wordLoopGrammar, type Grammar } from '../../src/decode/grammar.js';
import { makeRng, oracleLogLikes, randomWords, toyLang, toyTransitionModel } from './toy-model.js';
import { randNormal } from '../../src/data/random.js';

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

/** A word loop whose word weights differ by word and by state (start vs. after a word), normalized. */
function skewedLoop(rng: () => number): Grammar {
  const words = [...lang.lexicon.keys()];
  const weights = (scale: number) => {
    const w = words.map(() => Math.exp(2 * rng()));
    const z = w.reduce((a, b) => a + b, 0);
    return w.map((x) => Math.log((scale * x) / z));
  };
  const first = weights(1);
  const loop = weights(0.7);
  const arcs = [...words.map((_, w) => ({ from: 0, to: 1, word: w, logProb: first[w] })), ...words.map((_, w) => ({ from: 1, to: 1, word: w, logProb: loop[w] }))];
  return { words, numStates: 2, start: 0, arcs, finalLogProb: [-Infinity, Math.log(0.3)] };
}

test('prefix-tree lexicon: same words, times and scores as linear chains (weighted grammar, noisy and random scores)', () => {
  const rng = makeRng(5, 'tree');
  const vocab = [...lang.lexicon.keys()];
  for (const grammar of [digitLoopGrammar(), skewedLoop(rng)]) {
    const tree = new BeamSearch(buildDecodingGraph(grammar, lang, tm));
    const linear = new BeamSearch(buildDecodingGraph(grammar, lang, tm, { prefixTree: false }));
    assert.ok(tree.graph.numNodes < linear.graph.numNodes);
    for (let n = 0; n < 30; n++) {
      const { logLikes, numFrames } = oracleLogLikes(rng, lang, tm, randomWords(rng, vocab, 1, 6));
      // Blur the oracle so that competing words score close to the reference; every 3rd utterance random.
      for (let i = 0; i < logLikes.length; i++) logLikes[i] = n % 3 === 2 ? 4 * randNormal(rng) : logLikes[i] + 6 * randNormal(rng);
      for (const opts of [{ acousticScale: 0.3 }, { acousticScale: 1, wordInsPenalty: 1.5 }, { acousticScale: 0.3, beam: 1e9 }]) {
        const a = tree.decode(logLikes, numFrames, opts);
        const b = linear.decode(logLikes, numFrames, opts);
        assert.deepEqual(a.timings, b.timings, `utterance ${n} ${JSON.stringify(opts)}`);
        assert.ok(Math.abs(a.score - b.score) < 1e-3 * Math.max(1, Math.abs(b.score)), `score ${a.score} vs ${b.score}`);
      }
    }
  }
});

test('a partial result (no final state reached) names the unfinished word of its best token', () => {
  const graph = buildDecodingGraph(wordLoopGrammar(['six', 'seven']), lang, tm, { silenceProb: 0 });
  // Frames of S EH V only: "seven" is the only word the path can still become.
  const pdfs = ['S', 'EH', 'V'].flatMap((p) => tm.phones[lang.phoneIds.get(p)!]!.states.map((s) => s.pdfId));
  const logLikes = new Float32Array(pdfs.length * tm.numPdfs).fill(-20);
  pdfs.forEach((p, t) => (logLikes[t * tm.numPdfs + p] = 0));
  const r = beamSearch(graph, logLikes, pdfs.length, { acousticScale: 1 });
  assert.equal(r.reachedFinal, false);
  assert.deepEqual(r.timings, [{ word: 'seven', startFrame: 0, endFrame: pdfs.length }]);
});

test('prefix-tree lexicon: an oracle path scores exactly its HMM transitions + grammar log-probability (weight pushing keeps totals)', () => {
  const rng = makeRng(6, 'pushed');
  const grammar = skewedLoop(rng);
  const vocab = [...lang.lexicon.keys()];
  const graph = buildDecodingGraph(grammar, lang, tm, { silenceProb: 0, selfLoopScale: 1 });
  for (let n = 0; n < 10; n++) {
    const words = randomWords(rng, vocab, 1, 5);
    // First pronunciation of each word, 1-3 frames per HMM state (toy HMMs: loop 0.6, forward 0.4).
    const pdfs: number[] = [];
    let expected = sentenceLogProb(grammar, words);
    for (const w of words) {
      for (const p of lang.lexicon.get(w)![0]) {
        for (const st of tm.phones[lang.phoneIds.get(p)!]!.states) {
          const dwell = 1 + Math.floor(rng() * 3);
          for (let k = 0; k < dwell; k++) pdfs.push(st.pdfId);
          expected += (dwell - 1) * Math.log(0.6) + Math.log(0.4);
        }
      }
    }
    const logLikes = new Float32Array(pdfs.length * tm.numPdfs).fill(-30);
    pdfs.forEach((p, t) => (logLikes[t * tm.numPdfs + p] = 0));
    const r = beamSearch(graph, logLikes, pdfs.length, { acousticScale: 1 });
    assert.deepEqual(r.words, words);
    assert.ok(Math.abs(r.score - expected) < 1e-3, `utterance ${n}: score ${r.score}, expected ${expected}`);
  }
});

test('incremental decoding (start, advance in blocks, result midway) gives decode()s words, times and score', () => {
  const rng = makeRng(9, 'incremental');
  const vocab = [...lang.lexicon.keys()];
  const search = new BeamSearch(buildDecodingGraph(digitLoopGrammar(), lang, tm));
  const P = tm.numPdfs;
  for (let n = 0; n < 10; n++) {
    const { logLikes, numFrames } = oracleLogLikes(rng, lang, tm, randomWords(rng, vocab, 1, 5));
    for (let i = 0; i < logLikes.length; i++) logLikes[i] += 4 * randNormal(rng);
    const opts = { acousticScale: 0.5, beam: 12, maxActive: 50 };
    const whole = search.decode(logLikes, numFrames, opts);
    search.start(opts);
    for (let t = 0; t < numFrames; ) {
      const k = Math.min(numFrames - t, 1 + Math.floor(rng() * 7));
      search.advance(logLikes.subarray(t * P, (t + k) * P), k);
      t += k;
      // A midway result is the best path so far and leaves the search going on.
      const mid = search.result();
      assert.equal(mid.numFrames, t);
      assert.equal(search.framesDecoded, t);
      assert.ok(search.bestScore >= mid.score - 1e-4);
    }
    const r = search.result();
    assert.deepEqual(r, whole, `utterance ${n}`);
  }
  assert.throws(() => search.advance(new Float32Array(P + 1), 1), { name: 'InputError', message: /expected 1 frames x/ });
});
