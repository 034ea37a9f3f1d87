// Specialist models (Hinton, Vinyals & Dean 2015, sec. 5): the pure cores. Classes the generalist
// confuses are clustered by the covariance of its predictions (sec. 5.2: k-means on the columns of
// the covariance matrix); a specialist sees its cluster's classes plus one dustbin class for all
// the others (sec. 5.1); at inference the generalist and the active specialists are combined into
// the distribution q minimising eq. 5, KL(p^g, q) + sum over active m of KL(p^m, q), found by
// SQUAREM-accelerated EM iterations started from the generalist's distribution (sec. 5.3).
import { InputError } from '../errors.js';
import { makeRng, shuffleInPlace } from '../data/random.js';
import type { FrameCorpus } from './batches.js';
import { cloneDnnWeights, type DnnWeights } from './weights.js';

/**
 * Covariance (numPdfs x numPdfs, row-major, float64) of the predicted distributions over frames:
 * E[p p^T] - E[p] E[p]^T. Pdfs predicted together (confused) covary positively.
 */
export function predictionCovariance(posteriors: Float32Array, numFrames: number, numPdfs: number): Float64Array {
  if (numFrames < 1) throw new InputError('predictionCovariance: no frames');
  const mean = new Float64Array(numPdfs);
  const cov = new Float64Array(numPdfs * numPdfs);
  for (let t = 0; t < numFrames; t++) {
    const o = t * numPdfs;
    for (let i = 0; i < numPdfs; i++) {
      const pi = posteriors[o + i];
      mean[i] += pi;
      if (pi === 0) continue;
      for (let j = 0; j < numPdfs; j++) cov[i * numPdfs + j] += pi * posteriors[o + j];
    }
  }
  for (let i = 0; i < numPdfs; i++) mean[i] /= numFrames;
  for (let i = 0; i < numPdfs; i++) for (let j = 0; j < numPdfs; j++) cov[i * numPdfs + j] = cov[i * numPdfs + j] / numFrames - mean[i] * mean[j];
  return cov;
}

/**
 * k-means (k-means++ seeding, then Lloyd's iterations until no point moves) of `numPoints` points
 * of dimension `dim` (row-major). Returns each point's cluster, 0..k-1; every cluster non-empty.
 * Hand-written: a few dozen lines, no dependency for it in the project.
 */
export function kMeans(points: Float64Array, numPoints: number, dim: number, k: number, seed: number, maxIters = 100): Int32Array {
  if (!Number.isInteger(k) || k < 1 || k > numPoints) throw new InputError(`k-means: ${k} clusters of ${numPoints} points; give 1 <= K <= ${numPoints}`);
  const rng = makeRng(seed, 'kmeans');
  const dist2 = (p: number, c: Float64Array, ci: number) => {
    let d = 0;
    for (let j = 0; j < dim; j++) {
      const x = points[p * dim + j] - c[ci * dim + j];
      d += x * x;
    }
    return d;
  };
  const centres = new Float64Array(k * dim);
  const first = Math.floor(rng() * numPoints);
  centres.set(points.subarray(first * dim, (first + 1) * dim), 0);
  const best = new Float64Array(numPoints).fill(Infinity);
  for (let c = 1; c < k; c++) {
    // k-means++ (Arthur & Vassilvitskii 2007): the next centre with probability ~ squared distance.
    let total = 0;
    for (let p = 0; p < numPoints; p++) {
      best[p] = Math.min(best[p], dist2(p, centres, c - 1));
      total += best[p];
    }
    let r = rng() * total;
    let pick = numPoints - 1;
    for (let p = 0; p < numPoints; p++) {
      r -= best[p];
      if (r < 0) {
        pick = p;
        break;
      }
    }
    if (total === 0) pick = c; // all points coincide with a centre: any distinct index keeps clusters non-empty
    centres.set(points.subarray(pick * dim, (pick + 1) * dim), c * dim);
  }
  const assign = new Int32Array(numPoints).fill(-1);
  for (let iter = 0; iter < maxIters; iter++) {
    let moved = false;
    for (let p = 0; p < numPoints; p++) {
      let bc = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist2(p, centres, c);
        if (d < bd) [bd, bc] = [d, c];
      }
      if (assign[p] !== bc) [assign[p], moved] = [bc, true];
    }
    if (!moved) break;
    const counts = new Int32Array(k);
    centres.fill(0);
    for (let p = 0; p < numPoints; p++) {
      counts[assign[p]]++;
      for (let j = 0; j < dim; j++) centres[assign[p] * dim + j] += points[p * dim + j];
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < dim && counts[c] > 0; j++) centres[c * dim + j] /= counts[c];
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) continue;
      // An empty cluster takes the point farthest from its centre (from a cluster of two or more).
      let far = -1;
      let fd = -1;
      for (let p = 0; p < numPoints; p++) {
        const d = dist2(p, centres, assign[p]);
        if (counts[assign[p]] > 1 && d > fd) [fd, far] = [d, p];
      }
      counts[assign[far]]--;
      counts[c] = 1;
      assign[far] = c;
      centres.set(points.subarray(far * dim, (far + 1) * dim), c * dim);
    }
  }
  return assign;
}

