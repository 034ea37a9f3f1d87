// NaN or infinite network outputs at evaluation and decoding. Damaged weights (or NaN features)
// make every posterior NaN; without a check, eval-frames printed "cross-entropy NaN" with exit 0
// and decode wrote a hypothesis for every utterance (the log-posterior floor hid the NaN).
import { InputError } from '../errors.js';

/**
 * Index of the first NaN or +-Infinity in `values`, or -1 when all are finite.
 * @example firstNonFinite(Float32Array.of(0, 1, NaN)) // 2
 */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is NaN exactly for NaN and +-Infinity: one comparison per value on the hot path.
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * Throw an InputError naming the model, the utterance and the first bad value when `values`
 * (`numFrames x numPdfs` outputs of one utterance, or a chunk starting at its frame `frameOffset`)
 * holds NaN or an infinity; `what` says which outputs they are (`posteriors`, `log-likelihoods`).
 * @example checkFiniteOutputs(ll, numPdfs, { modelDir: 'exp/dnn', uttId: 'spk1-0003', what: 'log-likelihoods' })
 */
export function checkFiniteOutputs(
  values: ArrayLike<number>,
  numPdfs: number,
  where: { modelDir: string; uttId: string; what: string; frameOffset?: number },
): void {
  const i = firstNonFinite(values);
  if (i < 0) return;
  const frame = (where.frameOffset ?? 0) + Math.floor(i / numPdfs);
  throw new InputError(
    `${where.modelDir}: the model's ${where.what} for utterance ${where.uttId} are not finite (${values[i]} at frame ${frame}, pdf ${i % numPdfs}); ` +
      'its weights are damaged or the features hold NaN/Inf values. Check the features (asr-distill show-feats), then retrain the model or copy it again',
  );
}
