// State priors for hybrid DNN-HMM decoding: the decoder turns DNN posteriors p(s|x) into scaled
// likelihoods p(x|s) ∝ p(s|x) / p(s), with p(s) the relative frequency of pdf s in the training
// alignments (Kaldi nnet1: class_frame_counts -> PdfPrior, nnet-pdf-prior.cc).

/** Kaldi nnet1 PdfPriorOptions default: priors below this relative frequency count as unseen. */
export const DEFAULT_PRIOR_FLOOR = 1e-10;

/**
 * Log prior stored for pdfs never (or almost never) seen in the alignments. Kaldi's PdfPrior sets
 * them to sqrt(FLT_MAX) so that log p(s|x) - log p(s) is hopeless for a state the network was never
 * trained to predict, instead of dividing a meaningless posterior by a tiny prior and boosting it.
 */
export const UNSEEN_LOG_PRIOR = Math.sqrt(3.4028234663852886e38);

/** Frames per pdf id over all alignments (Kaldi `analyze-counts` / `ali-to-pdf | ...`). */
export function countPdfs(alignments: Iterable<{ pdfIds: ArrayLike<number> }>, numPdfs: number): Float64Array {
  const counts = new Float64Array(numPdfs);
  for (const a of alignments) {
    for (let t = 0; t < a.pdfIds.length; t++) {
      const p = a.pdfIds[t];
      if (p >= 0 && p < numPdfs) counts[p]++;
    }
  }
  return counts;
}

/**
 * Log priors log(count / total) per pdf; pdfs whose relative frequency is below `floor` get
 * UNSEEN_LOG_PRIOR (Kaldi nnet-pdf-prior.cc). Throws when there are no counts at all.
 *
 * @example logPriors(new Float64Array([1, 3, 0])) // [log 0.25, log 0.75, UNSEEN_LOG_PRIOR]
 */
export function logPriors(counts: ArrayLike<number>, floor = DEFAULT_PRIOR_FLOOR): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (!(total > 0)) throw new Error('logPriors: the alignments have no frames; cannot estimate state priors');
  const out = new Array<number>(counts.length);
  for (let i = 0; i < counts.length; i++) {
    const p = counts[i] / total;
    out[i] = p < floor ? UNSEEN_LOG_PRIOR : Math.log(p);
  }
  return out;
}

/** The number of pdfs with a floored (unseen) prior. */
export function countUnseen(logPriorValues: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < logPriorValues.length; i++) if (logPriorValues[i] === UNSEEN_LOG_PRIOR) n++;
  return n;
}