/**
 * The correlation matrix of a covariance matrix: cov_ij / sqrt(cov_ii cov_jj); 0 where a pdf never
 * varies (never predicted).
 */
export function covarianceToCorrelation(cov: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = Math.sqrt(cov[i * n + i] * cov[j * n + j]);
      out[i * n + j] = d > 0 ? cov[i * n + j] / d : 0;
    }
  }
  return out;
}

/** Which matrix's columns clusterPdfsByCovariance runs k-means on. */
export type ClusterMatrix = 'covariance' | 'correlation';
export const CLUSTER_MATRICES: readonly ClusterMatrix[] = ['covariance', 'correlation'];

/**
 * Sec. 5.2: cluster the pdfs by the covariance of the generalist's predictions (`cov`, from
 * predictionCovariance: computed once for every clustering of a run, it costs ~10 s on 50,000
 * frames of 362 pdfs), k-means on the columns of the covariance matrix (`matrix` 'covariance', the paper's). With 'correlation' each
 * column is scaled by the pdfs' standard deviations first: on speech states the frequent ones
 * (silence) have columns so much longer than the rest that k-means on the raw covariance puts
 * each of them alone and every other pdf in one cluster (docs/paper-reproduction.md).
 * Returns the pdf ids of each cluster (ascending).
 */
export function clusterPdfsByCovariance(cov: Float64Array, numPdfs: number, k: number, seed: number, matrix: ClusterMatrix = 'covariance'): Int32Array[] {
  // The covariance is symmetric: column j is row j (and so for the correlation).
  const assign = kMeans(clusterMatrixOf(cov, numPdfs, matrix), numPdfs, numPdfs, k, seed);
  const clusters: number[][] = Array.from({ length: k }, () => []);
  assign.forEach((c, pdf) => clusters[c].push(pdf));
  return clusters.map((c) => Int32Array.from(c));
}

/** The matrix whose columns sec. 5.2's k-means clusters: the predictions' covariance `cov` itself or its correlation. */
function clusterMatrixOf(cov: Float64Array, numPdfs: number, matrix: ClusterMatrix): Float64Array {
  return matrix === 'correlation' ? covarianceToCorrelation(cov, numPdfs) : cov;
}

/**
 * Overlapping class sets from a k-means result: each of the `k` centres (the mean of its points
 * in `assign`, as Lloyd's last step leaves it) takes the `size` points nearest to it by the
 * squared Euclidean distance k-means assigns by (ties to the lower index). A point can so be in
 * 0..k sets; sets are point indices, ascending.
 * @example nearestToCentres(Float64Array.of(0, 1, 10, 11), 4, 1, Int32Array.of(0, 0, 1, 1), 2, 3) // [[0, 1, 2], [1, 2, 3]]
 */
