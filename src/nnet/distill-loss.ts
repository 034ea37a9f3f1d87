// Frame-level training losses and their gradients w.r.t. the student's logits, as pure functions on
// Float32Arrays (the reference the tf train step is tested against). Hinton, Vinyals & Dean 2015:
// sec. 2 (soft targets at temperature T, the T^2 factor, the high-T limit), sec. 4 (speech: the
// weighted sum of soft and hard cross-entropies, 0.5 on the hard one), sec. 2.1 (logit matching with
// teacher and student logits centred per frame, the high-temperature limit of the soft loss).

/**
 * Which loss and how its terms are weighted (all losses are means over the frames of a batch):
 * - `ce`: cross-entropy of the hard labels, CE(label, softmax(z)).
 * - `soft-ce`: softWeight * T^2 * CE(q_T, softmax(z / T)) + hardWeight * CE(label, softmax(z)), where
 *   q_T are the teacher's probabilities at temperature T (for an ensemble, the MEAN of the members'
 *   softmax(z_m / T), never the softmax of averaged logits).
 * - `logit-mse`: softWeight * 0.5 * ||c(z) - c(v)||^2 / numPdfs + hardWeight * CE(label, softmax(z)), v
 *   the teacher logits and c() the per-frame centring (Caruana-style logit matching; sec. 2.1 derives
 *   it as the high-temperature limit of soft-ce for zero-mean logits, and softmax ignores the mean,
 *   so both sides are centred).
 * Frames whose label is negative (unlabeled transfer data) contribute no hard term.
 */
export interface LossConfig {
  kind: 'ce' | 'soft-ce' | 'logit-mse';
  temperature: number;
  hardWeight: number;
  softWeight: number;
}

/** Weight of the hard-label CE when labels exist (Hinton et al. 2015, sec. 4: 0.5); 0 without labels. */
export const DEFAULT_HARD_WEIGHT = 0.5;
/** The distillation loss unless asked otherwise: soft-target CE at T (sec. 2). */
export const DEFAULT_DISTILL_LOSS = 'soft-ce' as const;

/** The hard-label weight when none is given: DEFAULT_HARD_WEIGHT with labels, 0 on an unlabeled transfer set. */
export function defaultHardWeight(labeled: boolean): number {
  return labeled ? DEFAULT_HARD_WEIGHT : 0;
}

/** Targets of a batch of frames (row-major `numFrames x numPdfs` where 2-D). */
export interface LossTargets {
  labels?: Int32Array;
  soft?: Float32Array;
  teacherLogits?: Float32Array;
}

/** log softmax(z / T) of one row, float64. */
function logSoftmaxRow(z: Float32Array, o: number, n: number, temperature: number): Float64Array {
  const r = new Float64Array(n);
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, z[o + j] / temperature);
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(z[o + j] / temperature - m);
  const lse = m + Math.log(s);
  for (let j = 0; j < n; j++) r[j] = z[o + j] / temperature - lse;
  return r;
}

function need<T>(x: T | undefined, what: string, kind: string): T {
  if (x === undefined) throw new Error(`distill-loss: loss '${kind}' needs ${what} in the batch`);
  return x;
}

/**
 * The loss (mean over frames) and its gradient w.r.t. the student logits `z` (`numFrames x numPdfs`).
 * Gradients per frame (before the 1/numFrames of the mean):
 * hard CE: softmax(z) - onehot(label); soft CE with the T^2 factor: T * (softmax(z/T) - q_T)
 * (sec. 2: d/dz of CE(q, softmax(z/T)) is (softmax(z/T) - q) / T, so T^2 keeps the soft
 * gradients' scale independent of T); logit MSE: c(z - v) / numPdfs (c is a projection, so the
 * gradient of ||c(z) - c(v)||^2 / 2 is c(z - v)).
 */
export function distillLoss(
  z: Float32Array,
  targets: LossTargets,
  numFrames: number,
  numPdfs: number,
  cfg: LossConfig,
): { loss: number; grad: Float32Array } {
  const grad = new Float32Array(numFrames * numPdfs);
  const hardWeight = cfg.kind === 'ce' ? 1 : cfg.hardWeight;
  const softWeight = cfg.kind === 'ce' ? 0 : cfg.softWeight;
  const T = cfg.temperature;
  let loss = 0;
  for (let t = 0; t < numFrames; t++) {
    const o = t * numPdfs;
    const g = new Float64Array(numPdfs);
    if (hardWeight !== 0) {
      const label = need(targets.labels, 'labels', cfg.kind)[t];
      if (label >= 0) {
        const lp = logSoftmaxRow(z, o, numPdfs, 1);
        loss -= hardWeight * lp[label];
        for (let j = 0; j < numPdfs; j++) g[j] += hardWeight * (Math.exp(lp[j]) - (j === label ? 1 : 0));
      }
    }
    if (softWeight !== 0 && cfg.kind === 'soft-ce') {
      const q = need(targets.soft, 'soft targets', cfg.kind);
      const lp = logSoftmaxRow(z, o, numPdfs, T);
      for (let j = 0; j < numPdfs; j++) {
        if (q[o + j] > 0) loss -= softWeight * T * T * q[o + j] * lp[j];
        g[j] += softWeight * T * (Math.exp(lp[j]) - q[o + j]);
      }
    } else if (softWeight !== 0 && cfg.kind === 'logit-mse') {
      const v = need(targets.teacherLogits, 'teacher logits', cfg.kind);
      let mean = 0;
      for (let j = 0; j < numPdfs; j++) mean += z[o + j] - v[o + j];
      mean /= numPdfs;
      for (let j = 0; j < numPdfs; j++) {
        const d = z[o + j] - v[o + j] - mean;
        loss += (softWeight * 0.5 * d * d) / numPdfs;
        g[j] += (softWeight * d) / numPdfs;
      }
    }
    for (let j = 0; j < numPdfs; j++) grad[o + j] = g[j] / numFrames;
  }
  return { loss: loss / numFrames, grad };
}

/**
 * Gradient of the soft term alone WITHOUT the T^2 factor, for one frame: d/dz CE(q_T, softmax(z/T))
 * = (softmax(z/T) - q_T) / T, with q_T = softmax(v/T). Sec. 2 shows that for zero-mean logits and
 * large T this approaches (z - v) / (N T^2), N = numPdfs.
 */
export function softTargetGradient(z: Float32Array, v: Float32Array, temperature: number): Float64Array {
  const n = z.length;
  const p = logSoftmaxRow(z, 0, n, temperature);
  const q = logSoftmaxRow(v, 0, n, temperature);
  const g = new Float64Array(n);
  for (let j = 0; j < n; j++) g[j] = (Math.exp(p[j]) - Math.exp(q[j])) / temperature;
  return g;
}
