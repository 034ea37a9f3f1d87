// Diagonal-covariance Gaussian mixtures, one per pdf, stored flat for speed (Kaldi DiagGmm /
// AmDiagGmm): scoring with precomputed per-Gaussian constants, sufficient statistics (occupancy,
// first and second moments), ML re-estimation with a variance floor and low-count removal
// (Kaldi MleDiagGmmUpdate), and Gaussian splitting toward a target total (Kaldi gmm-est --mix-up).
import { randNormal, type Rng } from '../data/random.js';

/** The GMMs of all pdfs. Pdf `p` owns components `compOffset[p] .. compOffset[p+1]-1`. */
export interface GmmSet {
  dim: number;
  numPdfs: number;
  compOffset: Int32Array;
  weights: Float64Array;
  /** Component-major: component c, dimension d at `c*dim + d`. */
  means: Float64Array;
  vars: Float64Array;
}

/** The scoring form of a GmmSet: log N(x; m, v) + log w = gconst + sum_d x_d (m_d/v_d - x_d/(2 v_d)). */
export interface GmmScorer {
  dim: number;
  numPdfs: number;
  compOffset: Int32Array;
  gconst: Float64Array;
  meanInvVar: Float64Array;
  halfInvVar: Float64Array;
}

/** Sufficient statistics for every component of a GmmSet (summable across workers). */
export interface GmmStats {
  dim: number;
  occ: Float64Array;
  sumX: Float64Array;
  sumX2: Float64Array;
  /** Sum over accumulated frames of log p(x | pdf), and the number of frames (for the average). */
  totLogLike: number;
  numFrames: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Number of Gaussians in the set. */
export function numComponents(set: GmmSet): number {
  return set.compOffset[set.numPdfs];
}

/**
 * One single-Gaussian GMM per pdf, all equal to the given mean and variance: Kaldi gmm-init-mono's
 * flat start (every pdf starts from the global statistics of the training features).
 */
export function initGmmSet(numPdfs: number, mean: Float64Array, variance: Float64Array): GmmSet {
  const dim = mean.length;
  const compOffset = Int32Array.from({ length: numPdfs + 1 }, (_, i) => i);
  const means = new Float64Array(numPdfs * dim);
  const vars = new Float64Array(numPdfs * dim);
  for (let p = 0; p < numPdfs; p++) {
    means.set(mean, p * dim);
    vars.set(variance, p * dim);
  }
  return { dim, numPdfs, compOffset, weights: new Float64Array(numPdfs).fill(1), means, vars };
}

/** Precompute per-Gaussian constants so a frame costs 2 multiply-adds per dimension per Gaussian. */
export function makeScorer(set: GmmSet): GmmScorer {
  const { dim } = set;
  const n = numComponents(set);
  const gconst = new Float64Array(n);
  const meanInvVar = new Float64Array(n * dim);
  const halfInvVar = new Float64Array(n * dim);
  for (let c = 0; c < n; c++) {
    let g = Math.log(set.weights[c]) - 0.5 * dim * LOG_2PI;
    for (let d = 0; d < dim; d++) {
      const m = set.means[c * dim + d];
      const iv = 1 / set.vars[c * dim + d];
      g -= 0.5 * (Math.log(set.vars[c * dim + d]) + m * m * iv);
      meanInvVar[c * dim + d] = m * iv;
      halfInvVar[c * dim + d] = 0.5 * iv;
    }
    gconst[c] = g;
  }
  return { dim, numPdfs: set.numPdfs, compOffset: set.compOffset, gconst, meanInvVar, halfInvVar };
}

/**
 * log p(x | pdf) for the frame at `feats[offset .. offset+dim)`. When `post` is given, it receives
 * the component log-likelihoods (indexed from 0 for the pdf's first component).
 */
export function pdfLogLikelihood(sc: GmmScorer, pdf: number, feats: Float32Array | Float64Array, offset: number, post?: Float64Array): number {
  const { dim, gconst, meanInvVar, halfInvVar } = sc;
  const c0 = sc.compOffset[pdf];
  const c1 = sc.compOffset[pdf + 1];
  let max = -Infinity;
  let single = -Infinity;
  for (let c = c0; c < c1; c++) {
    let s = gconst[c];
    const b = c * dim;
    for (let d = 0; d < dim; d++) {
      const x = feats[offset + d];
      s += x * (meanInvVar[b + d] - x * halfInvVar[b + d]);
    }
    if (post) post[c - c0] = s;
    if (s > max) max = s;
    single = s;
  }
  if (c1 - c0 === 1) return single;
  // log-sum-exp: the second pass needs the stored values, so recompute when no buffer is given.
  let sum = 0;
  if (post) {
    for (let c = 0; c < c1 - c0; c++) sum += Math.exp(post[c] - max);
  } else {
    for (let c = c0; c < c1; c++) {
      let s = gconst[c];
      const b = c * dim;
      for (let d = 0; d < dim; d++) {
        const x = feats[offset + d];
        s += x * (meanInvVar[b + d] - x * halfInvVar[b + d]);
      }
      sum += Math.exp(s - max);
    }
  }
  return max + Math.log(sum);
}

/** The largest number of components of any pdf (size of the `post` buffer). */
export function maxComponents(set: { numPdfs: number; compOffset: Int32Array }): number {
  let m = 0;
  for (let p = 0; p < set.numPdfs; p++) m = Math.max(m, set.compOffset[p + 1] - set.compOffset[p]);
  return m;
}

/**
 * log p(x_t | pdf) for every frame and pdf: a Float32Array of numFrames x numPdfs (row-major).
 * The decoder's GMM acoustic model (all pdfs of a frame computed once and reused).
 */
export function allPdfLogLikelihoods(sc: GmmScorer, feats: Float32Array, numFrames: number): Float32Array {
  const out = new Float32Array(numFrames * sc.numPdfs);
  const post = new Float64Array(maxComponents(sc));
  for (let t = 0; t < numFrames; t++) {
    for (let p = 0; p < sc.numPdfs; p++) out[t * sc.numPdfs + p] = pdfLogLikelihood(sc, p, feats, t * sc.dim, post);
  }
  return out;
}

/** Zeroed statistics shaped like `set`. */
export function newGmmStats(set: GmmSet): GmmStats {
  const n = numComponents(set);
  return { dim: set.dim, occ: new Float64Array(n), sumX: new Float64Array(n * set.dim), sumX2: new Float64Array(n * set.dim), totLogLike: 0, numFrames: 0 };
}

/**
 * Add one frame aligned to `pdf` (Viterbi training): component posteriors within the pdf's GMM
 * weight the moments (Kaldi gmm-acc-stats-ali). Returns log p(x | pdf). `post` needs
 * `maxComponents(set)` entries.
 */
export function accumulateFrame(stats: GmmStats, sc: GmmScorer, pdf: number, feats: Float32Array | Float64Array, offset: number, post: Float64Array): number {
  const ll = pdfLogLikelihood(sc, pdf, feats, offset, post);
  const { dim } = sc;
  const c0 = sc.compOffset[pdf];
  const c1 = sc.compOffset[pdf + 1];
  for (let c = c0; c < c1; c++) {
    const g = c1 - c0 === 1 ? 1 : Math.exp(post[c - c0] - ll);
    if (g < 1e-10) continue;
    stats.occ[c] += g;
    const b = c * dim;
    for (let d = 0; d < dim; d++) {
      const x = feats[offset + d];
      stats.sumX[b + d] += g * x;
      stats.sumX2[b + d] += g * x * x;
    }
  }
  stats.totLogLike += ll;
  stats.numFrames++;
  return ll;
}

/** a += b (statistics from another shard). */
export function addGmmStats(a: GmmStats, b: GmmStats): void {
  for (let i = 0; i < a.occ.length; i++) a.occ[i] += b.occ[i];
  for (let i = 0; i < a.sumX.length; i++) {
    a.sumX[i] += b.sumX[i];
    a.sumX2[i] += b.sumX2[i];
  }
  a.totLogLike += b.totLogLike;
  a.numFrames += b.numFrames;
}

/** Total occupancy of each pdf (sum over its components). */
export function pdfOccupancy(set: GmmSet, stats: GmmStats): Float64Array {
  const occ = new Float64Array(set.numPdfs);
  for (let p = 0; p < set.numPdfs; p++) for (let c = set.compOffset[p]; c < set.compOffset[p + 1]; c++) occ[p] += stats.occ[c];
  return occ;
}

export interface GmmUpdateOptions {
  /** Per-dimension variance floor (e.g. 0.01 x the global variance, like HTK HCompV -f 0.01). */
  varFloor: Float64Array;
  /** Components with less occupancy keep their old parameters or are removed (Kaldi min-gaussian-occupancy 10). */
  minGaussOcc?: number;
  /** Remove low-count components when the pdf keeps at least one (Kaldi remove-low-count-gaussians). */
  removeLowCount?: boolean;
}

/**
 * ML re-estimation (Kaldi MleDiagGmmUpdate): weight = occ / pdf occ, mean = sumX / occ,
 * var = max(sumX2 / occ - mean^2, floor). A pdf without data keeps its old GMM.
 */
export function estimateGmms(set: GmmSet, stats: GmmStats, opts: GmmUpdateOptions): GmmSet {
  const { dim } = set;
  const minOcc = opts.minGaussOcc ?? 10;
  const remove = opts.removeLowCount ?? true;
  const compOffset = new Int32Array(set.numPdfs + 1);
  const weights: number[] = [];
  const means: number[] = [];
  const vars: number[] = [];
  for (let p = 0; p < set.numPdfs; p++) {
    const c0 = set.compOffset[p];
    const c1 = set.compOffset[p + 1];
    let pdfOcc = 0;
    for (let c = c0; c < c1; c++) pdfOcc += stats.occ[c];
    const keep: number[] = [];
    for (let c = c0; c < c1; c++) if (!(remove && stats.occ[c] < minOcc && pdfOcc > 0)) keep.push(c);
    if (keep.length === 0) {
      // Every component is low-count: keep the best one rather than leave the pdf empty.
      let best = c0;
      for (let c = c0; c < c1; c++) if (stats.occ[c] > stats.occ[best]) best = c;
      keep.push(best);
    }
    let keptOcc = 0;
    for (const c of keep) keptOcc += stats.occ[c];
    for (const c of keep) {
      const occ = stats.occ[c];
      const update = occ >= minOcc || (keep.length === 1 && occ > 0);
      weights.push(keptOcc > 0 ? (update ? occ : minOcc) / keptOcc : set.weights[c]);
      for (let d = 0; d < dim; d++) {
        if (update) {
          const m = stats.sumX[c * dim + d] / occ;
          means.push(m);
          vars.push(Math.max(stats.sumX2[c * dim + d] / occ - m * m, opts.varFloor[d]));
        } else {
          means.push(set.means[c * dim + d]);
          vars.push(Math.max(set.vars[c * dim + d], opts.varFloor[d]));
        }
      }
    }
    compOffset[p + 1] = weights.length;
    // Renormalise (components that kept old parameters were given a nominal weight).
    let wsum = 0;
    for (let c = compOffset[p]; c < compOffset[p + 1]; c++) wsum += weights[c];
    for (let c = compOffset[p]; c < compOffset[p + 1]; c++) weights[c] /= wsum;
  }
  return { dim, numPdfs: set.numPdfs, compOffset, weights: Float64Array.from(weights), means: Float64Array.from(means), vars: Float64Array.from(vars) };
}

export interface MixUpOptions {
  /** Allocation exponent: targets proportional to occ^power (Kaldi --power 0.2). */
  power?: number;
  /** At least this much occupancy per Gaussian after splitting (Kaldi --min-count 20). */
  minCount?: number;
  /** Means move by +-perturb x stddev x N(0,1) (Kaldi --perturb-factor 0.01). */
  perturb?: number;
}

/**
 * How many Gaussians each pdf should have for a total of `target` (Kaldi GetSplitTargets,
 * model-common.cc): starting from one per pdf, the next Gaussian always goes to the pdf with the
 * largest occ^power / count, until the total is `target`; a pdf stops getting more once
 * (count + 1) x minCount reaches its occupancy. The result is at least the current count (Kaldi
 * SplitByCount only splits). A share rounded down per pdf instead lost up to one Gaussian per pdf,
 * which with few Gaussians per tied state left train-tri 11% short of --num-gauss.
 * Hand-written binary heap: no queue library is a dependency.
 */
export function splitTargets(current: Int32Array, occ: Float64Array, target: number, power = 0.2, minCount = 20): Int32Array {
  const n = occ.length;
  const count = new Int32Array(n).fill(1);
  const weight = Float64Array.from(occ, (o) => Math.pow(Math.max(o, 0), power));
  const key = (p: number) => weight[p] / count[p];
  // Max-heap of pdf indices by key (ties: lower index first, for reproducibility).
  const heap = Array.from({ length: n }, (_, p) => p);
  const above = (a: number, b: number) => key(a) > key(b) || (key(a) === key(b) && a < b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && above(heap[l], heap[m])) m = l;
      if (r < heap.length && above(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i);
  for (let total = n; total < target && heap.length > 0; ) {
    const p = heap[0];
    if (weight[p] <= 0) break;
    if ((count[p] + 1) * minCount >= occ[p]) weight[p] = 0; // min count reached: no more for p
    else {
      count[p]++;
      total++;
    }
    siftDown(0);
  }
  for (let p = 0; p < n; p++) count[p] = Math.max(count[p], current[p]);
  return count;
}

/**
 * Split Gaussians (Kaldi DiagGmm::Split) until the set has about `target` in total: per pdf,
 * repeatedly halve the heaviest component and move the two copies' means apart by
 * +-perturb x stddev x N(0,1) per dimension. Returns a new set; `rng` makes it reproducible.
 */
export function mixUp(set: GmmSet, occ: Float64Array, target: number, rng: Rng, opts: MixUpOptions = {}): GmmSet {
  const { dim } = set;
  const perturb = opts.perturb ?? 0.01;
  const current = new Int32Array(set.numPdfs);
  for (let p = 0; p < set.numPdfs; p++) current[p] = set.compOffset[p + 1] - set.compOffset[p];
  const targets = splitTargets(current, occ, target, opts.power, opts.minCount);
  const compOffset = new Int32Array(set.numPdfs + 1);
  const weights: number[] = [];
  const means: number[] = [];
  const vars: number[] = [];
  for (let p = 0; p < set.numPdfs; p++) {
    const w: number[] = [];
    const m: number[][] = [];
    const v: number[][] = [];
    for (let c = set.compOffset[p]; c < set.compOffset[p + 1]; c++) {
      w.push(set.weights[c]);
      m.push(Array.from(set.means.subarray(c * dim, (c + 1) * dim)));
      v.push(Array.from(set.vars.subarray(c * dim, (c + 1) * dim)));
    }
    while (w.length < targets[p]) {
      let k = 0;
      for (let i = 1; i < w.length; i++) if (w[i] > w[k]) k = i;
      w[k] /= 2;
      const delta = m[k].map((_, d) => perturb * Math.sqrt(v[k][d]) * randNormal(rng));
      w.push(w[k]);
      m.push(m[k].map((x, d) => x + delta[d]));
      v.push([...v[k]]);
      m[k] = m[k].map((x, d) => x - delta[d]);
    }
    weights.push(...w);
    for (const row of m) means.push(...row);
    for (const row of v) vars.push(...row);
    compOffset[p + 1] = weights.length;
  }
  return { dim, numPdfs: set.numPdfs, compOffset, weights: Float64Array.from(weights), means: Float64Array.from(means), vars: Float64Array.from(vars) };
}