export function nearestToCentres(points: Float64Array, numPoints: number, dim: number, assign: Int32Array, k: number, size: number): Int32Array[] {
  if (!Number.isInteger(size) || size < 1 || size > numPoints) throw new InputError(`nearestToCentres: ${size} points per centre of ${numPoints}; give 1 <= size <= ${numPoints}`);
  const centres = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let p = 0; p < numPoints; p++) {
    counts[assign[p]]++;
    for (let j = 0; j < dim; j++) centres[assign[p] * dim + j] += points[p * dim + j];
  }
  const out: Int32Array[] = [];
  const d = new Float64Array(numPoints);
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) throw new InputError(`nearestToCentres: centre ${c} has no point in the assignment`);
    for (let j = 0; j < dim; j++) centres[c * dim + j] /= counts[c];
    for (let p = 0; p < numPoints; p++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const x = points[p * dim + j] - centres[c * dim + j];
        s += x * x;
      }
      d[p] = s;
    }
    const order = Array.from({ length: numPoints }, (_, p) => p).sort((a, b) => d[a] - d[b] || a - b);
    out.push(Int32Array.from(order.slice(0, size)).sort());
  }
  return out;
}

/**
 * Sec. 5.2 with overlapping class sets, as the paper's specialists have (Table 4 counts up to 10
 * and more specialists covering the correct class; a partition covers each class once per
 * clustering): k-means on the columns of the covariance or correlation (`matrix`) restricted to
 * the `usable` pdfs, then each centre takes the `size` usable pdfs nearest to it
 * (nearestToCentres). A pdf that is not usable (e.g. one with no held-out frame: a tied state the
 * digit alignments never visit) or whose predictions never vary is in no set: its column is the
 * generalist's reaction to an unseen class, and such columns lie close together, so they would
 * fill the sets nearest to them. `cov`: the predictions' covariance (predictionCovariance). Returns
 * the pdf ids of each set (ascending).
 */
export function overlappingPdfClusters(cov: Float64Array, numPdfs: number, k: number, size: number, seed: number, matrix: ClusterMatrix, usable: ArrayLike<boolean>): Int32Array[] {
  if (usable.length !== numPdfs) throw new InputError(`overlappingPdfClusters: ${usable.length} usable flags for ${numPdfs} pdfs`);
  const ids: number[] = [];
  for (let j = 0; j < numPdfs; j++) if (usable[j] && cov[j * numPdfs + j] > 0) ids.push(j);
  const n = ids.length;
  // The dustbin needs a usable pdf outside each set (a set of all of them would be the generalist).
  if (!Number.isInteger(size) || size < 1 || size >= n) throw new InputError(`cluster size ${size} (--cluster-size): ${n} of the ${numPdfs} pdfs have held-out frames; give 1 to ${n - 1} (a specialist needs pdfs outside its set for its dustbin)`);
  if (k > n) throw new InputError(`${k} clusters (--num) of the ${n} pdfs with held-out frames (of ${numPdfs}); give at most ${n}`);
  const full = clusterMatrixOf(cov, numPdfs, matrix);
  const sub = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) sub[a * n + b] = full[ids[a] * numPdfs + ids[b]];
  const sets = nearestToCentres(sub, n, n, kMeans(sub, n, n, k, seed), k, size);
  return sets.map((set) => set.map((a) => ids[a]));
}

/** How many of `clusters` hold each pdf (0..numPdfs-1): its coverage. */
export function pdfCoverage(clusters: readonly Int32Array[], numPdfs: number): Int32Array {
  const out = new Int32Array(numPdfs);
  for (const c of clusters) for (const pdf of c) out[pdf]++;
  return out;
}

/** Of the pdfs flagged in `among`, how many `clusters` cover 0, 1, 2, ... times (index = coverage). */
export function coverageHistogram(clusters: readonly Int32Array[], among: ArrayLike<boolean>): number[] {
  const perPdf = pdfCoverage(clusters, among.length);
  const out = new Array<number>(Math.max(0, ...perPdf) + 1).fill(0);
  perPdf.forEach((c, pdf) => {
    if (among[pdf]) out[c]++;
  });
  return out;
}

/**
 * Sec. 5.1: a specialist's classes are its cluster's pdfs (0..|C|-1, in the cluster's order) plus
 * one dustbin class |C| for every other pdf. Returns pdf -> specialist class.
 */
export function dustbinMap(cluster: Int32Array, numPdfs: number): Int32Array {
  const map = new Int32Array(numPdfs).fill(cluster.length);
  cluster.forEach((pdf, i) => {
    if (pdf < 0 || pdf >= numPdfs) throw new InputError(`dustbinMap: pdf ${pdf} is not in 0..${numPdfs - 1}`);
    map[pdf] = i;
  });
  return map;
}

