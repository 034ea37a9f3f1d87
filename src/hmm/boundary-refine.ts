// Phone-boundary refinement after Viterbi: move each boundary to the frame of largest local
// spectral change within a few frames (the post-alignment boundary correction of automatic
// phonetic segmentation, e.g. Toledano et al. 2003, "Automatic phonetic segmentation", IEEE TSAP
// 11(6); here unsupervised: no labelled boundaries are used). Why: a monophone HMM trained from a
// flat start decides its phone boundaries only through which state's Gaussians fit a transition
// frame best, and in a small-vocabulary task the last state of one phone and the first of the
// next can share a transition either way; the spectrum itself changes fastest at the boundary.
//
// Only frames of the left phone's last HMM state and the right phone's first state change hands,
// and each keeps at least one frame, so the result is still a valid path through the same states.
import type { UttAlignment } from './ali-archive.js';
import { phoneSegments } from './ali-archive.js';
import type { TransitionModel } from './transition-model.js';
import { uttAlignmentFromTids, type TransitionIndex } from './transitions.js';
import { convertAlignment } from './convert-ali.js';

export interface BoundaryRefineOptions {
  /** Largest move of a boundary, in frames either way (0 = no refinement). */
  windowFrames: number;
  /** Frames averaged on each side when measuring the spectral change. */
  contextFrames: number;
}

/**
 * Defaults chosen on the dev split of the `small` digits corpus (docs/alignment.md): +-2 frames,
 * 2 frames of context; a wider window starts pulling boundaries onto changes inside phones.
 */
export const DEFAULT_BOUNDARY_REFINE: BoundaryRefineOptions = { windowFrames: 2, contextFrames: 2 };

/**
 * Spectral change at each frame boundary t (between frames t-1 and t): the weighted Euclidean
 * distance between the mean of `feats` rows [t-K, t) and the mean of rows [t, t+K), over the first
 * `dimWeights.length` columns (column c scaled by dimWeights[c]). Entries where either side would
 * leave the utterance are -Infinity. `feats` is [numFrames x dim], row-major; the result has
 * numFrames + 1 entries.
 */
export function spectralChange(feats: Float32Array, numFrames: number, dim: number, dimWeights: Float64Array, contextFrames: number): Float64Array {
  const k = Math.max(1, contextFrames);
  const out = new Float64Array(numFrames + 1).fill(-Infinity);
  const d = Math.min(dimWeights.length, dim);
  for (let t = k; t <= numFrames - k; t++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      let diff = 0;
      for (let j = 1; j <= k; j++) diff += feats[(t + j - 1) * dim + c] - feats[(t - j) * dim + c];
      s += ((dimWeights[c] * diff) / k) ** 2;
    }
    out[t] = Math.sqrt(s);
  }
  return out;
}

/**
 * Refine the phone boundaries of one alignment (see the file comment). `feats` are the
 * utterance's features, [numFrames x dim], of which the first `dimWeights.length` columns (the
 * static cepstra) are compared, scaled by `dimWeights`. Returns a new alignment; ties keep the
 * Viterbi boundary.
 *
 * @example refineBoundaries(ali, tm, feats, 39, unlifter, DEFAULT_BOUNDARY_REFINE)
 */
export function refineBoundaries(
  ali: UttAlignment,
  tm: TransitionModel,
  feats: Float32Array,
  dim: number,
  dimWeights: Float64Array,
  opts: BoundaryRefineOptions = DEFAULT_BOUNDARY_REFINE,
): UttAlignment {
  const n = ali.pdfIds.length;
  const pdfIds = ali.pdfIds.slice();
  const phoneIds = ali.phoneIds.slice();
  if (opts.windowFrames <= 0 || n < 2) return { uttId: ali.uttId, pdfIds, phoneIds };
  if (feats.length < n * dim) throw new Error(`refineBoundaries: ${ali.uttId}: ${feats.length} feature values for ${n} frames x ${dim}`);
  const change = spectralChange(feats, n, dim, dimWeights, opts.contextFrames);
  const segs = phoneSegments(ali, tm);
  for (let j = 1; j < segs.length; j++) {
    const b = segs[j].startFrame;
    // The left phone's last-state run [lastStart, b) and the right phone's first-state run [b, firstEnd).
    let lastStart = b - 1;
    while (lastStart > 0 && pdfIds[lastStart - 1] === pdfIds[b - 1] && phoneIds[lastStart - 1] === phoneIds[b - 1]) lastStart--;
    let firstEnd = b + 1;
    while (firstEnd < n && pdfIds[firstEnd] === pdfIds[b] && phoneIds[firstEnd] === phoneIds[b]) firstEnd++;
    const lo = Math.max(lastStart + 1, b - opts.windowFrames);
    const hi = Math.min(firstEnd - 1, b + opts.windowFrames);
    let best = b;
    for (let t = lo; t <= hi; t++) {
      if (change[t] > change[best] || (change[t] === change[best] && Math.abs(t - b) < Math.abs(best - b))) best = t;
    }
    if (best === b) continue;
    const left = [pdfIds[b - 1], phoneIds[b - 1]];
    const right = [pdfIds[b], phoneIds[b]];
    for (let t = lastStart; t < firstEnd; t++) {
      const [p, ph] = t < best ? left : right;
      pdfIds[t] = p;
      phoneIds[t] = ph;
    }
  }
  return { uttId: ali.uttId, pdfIds, phoneIds };
}

/**
 * `refineBoundaries` on a transition-id alignment (what training passes keep): the refined state
 * sequence is turned back into transition ids (self-loop, the arc to the next state, or the exit
 * arc at the end of each phone instance). Returns `tids` itself when nothing moved or an arc is
 * missing (cannot happen for a path from our graphs; kept as a guard).
 */
export function refineTransitionIds(
  tids: Int32Array,
  tm: TransitionModel,
  idx: TransitionIndex,
  uttId: string,
  feats: Float32Array,
  dim: number,
  dimWeights: Float64Array,
  opts: BoundaryRefineOptions,
): Int32Array {
  const ali = uttAlignmentFromTids(uttId, tids, idx);
  const r = refineBoundaries(ali, tm, feats, dim, dimWeights, opts);
  if (r.pdfIds.every((p, t) => p === ali.pdfIds[t])) return tids;
  return convertAlignment(r, tm, tm, idx) ?? tids;
}
