import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAlignGraph, transcriptSlots, type AlignGraph } from '../../src/hmm/align-graph.js';
import { initGmmSet, makeScorer, pdfLogLikelihood } from '../../src/hmm/gmm.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { buildTransitionIndex } from '../../src/hmm/transitions.js';
import { gmmFrameScorer, viterbi, viterbiWithRetry, type FrameScorer } from '../../src/hmm/viterbi.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { syntheticLang } from './synthetic.js';

function setup(words: string[]) {
  const lang = syntheticLang();
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const idx = buildTransitionIndex(tm);
  return { lang, tm, idx, g: buildAlignGraph(transcriptSlots(words, lang, 'x'), tm, idx) };
}

/** Exhaustive best path (for tiny graphs): every state sequence allowed by the arcs. */
function bruteForce(g: AlignGraph, sc: FrameScorer, T: number, acScale: number): number {
  let best = -Infinity;
  const rec = (t: number, s: number, score: number) => {
    score += acScale * sc.logLikelihood(g.pdf[s], t);
    for (let a = g.arcStart[s]; a < g.arcStart[s + 1]; a++) {
      if (g.arcTo[a] === -1) {
        if (t === T - 1) best = Math.max(best, score + g.arcLogProb[a]);
      } else if (t < T - 1) rec(t + 1, g.arcTo[a], score + g.arcLogProb[a]);
    }
  };
  g.startStates.forEach((s, i) => rec(0, s, g.startLogProb[i]));
  return best;
}

function randomScorer(numPdfs: number, T: number, seed: number): FrameScorer {
  const rng = makeRng(seed);
  const table = Array.from({ length: T }, () => Array.from({ length: numPdfs }, () => 10 * randNormal(rng)));
  return { numPdfs, logLikelihood: (p, t) => table[t][p] };
}

test('viterbi with an unlimited beam finds the exhaustive best path and a consistent backtrace', () => {
  const { g, idx } = setup(['saa']);
  for (const seed of [1, 2, 3]) {
    const T = 9;
    const sc = randomScorer(30, T, seed);
    const p = viterbi(g, sc, T, { beam: Infinity, acousticScale: 0.1 })!;
    assert.ok(Math.abs(p.score - bruteForce(g, sc, T, 0.1)) < 1e-9);
    // The transition ids walk the graph: frame t's tid leaves states[t] towards states[t+1].
    for (let t = 0; t + 1 < T; t++) assert.equal(idx.tidPdf[p.tids[t]], g.pdf[p.states[t]]);
    let ac = 0;
    for (let t = 0; t < T; t++) ac += sc.logLikelihood(g.pdf[p.states[t]], t);
    assert.ok(Math.abs(p.acousticLogLike - ac) < 1e-9);
  }
});

test('viterbi: too short -> null; a tight beam fails and the retry beam recovers', () => {
  const { g } = setup(['saa']);
  assert.equal(viterbi(g, randomScorer(30, 5, 1), 5), null, 'S AA needs 6 frames');
  const T = 12;
  const sc = randomScorer(30, T, 4);
  // A negative beam prunes every state, so the first attempt must fail and the retry decide.
  assert.equal(viterbi(g, sc, T, { beam: -1 }), null);
  const retry = viterbiWithRetry(g, sc, T, { beam: -1, retryBeam: 1e9 });
  assert.ok(retry);
  assert.equal(retry.beam, 1e9);
  assert.ok(Math.abs(retry.path.score - bruteForce(g, sc, T, 0.1)) < 1e-9);
  assert.equal(viterbiWithRetry(g, sc, T, { beam: -1, retryBeam: -1 }), null, 'no retry when the retry beam is not wider');
  assert.equal(viterbiWithRetry(g, sc, 3, { beam: 10, retryBeam: 40 }), null);
});

test('gmmFrameScorer scores rows of a feature matrix', () => {
  const set = initGmmSet(3, Float64Array.of(0, 1), Float64Array.of(1, 2));
  set.means[2] = 5;
  const sc = makeScorer(set);
  const feats = Float32Array.of(0, 0, 5, 1);
  const fs = gmmFrameScorer(sc, feats);
  assert.equal(fs.numPdfs, 3);
  assert.equal(fs.logLikelihood(1, 1), pdfLogLikelihood(sc, 1, feats, 2));
  assert.ok(fs.logLikelihood(1, 1) > fs.logLikelihood(0, 1));
});