/** Hard labels mapped to a specialist's classes (dustbin for pdfs outside the cluster); negative labels stay. */
export function dustbinLabels(labels: Int32Array, map: Int32Array): Int32Array {
  return labels.map((l) => (l < 0 ? l : map[l]));
}

/** Soft targets (`numFrames x numPdfs`) mapped to a specialist's |C|+1 classes: the dustbin gets the rest's mass. */
export function dustbinSoftTargets(soft: Float32Array, numFrames: number, numPdfs: number, map: Int32Array): Float32Array {
  const classes = Math.max(...map) + 1;
  const out = new Float32Array(numFrames * classes);
  for (let t = 0; t < numFrames; t++) for (let j = 0; j < numPdfs; j++) out[t * classes + map[j]] += soft[t * numPdfs + j];
  return out;
}

/**
 * A specialist's training corpus (sec. 5.1): the same frames with labels mapped to its |C|+1
 * classes, every frame of its cluster kept and as many dustbin frames drawn at random (seeded), so
 * half its training frames come from its cluster ("half its examples from its special subset");
 * the other frames get label -1, which masks them out of the hard-label loss (train-step.ts).
 */
export function specialistCorpus(corpus: FrameCorpus, cluster: Int32Array, seed: number): FrameCorpus {
  return specialistTrainingSet(corpus, cluster, seed).corpus;
}

/** What specialistTrainingSet returns. */
export interface SpecialistTrainingSet {
  /** specialistCorpus: labels mapped to |C|+1 classes, -1 on the frames not drawn. */
  corpus: FrameCorpus;
  /** The global indices of the drawn frames (label >= 0), ascending. */
  frames: Int32Array;
  /** Frames of the cluster's pdfs (all kept), of the others (labelled), and of the others kept. */
  counts: { inside: number; outside: number; keptOutside: number };
  /**
   * Sec. 5.1's correction of the biased training set, added to the dustbin logit after training:
   * log(outside / keptOutside), the log of the factor by which the cluster's classes were
   * over-sampled relative to the dustbin (the exact prior correction of the odds; 0 when nothing
   * was left out).
   */
  dustbinShift: number;
}

/** specialistCorpus with the drawn frames listed, their counts and the dustbin's bias correction. */
export function specialistTrainingSet(corpus: FrameCorpus, cluster: Int32Array, seed: number): SpecialistTrainingSet {
  const map = dustbinMap(cluster, corpus.numPdfs);
  const dustbin = cluster.length;
  const mapped = dustbinLabels(corpus.labels, map);
  const inside: number[] = [];
  const outside: number[] = [];
  mapped.forEach((l, g) => {
    if (l >= 0) (l < dustbin ? inside : outside).push(g);
  });
  if (inside.length === 0) throw new InputError(`specialist of pdfs ${Array.from(cluster).join(',')}: none of its pdfs is in the training labels; cluster on data with the same pdfs`);
  const keep = new Set(shuffleInPlace(makeRng(seed, `specialist/${cluster.join(',')}`), outside).slice(0, inside.length));
  const labels = mapped.map((l, g) => (l === dustbin && !keep.has(g) ? -1 : l));
  const frames: number[] = [];
  labels.forEach((l, g) => {
    if (l >= 0) frames.push(g);
  });
  const counts = { inside: inside.length, outside: outside.length, keptOutside: keep.size };
  return {
    corpus: { ...corpus, numPdfs: dustbin + 1, labels },
    frames: Int32Array.from(frames),
    counts,
    dustbinShift: counts.keptOutside > 0 ? Math.log(counts.outside / counts.keptOutside) : 0,
  };
}

/** A copy of a specialist's weights with `shift` added to its dustbin's (last output unit's) bias. */
export function shiftDustbinLogit(w: DnnWeights, shift: number): DnnWeights {
  const out = cloneDnnWeights(w);
  const last = out.layers[out.layers.length - 1];
  last.b[last.outDim - 1] += shift;
  return out;
}

/**
 * A specialist's starting weights from the generalist's (sec. 5.1: "initialized with the weights of
 * the generalist"): the hidden layers as they are; output units for the cluster's pdfs copied; the
 * dustbin unit the mean of the other pdfs' units with log(their count) added to its bias, so its
 * logit is log sum exp of theirs when those are equal.
 */
