// Beam-pruned Viterbi forced alignment of one utterance against its AlignGraph (Kaldi
// gmm-align-compiled: --beam 10 --retry-beam 40 --acoustic-scale 0.1). Only the pdfs of states that
// survive the beam are scored, each once per frame.
import type { AlignGraph } from './align-graph.js';
import { pdfLogLikelihood, type GmmScorer } from './gmm.js';

/** Scores of pdfs at frames; implemented by GMMs here, by a DNN elsewhere. */
export interface FrameScorer {
  numPdfs: number;
  logLikelihood(pdf: number, frame: number): number;
}

/** A FrameScorer over GMMs and row-major features (dim = scorer.dim). */
export function gmmFrameScorer(sc: GmmScorer, feats: Float32Array): FrameScorer {
  const post = new Float64Array(256);
  let buf = post;
  return {
    numPdfs: sc.numPdfs,
    logLikelihood(pdf, t) {
      const n = sc.compOffset[pdf + 1] - sc.compOffset[pdf];
      if (n > buf.length) buf = new Float64Array(n);
      return pdfLogLikelihood(sc, pdf, feats, t * sc.dim, buf);
    },
  };
}

export interface ViterbiOptions {
  /** Prune states scoring more than `beam` below the best at each frame (in scaled log units). */
  beam?: number;
  /** Weight of acoustic log-likelihoods against transition log-probabilities (Kaldi 0.1). */
  acousticScale?: number;
}

export interface ViterbiPath {
  /** Graph state occupied at each frame. */
  states: Int32Array;
  /** Transition id taken out of each frame's state (the last frame's is its exit to the end). */
  tids: Int32Array;
  /** Best path score (scaled acoustics + graph log-probabilities). */
  score: number;
  /** Sum of unscaled acoustic log-likelihoods along the path. */
  acousticLogLike: number;
}

/**
 * Best path through `g` for `numFrames` frames, or null when no path reaches the end within the
 * beam (or the utterance is shorter than `g.minFrames`).
 */
export function viterbi(g: AlignGraph, scorer: FrameScorer, numFrames: number, opts: ViterbiOptions = {}): ViterbiPath | null {
  const beam = opts.beam ?? 10;
  const acScale = opts.acousticScale ?? 0.1;
  const S = g.numStates;
  const T = numFrames;
  if (T < g.minFrames || T === 0) return null;
  const bp = new Int32Array(T * S);
  let prev = new Float64Array(S).fill(-Infinity);
  let cur = new Float64Array(S).fill(-Infinity);
  const active = new Int32Array(S);
  let numActive = 0;
  const touched = new Int32Array(S);
  let numTouched = 0;
  const cache = new Float64Array(scorer.numPdfs);
  const stamp = new Int32Array(scorer.numPdfs).fill(-1);
  const ac = (pdf: number, t: number): number => {
    if (stamp[pdf] !== t) {
      stamp[pdf] = t;
      cache[pdf] = scorer.logLikelihood(pdf, t);
    }
    return cache[pdf];
  };
  const prune = (t: number): void => {
    let best = -Infinity;
    for (let i = 0; i < numTouched; i++) {
      const s = touched[i];
      cur[s] += acScale * ac(g.pdf[s], t);
      if (cur[s] > best) best = cur[s];
    }
    numActive = 0;
    const cutoff = best - beam;
    for (let i = 0; i < numTouched; i++) {
      const s = touched[i];
      if (cur[s] >= cutoff) active[numActive++] = s;
      else cur[s] = -Infinity;
    }
  };
  for (let i = 0; i < g.startStates.length; i++) {
    const s = g.startStates[i];
    if (cur[s] === -Infinity) touched[numTouched++] = s;
    if (g.startLogProb[i] > cur[s]) {
      cur[s] = g.startLogProb[i];
      bp[s] = -1;
    }
  }
  prune(0);
  for (let t = 1; t < T; t++) {
    [prev, cur] = [cur, prev];
    const fromActive = active;
    const nFrom = numActive;
    numTouched = 0;
    const row = t * S;
    for (let i = 0; i < nFrom; i++) {
      const s = fromActive[i];
      const ps = prev[s];
      for (let a = g.arcStart[s]; a < g.arcStart[s + 1]; a++) {
        const d = g.arcTo[a];
        if (d < 0) continue;
        const v = ps + g.arcLogProb[a];
        if (v > cur[d]) {
          if (cur[d] === -Infinity) touched[numTouched++] = d;
          cur[d] = v;
          bp[row + d] = a;
        }
      }
    }
    for (let i = 0; i < nFrom; i++) prev[fromActive[i]] = -Infinity;
    prune(t);
  }
  let bestScore = -Infinity;
  let bestArc = -1;
  for (let i = 0; i < numActive; i++) {
    const s = active[i];
    for (let a = g.arcStart[s]; a < g.arcStart[s + 1]; a++) {
      if (g.arcTo[a] !== -1) continue;
      const v = cur[s] + g.arcLogProb[a];
      if (v > bestScore) {
        bestScore = v;
        bestArc = a;
      }
    }
  }
  if (bestArc < 0) return null;
  const states = new Int32Array(T);
  const tids = new Int32Array(T);
  let s = g.arcFrom[bestArc];
  tids[T - 1] = g.arcTid[bestArc];
  let acoustic = 0;
  for (let t = T - 1; t >= 0; t--) {
    states[t] = s;
    acoustic += scorer.logLikelihood(g.pdf[s], t);
    if (t === 0) break;
    const a = bp[t * S + s];
    tids[t - 1] = g.arcTid[a];
    s = g.arcFrom[a];
  }
  return { states, tids, score: bestScore, acousticLogLike: acoustic };
}

/**
 * Viterbi with Kaldi's retry: first at `beam`, then once at `retryBeam` if no path survived.
 * Returns the path and the beam that produced it, or null.
 */
export function viterbiWithRetry(g: AlignGraph, scorer: FrameScorer, numFrames: number, opts: ViterbiOptions & { retryBeam?: number } = {}): { path: ViterbiPath; beam: number } | null {
  const beam = opts.beam ?? 10;
  const first = viterbi(g, scorer, numFrames, { ...opts, beam });
  if (first) return { path: first, beam };
  const retryBeam = opts.retryBeam ?? 40;
  if (!(retryBeam > beam)) return null;
  const second = viterbi(g, scorer, numFrames, { ...opts, beam: retryBeam });
  return second ? { path: second, beam: retryBeam } : null;
}
