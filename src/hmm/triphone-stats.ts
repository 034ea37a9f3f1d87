// Triphone tree statistics (Kaldi acc-tree-stats --context-width=3 --central-position=1): for
// every (left phone, central phone, right phone, HMM state) seen in an alignment, the count, sum
// and sum of squares of the frames aligned to it, i.e. the sufficient statistics of one diagonal
// Gaussian. The decision tree (decision-tree.ts) clusters these.
//
// Context conventions (as Kaldi's, documented in docs/alignment.md):
// - full cross-word context: a phone's neighbours are the previous and next phone instances of
//   the utterance, whichever words they belong to;
// - silence is a normal context phone (the optional silence between words is a neighbour);
// - phone id 0 (`<eps>`) stands for "no phone": before the first and after the last instance;
// - context-independent phones (silence by default, Kaldi --ci-phones) are recorded with both
//   contexts set to 0 when they are the central phone, so no tree question can split them.
import type { UttAlignment } from './ali-archive.js';
import { phoneSegments } from './ali-archive.js';
import type { TransitionModel } from './transition-model.js';

/** Sufficient statistics of a diagonal Gaussian (Kaldi GaussClusterable). */
export interface GaussStats {
  count: number;
  sum: Float64Array;
  sumSq: Float64Array;
}

/** Statistics of one (left, phone, right, state) in context. */
export interface TriphoneEntry {
  left: number;
  phone: number;
  right: number;
  state: number;
  stats: GaussStats;
}

/** All entries of a corpus; `dim` is the feature dimension. */
export interface TriphoneStats {
  dim: number;
  entries: TriphoneEntry[];
}

/** The id used for "no phone" at the edges of an utterance (Kaldi uses 0 too). */
export const NO_PHONE = 0;

/** Zeroed Gaussian statistics of dimension `dim`. */
export function newGaussStats(dim: number): GaussStats {
  return { count: 0, sum: new Float64Array(dim), sumSq: new Float64Array(dim) };
}

/** a += b. */
export function addGaussStats(a: GaussStats, b: GaussStats): void {
  a.count += b.count;
  for (let d = 0; d < a.sum.length; d++) {
    a.sum[d] += b.sum[d];
    a.sumSq[d] += b.sumSq[d];
  }
}

/** The sum of several statistics (a new object). */
export function sumGaussStats(dim: number, parts: Iterable<GaussStats>): GaussStats {
  const out = newGaussStats(dim);
  for (const p of parts) addGaussStats(out, p);
  return out;
}

/**
 * Log-likelihood of the pooled data under its own ML diagonal Gaussian (Kaldi
 * GaussClusterable::Objf): -0.5 count (dim (log 2 pi + 1) + sum_d log var_d), with each variance
 * floored at `varFloor` (Kaldi acc-tree-stats uses 0.01). 0 for no data.
 */
export function gaussLogLike(s: GaussStats, varFloor = 0.01): number {
  if (s.count <= 0) return 0;
  const dim = s.sum.length;
  let logDet = 0;
  for (let d = 0; d < dim; d++) {
    const m = s.sum[d] / s.count;
    logDet += Math.log(Math.max(s.sumSq[d] / s.count - m * m, varFloor));
  }
  return -0.5 * s.count * (dim * (Math.log(2 * Math.PI) + 1) + logDet);
}

/** The (left, right) context of every phone instance of an alignment, in order. */
export function instanceContexts(ali: UttAlignment, tm: TransitionModel, ciPhones: Set<number>): { phone: number; left: number; right: number; startFrame: number; numFrames: number }[] {
  const segs = phoneSegments(ali, tm);
  return segs.map((s, i) => {
    const ci = ciPhones.has(s.phoneId);
    return {
      phone: s.phoneId,
      left: ci || i === 0 ? NO_PHONE : segs[i - 1].phoneId,
      right: ci || i === segs.length - 1 ? NO_PHONE : segs[i + 1].phoneId,
      startFrame: s.startFrame,
      numFrames: s.numFrames,
    };
  });
}

/** Map key of a context. */
export function contextKey(left: number, phone: number, right: number, state: number): string {
  return `${left},${phone},${right},${state}`;
}

/**
 * Accumulate tree statistics over utterances: `feats(uttId)` gives the utterance's features
 * ([numFrames x dim], row-major; the GMM features of gmm-feats.ts) or undefined to skip it; the
 * HMM state of a frame comes from its pdf through `tm` (a monophone model). Entries come out
 * sorted by (phone, state, left, right), so everything downstream is deterministic.
 *
 * @example accumulateTriphoneStats(alis.values(), tm, 39, (u) => featsOf(u), new Set([1, 2]))
 */
export function accumulateTriphoneStats(
  alis: Iterable<UttAlignment>,
  tm: TransitionModel,
  dim: number,
  feats: (uttId: string) => Float32Array | undefined,
  ciPhones: Set<number>,
): TriphoneStats {
  const map = new Map<string, TriphoneEntry>();
  for (const ali of alis) {
    const x = feats(ali.uttId);
    if (!x) continue;
    if (x.length < ali.pdfIds.length * dim) throw new Error(`tree stats: utterance ${ali.uttId} has ${x.length / dim} feature frames but ${ali.pdfIds.length} aligned frames`);
    for (const c of instanceContexts(ali, tm, ciPhones)) {
      for (let t = c.startFrame; t < c.startFrame + c.numFrames; t++) {
        const state = tm.pdfToState[ali.pdfIds[t]][1];
        const key = contextKey(c.left, c.phone, c.right, state);
        let e = map.get(key);
        if (!e) {
          e = { left: c.left, phone: c.phone, right: c.right, state, stats: newGaussStats(dim) };
          map.set(key, e);
        }
        e.stats.count++;
        for (let d = 0; d < dim; d++) {
          const v = x[t * dim + d];
          e.stats.sum[d] += v;
          e.stats.sumSq[d] += v * v;
        }
      }
    }
  }
  const entries = [...map.values()].sort((a, b) => a.phone - b.phone || a.state - b.state || a.left - b.left || a.right - b.right);
  return { dim, entries };
}

/** Statistics per phone for one HMM state, summed over contexts (what question clustering uses). */
export function phoneStateStats(stats: TriphoneStats, state: (phone: number) => number): Map<number, GaussStats> {
  const out = new Map<number, GaussStats>();
  for (const e of stats.entries) {
    if (e.state !== state(e.phone)) continue;
    let s = out.get(e.phone);
    if (!s) out.set(e.phone, (s = newGaussStats(stats.dim)));
    addGaussStats(s, e.stats);
  }
  return out;
}