export function specialistInitWeights(generalist: DnnWeights, cluster: Int32Array, dustbin?: DustbinUnit): DnnWeights {
  const w = cloneDnnWeights(generalist);
  const last = w.layers[w.layers.length - 1];
  const { inDim, outDim } = last;
  const map = dustbinMap(cluster, outDim);
  const others = outDim - cluster.length;
  if (others === 0) throw new InputError(`specialist of all ${outDim} pdfs: it would have nothing in its dustbin; use fewer pdfs per cluster`);
  const n = cluster.length + 1;
  const W = new Float32Array(inDim * n);
  const b = new Float32Array(n);
  // W is inDim x outDim, row-major (model.ts).
  for (let i = 0; i < inDim; i++) {
    for (let j = 0; j < outDim; j++) {
      const c = map[j];
      W[i * n + c] += c < cluster.length ? last.W[i * outDim + j] : last.W[i * outDim + j] / others;
    }
  }
  for (let j = 0; j < outDim; j++) b[map[j]] += map[j] < cluster.length ? last.b[j] : last.b[j] / others;
  b[cluster.length] += Math.log(others);
  if (dustbin) {
    if (dustbin.w.length !== inDim) throw new InputError(`specialistInitWeights: a dustbin unit of ${dustbin.w.length} inputs for a last layer of ${inDim}`);
    for (let i = 0; i < inDim; i++) W[i * n + cluster.length] = dustbin.w[i];
    b[cluster.length] = dustbin.b;
  }
  w.layers[w.layers.length - 1] = { W, b, inDim, outDim: n };
  return { ...w, numPdfs: n };
}

/** A dustbin output unit: weights over the last hidden layer and a bias. */
export interface DustbinUnit {
  w: Float64Array;
  b: number;
}

/**
 * The dustbin unit that best matches the generalist on given frames: least squares (ridge `ridge`)
 * of log sum_{j outside the cluster} exp(z_j) on the last hidden layer's activations `hidden`
 * (numFrames x inDim, after the ReLU), z = hidden W + b the generalist's logits (`last` its output
 * layer). The mean-of-units start (specialistInitWeights without it) is a lower bound of that
 * log-sum-exp that is far off when the other pdfs' logits differ, as they do on speech states
 * (docs/paper-reproduction.md); this fit makes the specialist start close to the generalist.
 */
