// A frequency-warped transfer set for distillation: vocal tract length perturbation (VTLP, Jaitly &
// Hinton 2013, "Vocal Tract Length Perturbation improves speech recognition") applied to the
// spliced filterbank rows the teacher labels. Our held-out speakers are unseen voices, and what a
// member gets wrong on them is mostly what it overfitted to the training voices; a warped frame is
// a plausible frame of another voice, so the teacher's soft targets on it show the student how the
// ensemble generalises across speakers. The hard labels stay those of the unwarped frame (VTLP
// preserves the phone), and the teacher labels the warped frame (as with transfer-noise.ts, teacher
// and student see the same input).
import { InputError } from '../errors.js';
import { makeRng } from '../data/random.js';

/**
 * Warp one frame of `featDim` log-mel bins by factor `alpha` (> 1 moves spectral content up):
 * out[j] = in(s) with s = (j + 0.5) / alpha - 0.5 read by linear interpolation and clamped to the
 * edge bins. Mel bins are close to linear in frequency over the range where formants move, so a
 * linear warp of the bin index stands in for VTLP's warp of the filter centre frequencies.
 *
 * @example warpFrame(Float32Array.from([0, 1, 2, 3]), 0, 4, 2, out, 0) // out = [0, 0.25, 0.75, 1.25]
 */
export function warpFrame(x: Float32Array, offset: number, featDim: number, alpha: number, out: Float32Array, outOffset: number): void {
  const last = featDim - 1;
  for (let j = 0; j < featDim; j++) {
    const s = Math.min(last, Math.max(0, (j + 0.5) / alpha - 0.5));
    const i = Math.floor(s);
    const f = s - i;
    const a = x[offset + i];
    out[outOffset + j] = i < last ? a + f * (x[offset + i + 1] - a) : a;
  }
}

/**
 * Per-row random frequency warps of spliced rows, deterministic in (seed, epoch, batch) so that a
 * resumed run sees the same perturbations. Every frame of a row (its context window) gets the
 * row's factor, drawn uniformly from [1 - maxWarp, 1 + maxWarp]: one voice per window.
 */
export class TransferWarp {
  constructor(
    /** Largest relative warp (VTLP used factors 0.9..1.1: 0.1). */
    readonly maxWarp: number,
    /** Bins per frame (the unspliced feature dimension). */
    readonly featDim: number,
    readonly seed: number,
  ) {
    if (!(maxWarp > 0 && maxWarp < 0.5)) throw new InputError(`--transfer-warp ${maxWarp}: must be a fraction in (0, 0.5) (e.g. 0.1 for factors 0.9..1.1), or leave it out`);
    if (!(Number.isInteger(featDim) && featDim >= 2)) throw new Error(`transfer warp: feature dim ${featDim} must be an integer >= 2`);
  }

  /** Warp in place the first `rows` rows of `x` (row-major, frame-major rows as splice.ts lays them out). */
  apply(x: Float32Array, rows: number, inputDim: number, epoch: number, batch: number): void {
    const d = this.featDim;
    if (inputDim % d !== 0) throw new Error(`transfer warp: input dim ${inputDim} is not a multiple of the feature dim ${d}`);
    const rng = makeRng(this.seed, `transfer-warp-${epoch}-${batch}`);
    const frame = new Float32Array(d);
    for (let r = 0; r < rows; r++) {
      const alpha = 1 + this.maxWarp * (2 * rng() - 1);
      for (let o = r * inputDim; o < (r + 1) * inputDim; o += d) {
        warpFrame(x, o, d, alpha, frame, 0);
        x.set(frame, o);
      }
    }
  }
}
