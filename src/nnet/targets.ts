// Teacher soft targets for distillation as numbers (Hinton, Vinyals & Dean 2015, sec. 2 and 4): for
// each frame the members' softmax(z_m / T) combined by the ensemble's rule, the one evaluation uses:
// the mean of probabilities (arithmetic, the paper's ensemble) or their normalised geometric mean
// (equal to softmax of the mean logits / T). With thousands of states the full matrix is large, so
// targets may be kept as the top K per frame (renormalised). Pure math; teachers.ts runs the teacher,
// soft-target-cache.ts keeps top-K targets on disk.
import { InputError } from '../errors.js';
import type { FrameTargets } from './batches.js';
import { combinePosteriors, softmaxRows, type CombineRule } from './posteriors.js';

/** `full`: every pdf's probability; `top-k`: the K largest per frame, renormalised to sum to 1. */
export type SoftTargetMode = { kind: 'full' } | { kind: 'top-k'; k: number };

/** Every pdf's probability, as the paper. */
export const DEFAULT_SOFT_TARGETS: SoftTargetMode = { kind: 'full' };

/**
 * Parse `--soft-targets`: `full` or `top-k:K`.
 *
 * @example parseSoftTargets('top-k:20') // { kind: 'top-k', k: 20 }
 */
export function parseSoftTargets(spec: string): SoftTargetMode {
  if (spec === 'full') return { kind: 'full' };
  const m = /^top-k:(\d+)$/.exec(spec);
  if (!m || Number(m[1]) < 1) throw new InputError(`--soft-targets ${spec}: expected 'full' or 'top-k:K' with K >= 1 (e.g. top-k:20)`);
  return { kind: 'top-k', k: Number(m[1]) };
}

/** `full` or `top-k:K`. */
export function formatSoftTargets(mode: SoftTargetMode): string {
  return mode.kind === 'full' ? 'full' : `top-k:${mode.k}`;
}

/** Dense per-frame targets (numFrames x numPdfs soft probabilities and/or logits). */
export class DenseTargets implements FrameTargets {
  readonly hasSoft: boolean;
  readonly hasLogits: boolean;
  constructor(readonly numPdfs: number, readonly soft?: Float32Array, readonly logits?: Float32Array) {
    this.hasSoft = soft !== undefined;
    this.hasLogits = logits !== undefined;
  }
  fill(frames: ArrayLike<number>, count: number, soft?: Float32Array, logits?: Float32Array): void {
    const n = this.numPdfs;
    for (let i = 0; i < count; i++) {
      const g = frames[i];
      if (soft && this.soft) soft.set(this.soft.subarray(g * n, (g + 1) * n), i * n);
      if (logits && this.logits) logits.set(this.logits.subarray(g * n, (g + 1) * n), i * n);
    }
  }
}

/** Sparse per-frame targets: K (pdf id, probability) pairs per frame; the other pdfs get 0. */
export class TopKTargets implements FrameTargets {
  readonly hasSoft = true;
  readonly hasLogits = false;
  constructor(readonly numPdfs: number, readonly k: number, readonly pdfIds: Int32Array, readonly probs: Float32Array) {}
  fill(frames: ArrayLike<number>, count: number, soft?: Float32Array): void {
    if (!soft) return;
    const { k, numPdfs: n } = this;
    soft.fill(0, 0, count * n);
    for (let i = 0; i < count; i++) {
      const g = frames[i];
      for (let j = 0; j < k; j++) soft[i * n + this.pdfIds[g * k + j]] = this.probs[g * k + j];
    }
  }
}

/**
 * The K most probable pdfs of one row (ties: lower pdf id first) with their probabilities
 * renormalised to sum to 1, written at `outOffset` of `ids` / `probs`. A size-K min-heap keeps this
 * O(N log K) per frame: thousands of pdfs x hundreds of thousands of frames.
 */
export function topKRow(row: ArrayLike<number>, k: number, ids: Int32Array, probs: Float32Array, outOffset: number): void {
  const n = row.length;
  const kk = Math.min(k, n);
  const heap = new Int32Array(kk); // pdf ids; heap[0] is the worst kept
  // a is worse than b: lower probability, or equal and higher id.
  const worse = (a: number, b: number) => row[a] < row[b] || (row[a] === row[b] && a > b);
  const siftDown = (i: number, size: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < size && worse(heap[l], heap[w])) w = l;
      if (r < size && worse(heap[r], heap[w])) w = r;
      if (w === i) return;
      const t = heap[i];
      heap[i] = heap[w];
      heap[w] = t;
      i = w;
    }
  };
  for (let p = 0; p < kk; p++) {
    heap[p] = p;
    for (let i = p; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!worse(heap[i], heap[parent])) break;
      const t = heap[i];
      heap[i] = heap[parent];
      heap[parent] = t;
      i = parent;
    }
  }
  for (let p = kk; p < n; p++) {
    if (worse(heap[0], p)) {
      heap[0] = p;
      siftDown(0, kk);
    }
  }
  // Pop worst-first into the output from the back: best ends up first.
  let sum = 0;
  for (let size = kk; size > 0; size--) {
    const best = heap[0];
    ids[outOffset + size - 1] = best;
    probs[outOffset + size - 1] = row[best];
    sum += row[best];
    heap[0] = heap[size - 1];
    siftDown(0, size - 1);
  }
  for (let j = 0; j < kk; j++) probs[outOffset + j] = sum > 0 ? probs[outOffset + j] / sum : 1 / kk;
}

/**
 * Soft targets from the members' logits: each member's softmax(z_m / T), combined by the model's
 * rule (arithmetic: mean of probabilities, the paper's ensemble; geometric: normalised product).
 * Averaging logits under an arithmetic ensemble would be a different teacher.
 */
export function teacherSoftTargets(memberLogits: Float32Array[], numPdfs: number, temperature: number, rule: CombineRule): Float32Array {
  return combinePosteriors(memberLogits.map((z) => softmaxRows(z, numPdfs, temperature)), numPdfs, rule);
}