export function fitDustbinUnit(hidden: Float32Array, numFrames: number, last: { W: Float32Array; b: Float32Array; inDim: number; outDim: number }, cluster: Int32Array, ridge = 1e-3): DustbinUnit {
  const { inDim, outDim } = last;
  const inside = new Uint8Array(outDim);
  for (const pdf of cluster) inside[pdf] = 1;
  const d = inDim + 1; // the activations and a constant 1 for the bias
  const ata = new Float64Array(d * d);
  const atb = new Float64Array(d);
  const a = new Float64Array(d);
  const z = new Float64Array(outDim);
  for (let t = 0; t < numFrames; t++) {
    const h = hidden.subarray(t * inDim, (t + 1) * inDim);
    z.set(last.b);
    for (let i = 0; i < inDim; i++) {
      const hi = h[i];
      if (hi === 0) continue;
      for (let j = 0; j < outDim; j++) z[j] += hi * last.W[i * outDim + j];
    }
    let m = -Infinity;
    for (let j = 0; j < outDim; j++) if (!inside[j]) m = Math.max(m, z[j]);
    let sum = 0;
    for (let j = 0; j < outDim; j++) if (!inside[j]) sum += Math.exp(z[j] - m);
    const target = m + Math.log(sum);
    for (let i = 0; i < inDim; i++) a[i] = h[i];
    a[inDim] = 1;
    for (let i = 0; i < d; i++) {
      if (a[i] === 0) continue;
      atb[i] += a[i] * target;
      for (let j = i; j < d; j++) ata[i * d + j] += a[i] * a[j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) ata[i * d + j] = ata[j * d + i];
  for (let i = 0; i < inDim; i++) ata[i * d + i] += ridge * Math.max(1, numFrames); // not on the bias
  const x = solveSymmetricPositive(ata, atb, d);
  return { w: x.subarray(0, inDim), b: x[inDim] };
}

/**
 * Solve A x = y for a symmetric positive definite `n` x `n` A (row-major) by Cholesky
 * decomposition. Hand-written: one small system per specialist, no linear-algebra dependency here.
 */
export function solveSymmetricPositive(A: Float64Array, y: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new InputError(`solveSymmetricPositive: the matrix is not positive definite (pivot ${i}: ${s})`);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = y[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * x[k];
    x[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** One active specialist for a frame: its cluster and its distribution over the cluster plus the dustbin (|C|+1 values). */
export interface SpecialistOutput {
  cluster: Int32Array;
  probs: ArrayLike<number>;
}

/**
 * Sec. 5.3: the generalist's N most probable pdfs pick the active specialists at inference; the one
 * default of eval-specialists, eval-frames and decode (`--top`).
 */
export const DEFAULT_TOP_N = 3;

/**
 * `--top N` means something only for a specialists directory: an InputError naming `dir` when it
 * is given (not undefined) for a model of another `kind` (eval-frames, decode).
 */
export function checkSpecialistTop(dir: string, kind: string, topN: number | undefined): void {
  if (topN === undefined || kind === 'specialists') return;
  throw new InputError(`--top ${topN}: ${dir} is a ${kind} model directory; --top picks the active specialists of a specialists directory (train-specialists); leave it out`);
}

/**
 * The specialists whose cluster holds one of the generalist's `topN` most probable pdfs (sec. 5.3:
 * "the n most probable classes according to the generalist"; `clusters` index order kept).
 */
export function activeSpecialists(generalist: ArrayLike<number>, clusters: Int32Array[], topN: number): number[] {
  const top = new Set(Array.from(generalist, (p, j) => [p, j] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, topN).map(([, j]) => j));
  return clusters.flatMap((c, m) => (c.some((pdf) => top.has(pdf)) ? [m] : []));
}

/**
 * Eq. 5: the distribution q over all pdfs minimising KL(p^g, q) + sum_m KL(p^m, q^m), q^m being q
 * seen by specialist m (its cluster's pdfs, the rest summed into the dustbin). The objective is
 * convex in q (each term is -sum p log of a linear function of q) but has no closed form with
 * dustbins. Its stationarity condition is a fixed point: with r^m_i = p^m_i inside m's cluster and
 * p^m_dustbin * q_i / (q outside the cluster) outside it, q = (p^g + sum_m r^m(q)) / (1 + M), and
 * iterating that map (EM, Dempster et al. 1977) from the generalist's distribution never raises the
 * objective. Plain EM crawls along the objective's flat directions (hundreds to thousands of
 * iterations here), so the iterations are accelerated by SQUAREM (Varadhan & Roland 2008, scheme
 * S3: an extrapolation from two EM steps, backtracked toward the plain double step when it would
 * raise the objective or leave the simplex). Stops once every component of the gradient with
 * respect to the logits y (q = softmax(y)), (1 + M) q - p^g - sum_m r^m, is below `tolerance`,
 * or after `steps` EM map evaluations. (The first solver, gradient steps on y at rate 1/(1 + M),
 * ended 200 steps with a higher objective on every frame measured; docs/paper-reproduction.md.)
 */
export function combineSpecialists(generalist: ArrayLike<number>, specialists: SpecialistOutput[], opts: { steps?: number; tolerance?: number; stats?: Eq5Stats } = {}): Float64Array {
  const eq5 = new Eq5(generalist, specialists);
  const stats = opts.stats ?? { frames: 0, evaluations: 0, converged: 0 };
  stats.frames++;
  const steps = opts.steps ?? 200;
  const tolerance = opts.tolerance ?? 1e-7;
  let q = eq5.start();
  const [q1, q2, trial] = [new Float64Array(q.length), new Float64Array(q.length), new Float64Array(q.length)];
  let f = eq5.objective(q);
  let evals = 0;
  while (evals < steps) {
    evals++;
    if (eq5.map(q, q1) < tolerance) {
      stats.converged++;
      break;
    }
    if (evals >= steps) {
      // An odd budget: its last evaluation is a plain EM step.
      q = Float64Array.from(q1);
      break;
    }
    evals++;
    const g1 = eq5.map(q1, q2);
    if (g1 < tolerance || evals >= steps) {
      if (g1 < tolerance) stats.converged++;
      q = Float64Array.from(q2);
      break;
    }
    // r = q1 - q, v = q2 - 2 q1 + q; S3's step length a = -|r| / |v|, at most -1 (a = -1 is q2).
    let [rr, vv] = [0, 0];
    for (let i = 0; i < q.length; i++) {
      const r = q1[i] - q[i];
      const v = q2[i] - 2 * q1[i] + q[i];
      rr += r * r;
      vv += v * v;
    }
    let a = vv > 0 ? Math.min(-1, -Math.sqrt(rr / vv)) : -1;
    // |v| underflowing beside |r| would give a = -Infinity, which halving never brings back to -1.
    if (!Number.isFinite(a)) a = -1;
    let fTrial = Infinity;
    for (;;) {
      let ok = true;
      fTrial = Infinity;
      for (let i = 0; i < q.length; i++) {
        const r = q1[i] - q[i];
        const v = q2[i] - 2 * q1[i] + q[i];
        // At a = -1 the step is q2 itself: taken exactly, since q - 2ar + a^2 v rounds components
        // far below q's (p^g_i = 0 and dustbins of 0 shrink q_i by orders per step) to 0 or below.
        trial[i] = a === -1 ? q2[i] : q[i] - 2 * a * r + a * a * v;
        // q_i = 0 is allowed (the objective is infinite if some p > 0 needs it; rejected below).
        if (!(trial[i] >= 0)) ok = false;
      }
      if (ok) fTrial = eq5.objective(normalise(trial));
      if (a === -1 || (ok && fTrial <= f)) break;
      // Halve the extrapolation beyond the double step (a = -1), and take that step once close.
      a = -1 + (a + 1) / 2;
      if (a > -1.05) a = -1;
    }
    if (!(fTrial <= f)) {
      // Even the double EM step (a = -1), which cannot raise the objective in exact arithmetic, did
      // not lower it: it no longer falls in double precision, so q is the optimum as far as it can be told.
      stats.converged++;
      break;
    }
    q.set(trial);
    f = fTrial;
  }
  stats.evaluations += evals;
  return q;
}

/**
 * Counts over combineSpecialists calls: frames, EM map evaluations, and frames that converged (met
 * the tolerance, or reached the point where the objective no longer falls in double precision).
 */
export interface Eq5Stats {
  frames: number;
  evaluations: number;
  converged: number;
}

function normalise(q: Float64Array): Float64Array {
  let sum = 0;
  for (const x of q) sum += x;
  for (let i = 0; i < q.length; i++) q[i] /= sum;
  return q;
}

/** Eq. 5's objective and EM map for one frame (combineSpecialists). */
class Eq5 {
  private readonly n: number;
  private readonly ratio: Float64Array;
  private readonly member: Uint8Array;
  private readonly insideRatio: Float64Array;
  constructor(
    private readonly generalist: ArrayLike<number>,
    private readonly specialists: SpecialistOutput[],
  ) {
    this.n = generalist.length;
    for (const sp of specialists) {
      if (sp.probs.length !== sp.cluster.length + 1) throw new InputError(`combineSpecialists: a specialist of ${sp.cluster.length} pdfs must give ${sp.cluster.length + 1} probabilities (dustbin last), got ${sp.probs.length}`);
    }
    this.ratio = new Float64Array(specialists.length);
    this.member = new Uint8Array(this.n);
    this.insideRatio = new Float64Array(this.n);
  }
  /** The generalist's distribution, floored so that no q_i starts at 0 (a dustbin's KL needs q > 0 outside its cluster); the map can still make q_i 0 where every p gives it 0. */
  start(): Float64Array {
    return normalise(Float64Array.from(this.generalist, (p) => Math.max(p, 1e-30)));
  }
  /** q's mass outside specialist m's cluster (summed exactly when 1 - inside would lose its digits). */
  private outside(q: Float64Array, m: number): number {
    const { cluster } = this.specialists[m];
    let inside = 0;
    for (const pdf of cluster) inside += q[pdf];
    if (1 - inside >= 1e-8) return 1 - inside;
    for (const pdf of cluster) this.member[pdf] = 1;
    let out = 0;
    for (let i = 0; i < this.n; i++) if (!this.member[i]) out += q[i];
    for (const pdf of cluster) this.member[pdf] = 0;
    return out;
  }
  /**
   * out = the EM map of q (normalised); returns the largest component of the objective's gradient
   * with respect to the logits at q, |(1 + M) q - p^g - sum_m r^m(q)|. O(n + sum of cluster sizes):
   * each dustbin spreads p^m_dustbin over the pdfs outside its cluster in proportion to q.
   */
  map(q: Float64Array, out: Float64Array): number {
    const M = this.specialists.length;
    let spread = 0;
    this.specialists.forEach((sp, m) => {
      const o = this.outside(q, m);
      this.ratio[m] = o > 0 ? sp.probs[sp.cluster.length] / o : 0;
      spread += this.ratio[m];
    });
    // q_i times the ratios of the dustbins q_i is outside of: spread less the ratios of the clusters
    // holding i, clamped at 0 (subtracting q_i * ratio after adding it left q_i rounded below 0).
    this.insideRatio.fill(0);
    this.specialists.forEach((sp, m) => {
      for (const pdf of sp.cluster) this.insideRatio[pdf] += this.ratio[m];
    });
    for (let i = 0; i < this.n; i++) out[i] = this.generalist[i] + q[i] * Math.max(0, spread - this.insideRatio[i]);
    this.specialists.forEach((sp) => {
      sp.cluster.forEach((pdf, k) => (out[pdf] += sp.probs[k]));
    });
    let largest = 0;
    for (let i = 0; i < this.n; i++) largest = Math.max(largest, Math.abs((1 + M) * q[i] - out[i]));
    normalise(out);
    return largest;
  }
  /** KL(p^g, q) + sum_m KL(p^m, q^m), nats. */
  objective(q: Float64Array): number {
    const kl = (p: number, x: number) => (p > 0 ? p * Math.log(p / x) : 0);
    let f = 0;
    for (let i = 0; i < this.n; i++) f += kl(this.generalist[i], q[i]);
    this.specialists.forEach((sp, m) => {
      sp.cluster.forEach((pdf, k) => (f += kl(sp.probs[k], q[pdf])));
      f += kl(sp.probs[sp.cluster.length], this.outside(q, m));
    });
    return f;
  }
}

/** How many of the `active` specialists have `pdf` in their cluster (Table 4's "specialists covering" the correct class). */
export function countCovering(active: readonly number[], clusters: Int32Array[], pdf: number): number {
  return active.reduce((n, m) => n + (clusters[m].includes(pdf) ? 1 : 0), 0);
}

/** One row of the Table 4 analogue: frames whose correct class is covered by `covering` active specialists. */
export interface CoverageRow {
  covering: number;
  frames: number;
  generalistCorrect: number;
  combinedCorrect: number;
}

/**
 * Table 4 of the paper, per frame: the generalist's and the combination's top-1 correctness,
 * grouped by the number of active specialists covering the correct class.
 */
export class CoverageTable {
  private readonly byCount = new Map<number, CoverageRow>();
  add(covering: number, generalistCorrect: boolean, combinedCorrect: boolean): void {
    let r = this.byCount.get(covering);
    if (!r) this.byCount.set(covering, (r = { covering, frames: 0, generalistCorrect: 0, combinedCorrect: 0 }));
    r.frames++;
    if (generalistCorrect) r.generalistCorrect++;
    if (combinedCorrect) r.combinedCorrect++;
  }
  /** Rows by ascending coverage. */
  rows(): CoverageRow[] {
    return [...this.byCount.values()].sort((a, b) => a.covering - b.covering).map((r) => ({ ...r }));
  }
  /** All frames together. */
  total(): Omit<CoverageRow, 'covering'> {
    const t = { frames: 0, generalistCorrect: 0, combinedCorrect: 0 };
    for (const r of this.byCount.values()) [t.frames, t.generalistCorrect, t.combinedCorrect] = [t.frames + r.frames, t.generalistCorrect + r.generalistCorrect, t.combinedCorrect + r.combinedCorrect];
    return t;
  }
}
