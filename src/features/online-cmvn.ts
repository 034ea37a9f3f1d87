// Online (sliding-window) CMVN for live audio, as Kaldi's online2 front end does it (OnlineCmvn,
// feat/online-feature.cc): frame t is normalised with the statistics of the frames up to and
// including t, at most `cmnWindow` of them; while fewer are available, statistics of the training
// data (the prior) make up the difference, scaled to at most `globalFrames` frames
// (OnlineCmvn::SmoothOnlineCmvnStats). Causal: a normalised frame never changes once it is out,
// so a streaming decoder can consume it at once. Pure (the web page bundles it).
import { InputError } from '../errors.js';
import type { CmvnAccumulator, CmvnStats } from './cmvn-stats.js';

export interface OnlineCmvnOptions {
  /** Frames of history in the sliding window (Kaldi --cmn-window, default 600 = 6 s). */
  cmnWindow?: number;
  /** At most this many frames' worth of prior statistics (Kaldi --global-frames, default 200). */
  globalFrames?: number;
  /** Divide by the standard deviation too (Kaldi --norm-vars, default false), variance floored at 1e-20. */
  normVars?: boolean;
}

/** Kaldi's OnlineCmvnOptions defaults. */
export const ONLINE_CMVN_DEFAULTS: Required<OnlineCmvnOptions> = { cmnWindow: 600, globalFrames: 200, normVars: false };

/**
 * The statistics of every speaker (or utterance) in a cmvn.json summed into one: the prior of
 * OnlineCmvn (Kaldi's global_cmvn_stats, which online2 recipes compute over the training data).
 */
export function globalCmvnStats(cmvn: CmvnStats): CmvnAccumulator {
  const sum = new Float64Array(cmvn.dim);
  const sumSq = new Float64Array(cmvn.dim);
  let count = 0;
  for (const s of Object.values(cmvn.stats)) {
    count += s.count;
    for (let d = 0; d < cmvn.dim; d++) {
      sum[d] += s.sum[d];
      sumSq[d] += s.sumSq[d];
    }
  }
  return { count, sum: Array.from(sum), sumSq: Array.from(sumSq) };
}

/**
 * Streaming CMVN of `dim`-dimensional frames. Without a prior (null) the first frames are
 * normalised by the few frames seen so far (frame 0 becomes all zeros when only the mean is
 * removed); Kaldi requires a prior, the page ships the training data's.
 *
 * @example
 * const cmvn = new OnlineCmvn(40, globalCmvnStats(trainCmvn));
 * const out = cmvn.push(feats, numFrames); // normalised frames, in order, as they come
 */
export class OnlineCmvn {
  private readonly opts: Required<OnlineCmvnOptions>;
  /** Raw frames of the current window, a ring of cmnWindow rows. */
  private readonly ring: Float32Array;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private numSeen = 0;

  constructor(
    readonly dim: number,
    private readonly prior: CmvnAccumulator | null,
    options: OnlineCmvnOptions = {},
  ) {
    this.opts = { ...ONLINE_CMVN_DEFAULTS, ...options };
    if (!Number.isInteger(this.opts.cmnWindow) || this.opts.cmnWindow < 1) throw new InputError(`online CMVN: cmnWindow must be an integer >= 1, got ${this.opts.cmnWindow}`);
    if (prior && (prior.sum.length !== dim || prior.sumSq.length !== dim)) throw new InputError(`online CMVN: the prior statistics have dim ${prior.sum.length}, the features ${dim}; export the model with the statistics of its own features`);
    if (prior && !(prior.count > 0)) throw new InputError(`online CMVN: the prior statistics have count ${prior.count}; they must come from at least one frame`);
    this.ring = new Float32Array(this.opts.cmnWindow * dim);
    this.sum = new Float64Array(dim);
    this.sumSq = new Float64Array(dim);
  }

  /** Frames pushed so far. */
  get framesSeen(): number {
    return this.numSeen;
  }

  /** Normalise the next `numFrames` frames (row-major in `feats`); returns them in a new array. */
  push(feats: Float32Array, numFrames: number): Float32Array {
    const { dim } = this;
    const { cmnWindow, globalFrames, normVars } = this.opts;
    if (feats.length < numFrames * dim) throw new InputError(`online CMVN: ${feats.length} values for ${numFrames} frames of dim ${dim}`);
    const out = new Float32Array(numFrames * dim);
    const { ring, sum, sumSq, prior } = this;
    for (let i = 0; i < numFrames; i++) {
      const t = this.numSeen++;
      const slot = (t % cmnWindow) * dim;
      const row = i * dim;
      for (let d = 0; d < dim; d++) {
        // The frame leaving the window (t - cmnWindow) sits in the slot the new one takes.
        if (t >= cmnWindow) {
          const old = ring[slot + d];
          sum[d] -= old;
          sumSq[d] -= old * old;
        }
        const v = feats[row + d];
        ring[slot + d] = v;
        sum[d] += v;
        sumSq[d] += v * v;
      }
      const count = Math.min(t + 1, cmnWindow);
      // SmoothOnlineCmvnStats: prior frames make up the window, at most globalFrames of them.
      const fromPrior = prior ? Math.min(cmnWindow - count, globalFrames) : 0;
      const w = fromPrior > 0 ? fromPrior / prior!.count : 0;
      const total = count + fromPrior;
      for (let d = 0; d < dim; d++) {
        const mean = (sum[d] + (w ? w * prior!.sum[d] : 0)) / total;
        let scale = 1;
        if (normVars) {
          const variance = Math.max((sumSq[d] + (w ? w * prior!.sumSq[d] : 0)) / total - mean * mean, 1e-20);
          scale = 1 / Math.sqrt(variance);
        }
        out[row + d] = (feats[row + d] - mean) * scale;
      }
    }
    return out;
  }
}
