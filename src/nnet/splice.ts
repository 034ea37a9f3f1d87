// Frame splicing: the DNN input for frame t is frames t-L .. t+R of the (normalised) features,
// concatenated (Kaldi splice-feats --left-context/--right-context; nnet1 <Splice>). Frames outside
// the utterance repeat the first/last frame, as Kaldi does.
import { InputError } from '../errors.js';

/** Frames of left/right context around the centre frame. */
export interface SpliceContext {
  left: number;
  right: number;
}

/** Named contexts: `default` 5:5 for small data; `paper-2015` = 26 frames predicting the 21st (20:5). */
export const CONTEXT_PRESETS: Readonly<Record<string, SpliceContext>> = {
  default: { left: 5, right: 5 },
  // Hinton, Vinyals & Dean 2015, sec. 4: "26 frames of 40 Mel-scaled filterbank coefficients with a
  // 10ms advance per frame and we predict the HMM state of 21st frame".
  'paper-2015': { left: 20, right: 5 },
};

/** The context used when none is given (5:5). */
export const DEFAULT_CONTEXT: SpliceContext = CONTEXT_PRESETS.default;

/**
 * Parse `--context`: `L:R` (frames of left and right context, e.g. `5:5`) or a preset name
 * (`default`, `paper-2015`).
 *
 * @example parseContext('20:5') // { left: 20, right: 5 }
 */
export function parseContext(spec: string): SpliceContext {
  const s = spec.trim();
  const preset = CONTEXT_PRESETS[s];
  if (preset) return { ...preset };
  const m = /^(\d+):(\d+)$/.exec(s);
  if (!m) {
    throw new InputError(
      `--context ${spec}: expected L:R (frames of left and right context, e.g. 5:5) or a preset (${Object.keys(CONTEXT_PRESETS).join(', ')})`,
    );
  }
  return { left: Number(m[1]), right: Number(m[2]) };
}

/** `L:R`, the inverse of parseContext. */
export function formatContext(ctx: SpliceContext): string {
  return `${ctx.left}:${ctx.right}`;
}

/** Width of one spliced frame: (L + 1 + R) * featDim. */
export function splicedDim(featDim: number, ctx: SpliceContext): number {
  return (ctx.left + 1 + ctx.right) * featDim;
}

/**
 * Write the spliced input of frame `t` of one utterance into `out` at `outOffset`, reading the
 * utterance's frames from `feats` (row-major, `numFrames` x `dim`, starting at `featsOffset`).
 * Nothing is materialised beyond the one output row.
 */
export function spliceFrameInto(
  feats: Float32Array,
  featsOffset: number,
  numFrames: number,
  dim: number,
  t: number,
  ctx: SpliceContext,
  out: Float32Array,
  outOffset: number,
): void {
  const width = (ctx.left + 1 + ctx.right) * dim;
  const last = numFrames - 1;
  if (t - ctx.left >= 0 && t + ctx.right <= last) {
    // Interior frame: the context window is one contiguous run of the row-major features. Copied
    // element by element so that no typed-array view is allocated per frame.
    const start = featsOffset + (t - ctx.left) * dim;
    for (let j = 0; j < width; j++) out[outOffset + j] = feats[start + j];
    return;
  }
  let o = outOffset;
  for (let k = t - ctx.left; k <= t + ctx.right; k++) {
    // Kaldi splice-feats: indices outside [0, T) are clamped to the first / last frame.
    const tt = k < 0 ? 0 : k > last ? last : k;
    const start = featsOffset + tt * dim;
    for (let j = 0; j < dim; j++) out[o + j] = feats[start + j];
    o += dim;
  }
}

/**
 * Splice every frame of one utterance (`numFrames` x dim -> `numFrames` x (L+1+R)*dim). Only for one
 * utterance at a time (evaluation, decoding); training batches splice row by row. `out`, when
 * given, is filled (its first numFrames x width values) instead of allocating, so a decoder can
 * reuse one buffer for every utterance.
 *
 * @example spliceUtterance(new Float32Array([1, 2, 3]), 3, 1, { left: 1, right: 1 }) // [1,1,2, 1,2,3, 2,3,3]
 */
export function spliceUtterance(feats: Float32Array, numFrames: number, dim: number, ctx: SpliceContext, out?: Float32Array): Float32Array {
  const width = splicedDim(dim, ctx);
  if (out === undefined) out = new Float32Array(numFrames * width);
  else if (out.length < numFrames * width) throw new Error(`spliceUtterance: output buffer holds ${out.length} values, need ${numFrames * width}`);
  for (let t = 0; t < numFrames; t++) spliceFrameInto(feats, 0, numFrames, dim, t, ctx, out, t * width);
  return out;
}
