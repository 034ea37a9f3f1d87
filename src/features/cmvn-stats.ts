// Cepstral mean and variance normalisation, the arithmetic (Kaldi compute-cmvn-stats, apply-cmvn;
// transform/cmvn.cc): statistics are a count, per-dimension sums and sums of squares per speaker or
// per utterance; applying them subtracts the mean and optionally divides by the standard deviation.
// Pure (no Node modules): the page written by export-web bundles it. Reading and writing
// FEATS_DIR/cmvn.json is in cmvn.ts.
import { InputError } from '../errors.js';
import type { UttFeats } from '../store/feats-archive.js';
import { compareCLocale } from '../data/c-locale.js';

export type CmvnPer = 'utterance' | 'speaker';

/** Sufficient statistics of one speaker or utterance (Kaldi's 2 x (dim+1) stats matrix, unpacked). */
export interface CmvnAccumulator {
  count: number;
  sum: number[];
  sumSq: number[];
}

/** FEATS_DIR/cmvn.json. */
export interface CmvnStats {
  per: CmvnPer;
  dim: number;
  stats: Record<string, CmvnAccumulator>;
}

/**
 * Accumulate CMVN statistics over `utts`, keyed by speaker id or utterance id (float64 sums, as
 * Kaldi accumulates in double).
 */
export function computeCmvnStats(utts: Iterable<UttFeats>, per: CmvnPer): CmvnStats {
  const builder = new CmvnStatsBuilder(per);
  for (const u of utts) builder.add(u);
  return builder.stats();
}

/** computeCmvnStats one utterance at a time (compute-cmvn streams an archive through it). */
export class CmvnStatsBuilder {
  private readonly acc = new Map<string, { count: number; sum: Float64Array; sumSq: Float64Array }>();
  private dim = -1;
  constructor(readonly per: CmvnPer) {}

  add(u: UttFeats): void {
    if (this.dim === -1) this.dim = u.dim;
    const dim = this.dim;
    if (u.dim !== dim) throw new InputError(`utterance ${u.uttId}: dim ${u.dim} differs from ${dim}; all features must come from one config`);
    const key = this.per === 'speaker' ? u.speakerId : u.uttId;
    let a = this.acc.get(key);
    if (!a) this.acc.set(key, (a = { count: 0, sum: new Float64Array(dim), sumSq: new Float64Array(dim) }));
    const { data } = u;
    for (let t = 0; t < u.numFrames; t++) {
      const row = t * dim;
      for (let d = 0; d < dim; d++) {
        const v = data[row + d];
        a.sum[d] += v;
        a.sumSq[d] += v * v;
      }
    }
    a.count += u.numFrames;
  }

  /** The statistics so far, keys in C-locale order. */
  stats(): CmvnStats {
    const stats: Record<string, CmvnAccumulator> = {};
    for (const key of [...this.acc.keys()].sort(compareCLocale)) {
      const a = this.acc.get(key)!;
      stats[key] = { count: a.count, sum: Array.from(a.sum), sumSq: Array.from(a.sumSq) };
    }
    return { per: this.per, dim: Math.max(this.dim, 0), stats };
  }
}

/**
 * Normalise one utterance (a new array; the input is untouched), like Kaldi apply-cmvn: subtract
 * the mean of its speaker (or utterance); with `normVars`, also divide by the standard deviation,
 * the variance floored at 1e-20. Fails like Kaldi when the stats count is below 1.
 */
export function applyCmvn(feats: UttFeats, cmvn: CmvnStats, opts: { normVars?: boolean } = {}): Float32Array {
  const key = cmvn.per === 'speaker' ? feats.speakerId : feats.uttId;
  const s = cmvn.stats[key];
  if (!s) {
    throw new InputError(
      `cmvn.json has no stats for ${cmvn.per} ${key} (utterance ${feats.uttId}); re-run \`asr-distill compute-cmvn\` on the features you are using`,
    );
  }
  if (feats.dim !== cmvn.dim) throw new InputError(`utterance ${feats.uttId}: dim ${feats.dim} but cmvn.json has dim ${cmvn.dim}; re-run compute-cmvn`);
  if (s.count < 1) throw new InputError(`cmvn.json: insufficient stats for ${cmvn.per} ${key}: count = ${s.count} (Kaldi apply-cmvn needs >= 1)`);
  const dim = feats.dim;
  const offset = new Float64Array(dim);
  const scale = new Float64Array(dim).fill(1);
  for (let d = 0; d < dim; d++) {
    const mean = s.sum[d] / s.count;
    if (opts.normVars) {
      const variance = Math.max(s.sumSq[d] / s.count - mean * mean, 1e-20);
      scale[d] = 1 / Math.sqrt(variance);
    }
    offset[d] = -mean * scale[d];
  }
  const out = new Float32Array(feats.data.length);
  const x = feats.data;
  for (let t = 0; t < feats.numFrames; t++) {
    const row = t * dim;
    for (let d = 0; d < dim; d++) out[row + d] = x[row + d] * scale[d] + offset[d];
  }
  return out;
}
