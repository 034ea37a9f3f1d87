// Hybrid DNN-HMM frame scores from network outputs: pure arithmetic, no Node modules (the web page
// bundled by export-web uses it as decode/acoustic-model.ts does).
import { InputError } from '../errors.js';

/**
 * Hybrid scoring (Bourlard & Morgan; Hinton et al. 2012): the DNN estimates p(pdf | x); dividing by
 * the prior p(pdf) gives a likelihood up to a constant, so the scaled log-likelihood is
 * log p(pdf | x) - log p(pdf) (Kaldi nnet-forward --apply-log --class-frame-counts). In place on
 * `posteriors` [numFrames x numPdfs]; posteriors are floored at 1e-30 so a zero gives a finite value.
 */
export function posteriorsToLogLikelihoods(posteriors: Float32Array, logPriors: ArrayLike<number>, numPdfs: number): Float32Array {
  if (logPriors.length !== numPdfs) throw new InputError(`acoustic model: ${logPriors.length} log priors for ${numPdfs} pdfs`);
  if (posteriors.length % numPdfs !== 0) throw new InputError(`acoustic model: ${posteriors.length} posteriors is not a multiple of ${numPdfs} pdfs`);
  for (let i = 0; i < posteriors.length; i += numPdfs) {
    // Math.max(NaN, x) is NaN: a NaN posterior stays NaN for the caller's check.
    for (let j = 0; j < numPdfs; j++) posteriors[i + j] = Math.log(Math.max(posteriors[i + j], 1e-30)) - logPriors[j];
  }
  return posteriors;
}

/** log(1e-30): the floor of posteriorsToLogLikelihoods, applied to log-softmax values too. */
const LOG_POSTERIOR_FLOOR = Math.log(1e-30);

/**
 * The same hybrid scores from a single DNN's logits: log softmax(z) - log prior, computed as
 * z - logsumexp(z) in one pass per frame (no exp-then-log round trip through posteriors; the
 * log posterior is floored at log(1e-30) as posteriorsToLogLikelihoods floors the posterior).
 * In place on `logits` [numFrames x numPdfs].
 */
export function logitsToLogLikelihoods(logits: Float32Array, logPriors: ArrayLike<number>, numPdfs: number): Float32Array {
  if (logPriors.length !== numPdfs) throw new InputError(`acoustic model: ${logPriors.length} log priors for ${numPdfs} pdfs`);
  if (logits.length % numPdfs !== 0) throw new InputError(`acoustic model: ${logits.length} logits is not a multiple of ${numPdfs} pdfs`);
  for (let i = 0; i < logits.length; i += numPdfs) {
    let max = -Infinity;
    for (let j = 0; j < numPdfs; j++) if (logits[i + j] > max) max = logits[i + j];
    let sum = 0;
    for (let j = 0; j < numPdfs; j++) sum += Math.exp(logits[i + j] - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < numPdfs; j++) {
      const lp = logits[i + j] - lse;
      // Written so that NaN stays NaN (a NaN logit must reach the caller's check, not become the floor).
      logits[i + j] = (lp < LOG_POSTERIOR_FLOOR ? LOG_POSTERIOR_FLOOR : lp) - logPriors[j];
    }
  }
  return logits;
}
