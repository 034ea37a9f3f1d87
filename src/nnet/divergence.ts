// When has training diverged? NaN is the obvious case, but Adam at an absurd rate (lr 1e9) keeps
// the loss finite and huge (3.2e20 per frame) and would otherwise write that model silently.

/**
 * A run has diverged when its running training loss exceeds this many times its start. Why 10:
 * a randomly initialised network starts near ln(numPdfs) nats per frame (uniform guessing) and
 * ordinary training only lowers that; ten times the start means the correct state gets e^-10 of
 * the probability a uniform guess would give it on average over the epoch so far, which no
 * healthy run (including newbob-rejected epochs, which go back to earlier weights, and
 * distillation's T^2-scaled soft loss, whose start scales the same way) comes anywhere near.
 */
export const DIVERGENCE_FACTOR = 10;

/**
 * The training loss above which a run counts as diverged: DIVERGENCE_FACTOR times its start
 * (`startLoss`, the first batch's loss of the run), where the start is taken as at least
 * ln(numPdfs) (the loss of a uniform guess) and 1 nat, so that a run that starts from an already
 * trained model (fine-tuning, tiny losses) is not stopped by an ordinary harder batch.
 * @example divergenceLimit(6.2, 100) // 62
 */
export function divergenceLimit(startLoss: number, numPdfs: number): number {
  const start = Number.isFinite(startLoss) ? startLoss : 0;
  return DIVERGENCE_FACTOR * Math.max(start, Math.log(Math.max(numPdfs, 1)), 1);
}

/**
 * Why `loss` means the run has diverged, or undefined if it has not: NaN, infinite, or above
 * `limit` (divergenceLimit). The text completes "the training loss ...".
 * @example lossDivergence(3.2e20, 62) // 'reached 3.2e+20, more than 10 times its start (limit 62)'
 */
export function lossDivergence(loss: number, limit: number): string | undefined {
  if (Number.isNaN(loss) || !Number.isFinite(loss)) return `became ${loss}`;
  if (loss > limit) return `reached ${loss.toPrecision(3)}, more than ${DIVERGENCE_FACTOR} times its start (limit ${limit.toPrecision(3)})`;
  return undefined;
}
