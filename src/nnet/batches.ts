// Training batches built on the fly (issue 5): the corpus features are held once, CMVN applied,
// and each batch row is spliced from them when the batch is made, so memory stays proportional to
// the features, not to (L+1+R) x the features. Frames are shuffled across utterances with a
// generator seeded per epoch (Kaldi nnet-train-frmshuff's frame-level shuffling), which makes an
// epoch's batches a pure function of (seed, epoch): a resumed run sees the same batches.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readFeatsDir } from '../store/feats-archive.js';
import { compareCLocale } from '../data/c-locale.js';
import { makeRng, shuffleInPlace } from '../data/random.js';
import { spliceFrameInto, splicedDim, type SpliceContext } from './splice.js';

/** One minibatch. Rows are frames; `x` is row-major `size` x `inputDim`. */
export interface Batch {
  size: number;
  x: Float32Array;
  labels: Int32Array;
  /** `size` x `numPdfs`: teacher probabilities at temperature T (distillation). */
  soft?: Float32Array;
  /** `size` x `numPdfs`: teacher logits (logit-mse distillation). */
  teacherLogits?: Float32Array;
}

/** A deterministic stream of minibatches over one data set. */
export interface BatchSource {
  inputDim: number;
  numPdfs: number;
  numFrames: number;
  /** The batches of epoch `epoch` (shuffled with a generator seeded by the source's seed and `epoch`). */
  batches(epoch: number, batchSize: number): Iterable<Batch>;
}

/** A BatchSource whose batches are produced asynchronously, e.g. with targets from a worker (the trainer awaits each). */
export interface AsyncBatchSource {
  inputDim: number;
  numPdfs: number;
  numFrames: number;
  batches(epoch: number, batchSize: number): AsyncIterable<Batch>;
}

/**
 * The frames of a corpus held once in memory: normalised features of all utterances back to back,
 * with one pdf label per frame. Utterance `u` owns frames `uttStart[u] .. uttStart[u+1]-1`.
 */
export interface FrameCorpus {
  dim: number;
  numPdfs: number;
  uttIds: string[];
  /** numUtts + 1 frame offsets. */
  uttStart: Int32Array;
  /** numFrames x dim, row-major. */
  feats: Float32Array;
  /** numFrames pdf ids (-1 = no label: an unlabeled transfer set). */
  labels: Int32Array;
}

/** One utterance given to buildFrameCorpus. */
export interface CorpusUtterance {
  uttId: string;
  numFrames: number;
  /** numFrames x dim, already normalised (CMVN). */
  data: Float32Array;
  /** numFrames pdf ids, or undefined when unlabeled. */
  pdfIds?: Int32Array;
}

/**
 * Gather utterances into a FrameCorpus (one copy of the features). Every utterance must have `dim`
 * columns; labels must lie in [0, numPdfs) and have one per frame.
 */
export function buildFrameCorpus(utts: CorpusUtterance[], dim: number, numPdfs: number): FrameCorpus {
  const uttStart = new Int32Array(utts.length + 1);
  for (let u = 0; u < utts.length; u++) {
    const utt = utts[u];
    if (utt.data.length !== utt.numFrames * dim) {
      throw new InputError(`utterance ${utt.uttId}: ${utt.data.length} feature values for ${utt.numFrames} frames of dim ${dim}; the feature archive is inconsistent, re-run asr-distill features`);
    }
    if (utt.pdfIds && utt.pdfIds.length !== utt.numFrames) {
      throw new InputError(`utterance ${utt.uttId}: ${utt.pdfIds.length} aligned frames for ${utt.numFrames} feature frames; re-align with these features`);
    }
    uttStart[u + 1] = uttStart[u] + utt.numFrames;
  }
  const numFrames = uttStart[utts.length];
  const feats = new Float32Array(numFrames * dim);
  const labels = new Int32Array(numFrames).fill(-1);
  utts.forEach((utt, u) => {
    feats.set(utt.data, uttStart[u] * dim);
    if (!utt.pdfIds) return;
    checkLabels(utt.uttId, utt.pdfIds, numPdfs);
    labels.set(utt.pdfIds, uttStart[u]);
  });
  return { dim, numPdfs, uttIds: utts.map((x) => x.uttId), uttStart, feats, labels };
}

/** Every pdf id of an utterance lies in [0, numPdfs), else an InputError naming the frame. */
export function checkLabels(uttId: string, pdfIds: Int32Array, numPdfs: number): void {
  for (let t = 0; t < pdfIds.length; t++) {
    const p = pdfIds[t];
    if (!(p >= 0 && p < numPdfs)) {
      throw new InputError(`utterance ${uttId} frame ${t}: pdf id ${p} outside [0, ${numPdfs}); the alignment does not match its transition model`);
    }
  }
}

/**
 * Several corpora as one (features and labels back to back, utterance order kept), e.g. a labeled
 * training set plus unlabeled transfer data (labels -1). Dims and pdf counts must agree; an
 * utterance id may appear only once.
 */
export function concatFrameCorpora(parts: FrameCorpus[]): FrameCorpus {
  if (parts.length === 0) throw new Error('concatFrameCorpora: no corpora');
  if (parts.length === 1) return parts[0];
  const { dim, numPdfs } = parts[0];
  const seen = new Set<string>();
  let frames = 0;
  for (const c of parts) {
    if (c.dim !== dim) throw new InputError(`cannot join corpora with features of dim ${dim} and ${c.dim}; extract them with the same config`);
    if (c.numPdfs !== numPdfs) throw new InputError(`cannot join corpora with ${numPdfs} and ${c.numPdfs} pdfs`);
    for (const u of c.uttIds) {
      if (seen.has(u)) throw new InputError(`utterance ${u} appears in two of the joined sets; give each set distinct utterance ids`);
      seen.add(u);
    }
    frames += corpusFrames(c);
  }
  const uttIds = parts.flatMap((c) => c.uttIds);
  const uttStart = new Int32Array(uttIds.length + 1);
  const feats = new Float32Array(frames * dim);
  const labels = new Int32Array(frames);
  let u = 0;
  let f = 0;
  for (const c of parts) {
    for (let i = 0; i < c.uttIds.length; i++) uttStart[++u] = f + c.uttStart[i + 1];
    const n = corpusFrames(c);
    feats.set(c.feats.subarray(0, n * dim), f * dim);
    labels.set(c.labels.subarray(0, n), f);
    f += n;
  }
  return { dim, numPdfs, uttIds, uttStart, feats, labels };
}

/** Number of frames of a corpus. */
export function corpusFrames(c: FrameCorpus): number {
  return c.uttStart[c.uttIds.length];
}

/** For each frame, the index of its utterance. */
export function frameUtterances(c: FrameCorpus): Int32Array {
  const out = new Int32Array(corpusFrames(c));
  for (let u = 0; u < c.uttIds.length; u++) out.fill(u, c.uttStart[u], c.uttStart[u + 1]);
  return out;
}

/**
 * Splice the frames `frames[0 .. count)` (global frame indices of `c`) into `out`
 * (`count` x splicedDim, row-major). Edge frames repeat the first/last frame of their utterance.
 */
export function spliceFrames(
  c: FrameCorpus,
  frameUtt: Int32Array,
  frames: ArrayLike<number>,
  count: number,
  ctx: SpliceContext,
  out: Float32Array,
): void {
  const width = splicedDim(c.dim, ctx);
  for (let i = 0; i < count; i++) {
    const g = frames[i];
    const u = frameUtt[g];
    const start = c.uttStart[u];
    spliceFrameInto(c.feats, start * c.dim, c.uttStart[u + 1] - start, c.dim, g - start, ctx, out, i * width);
  }
}

/**
 * Walk the corpus in order, `chunk` frames at a time, yielding each chunk spliced
 * (`x`: n x splicedDim, a view into one reused buffer) with its first global frame index `start`.
 * Forward-only passes (evaluation, teacher targets) use this; training shuffles instead.
 */
export function* splicedChunks(c: FrameCorpus, ctx: SpliceContext, chunk: number): Generator<{ start: number; n: number; x: Float32Array }> {
  const width = splicedDim(c.dim, ctx);
  const total = corpusFrames(c);
  const frameUtt = frameUtterances(c);
  const buf = new Float32Array(chunk * width);
  const idx = new Int32Array(chunk);
  for (let start = 0; start < total; start += chunk) {
    const n = Math.min(chunk, total - start);
    for (let i = 0; i < n; i++) idx[i] = start + i;
    spliceFrames(c, frameUtt, idx, n, ctx, buf);
    yield { start, n, x: buf.subarray(0, n * width) };
  }
}

/**
 * Per-frame teacher targets for distillation, looked up by global frame index. `fill` writes the
 * rows of `frames[0 .. count)` into `soft` / `logits` (`count` x numPdfs) when those are given.
 */
export interface FrameTargets {
  numPdfs: number;
  hasSoft: boolean;
  hasLogits: boolean;
  fill(frames: ArrayLike<number>, count: number, soft?: Float32Array, logits?: Float32Array): void;
}

/** Options of createBatchSource. */
export interface BatchSourceOptions {
  context: SpliceContext;
  /** Shuffle seed; epoch e uses stream `epoch-e` of it. */
  seed: number;
  /** Shuffle frames each epoch (training) or keep corpus order (held-out scoring). Default true. */
  shuffle?: boolean;
  /** Teacher soft targets / logits attached to each batch (distillation). */
  targets?: FrameTargets;
  /** Only these frames (global indices; e.g. a specialist's drawn frames, specialists.ts); default all. */
  frames?: Int32Array;
}

/**
 * A BatchSource over a FrameCorpus. Each batch row is spliced when the batch is made; the last
 * batch of an epoch may be smaller than `batchSize`.
 *
 * @example for (const b of createBatchSource(corpus, { context: { left: 5, right: 5 }, seed: 1 }).batches(0, 256)) train(b)
 */
export function createBatchSource(c: FrameCorpus, opts: BatchSourceOptions): BatchSource {
  const numFrames = opts.frames?.length ?? corpusFrames(c);
  const inputDim = splicedDim(c.dim, opts.context);
  const frameUtt = frameUtterances(c);
  const shuffle = opts.shuffle ?? true;
  const { targets } = opts;
  if (targets && targets.numPdfs !== c.numPdfs) {
    throw new Error(`teacher targets have ${targets.numPdfs} pdfs, the corpus ${c.numPdfs}`);
  }
  return {
    inputDim,
    numPdfs: c.numPdfs,
    numFrames,
    *batches(epoch: number, batchSize: number): Iterable<Batch> {
      if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
      const order = opts.frames ? Int32Array.from(opts.frames) : new Int32Array(numFrames);
      if (!opts.frames) for (let i = 0; i < numFrames; i++) order[i] = i;
      if (shuffle) shuffleInPlace(makeRng(opts.seed, `epoch-${epoch}`), order);
      for (let s = 0; s < numFrames; s += batchSize) {
        const size = Math.min(batchSize, numFrames - s);
        const frames = order.subarray(s, s + size);
        const x = new Float32Array(size * inputDim);
        spliceFrames(c, frameUtt, frames, size, opts.context, x);
        const labels = new Int32Array(size);
        for (let i = 0; i < size; i++) labels[i] = c.labels[frames[i]];
        const batch: Batch = { size, x, labels };
        if (targets) {
          if (targets.hasSoft) batch.soft = new Float32Array(size * c.numPdfs);
          if (targets.hasLogits) batch.teacherLogits = new Float32Array(size * c.numPdfs);
          targets.fill(frames, size, batch.soft, batch.teacherLogits);
        }
        yield batch;
      }
    },
  };
}

/**
 * The utterances `--dev-split fraction` holds out of `n` (indices in corpus order), chosen with a
 * generator seeded by `seed`: about `fraction` of them, at least one each side.
 */
export function heldOutIndices(n: number, fraction: number, seed: number): Set<number> {
  if (!(fraction > 0 && fraction < 1)) throw new InputError(`--dev-split ${fraction}: expected a fraction between 0 and 1 (e.g. 0.1)`);
  if (n < 2) throw new InputError(`--dev-split: the corpus has ${n} utterance(s); need at least 2 to hold some out`);
  const idx = shuffleInPlace(makeRng(seed, 'dev-split'), Array.from({ length: n }, (_, i) => i));
  const numHeld = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  return new Set(idx.slice(0, numHeld));
}

/**
 * Split a corpus by utterance into (train, held-out), holding out about `fraction` of the
 * utterances chosen with a seeded generator (at least one each side when there are two or more).
 */
export function splitCorpus(c: FrameCorpus, fraction: number, seed: number): { train: FrameCorpus; heldOut: FrameCorpus } {
  const n = c.uttIds.length;
  const held = heldOutIndices(n, fraction, seed);
  const pick = (keep: (u: number) => boolean): FrameCorpus => {
    const utts: CorpusUtterance[] = [];
    for (let u = 0; u < n; u++) {
      if (!keep(u)) continue;
      const a = c.uttStart[u];
      const b = c.uttStart[u + 1];
      utts.push({ uttId: c.uttIds[u], numFrames: b - a, data: c.feats.subarray(a * c.dim, b * c.dim), pdfIds: c.labels.subarray(a, b) });
    }
    const out = buildFrameCorpusUnchecked(utts, c.dim, c.numPdfs);
    return out;
  };
  return { train: pick((u) => !held.has(u)), heldOut: pick((u) => held.has(u)) };
}

// Labels of an existing corpus are already checked (and may be -1 when unlabeled).
function buildFrameCorpusUnchecked(utts: CorpusUtterance[], dim: number, numPdfs: number): FrameCorpus {
  const uttStart = new Int32Array(utts.length + 1);
  utts.forEach((u, i) => (uttStart[i + 1] = uttStart[i] + u.numFrames));
  const feats = new Float32Array(uttStart[utts.length] * dim);
  const labels = new Int32Array(uttStart[utts.length]);
  utts.forEach((u, i) => {
    feats.set(u.data, uttStart[i] * dim);
    labels.set(u.pdfIds!, uttStart[i]);
  });
  return { dim, numPdfs, uttIds: utts.map((u) => u.uttId), uttStart, feats, labels };
}

/** How CMVN was applied when loading a corpus (recorded in the model metadata). */
export interface LoadedCmvn {
  per: 'utterance' | 'speaker' | 'none';
  normVars: boolean;
}

/** A corpus loaded from FEATS_DIR (+ ALI_DIR), with what it came from. */
export interface LoadedCorpus {
  corpus: FrameCorpus;
  featsDir: string;
  /** FEATS_DIR/feats.json `config` (the feature extraction options). */
  featureConfig: unknown;
  frameShiftMs: number;
  cmvn: LoadedCmvn;
  /** Utterances left out, with why (no alignment, frame-count mismatch). */
  skipped: { uttId: string; reason: string }[];
}

/**
 * The labels of one utterance under loadFrameCorpus' rules: its pdf ids, `undefined` for an
 * unlabeled set, or `null` after noting in `skipped` why it is left out (no alignment, or another
 * frame count, like Kaldi nnet-train-frmshuff's "no targets"/"length mismatch").
 */
export function matchAlignment(uttId: string, numFrames: number, opts: LoadCorpusOptions, skipped: { uttId: string; reason: string }[]): Int32Array | undefined | null {
  if (!opts.alignments) return undefined;
  const ali = opts.alignments.get(uttId);
  if (!ali) {
    skipped.push({ uttId, reason: `no alignment in ${opts.aliDir ?? 'ALI_DIR'}` });
    return null;
  }
  if (ali.pdfIds.length !== numFrames) {
    skipped.push({ uttId, reason: `${numFrames} feature frames but ${ali.pdfIds.length} aligned frames` });
    return null;
  }
  return ali.pdfIds;
}

/** The error when no utterance of FEATS_DIR is left to train on. */
export function noMatchingUtterances(featsDir: string, opts: LoadCorpusOptions, skipped: { uttId: string; reason: string }[]): InputError {
  return new InputError(
    `${featsDir}: no utterance has both features and a matching alignment in ${opts.aliDir ?? 'ALI_DIR'} (${skipped.length} skipped, e.g. ${skipped[0]?.uttId ?? '-'}: ${skipped[0]?.reason ?? 'empty'}); check that ALI_DIR was aligned from these features`,
  );
}

/** FEATS_DIR/cmvn.json when there is one (training normalises with it), else undefined. */
export async function readCmvnIfPresent(featsDir: string): Promise<import('../features/cmvn.js').CmvnStats | undefined> {
  // features/cmvn.ts is loaded lazily so that the pure batch code does not pull in feature I/O.
  const { readCmvn } = await import('../features/cmvn.js');
  try {
    await fs.access(path.join(featsDir, 'cmvn.json'));
  } catch {
    return undefined;
  }
  return readCmvn(featsDir);
}

/** Options of loadFrameCorpus. */
export interface LoadCorpusOptions {
  /** Pdf labels per utterance (from readAlignments); undefined = unlabeled transfer set. */
  alignments?: Map<string, { pdfIds: Int32Array }>;
  numPdfs: number;
  /** Kaldi apply-cmvn --norm-vars (default false, as in Kaldi). */
  normVars?: boolean;
  /** Where the labels come from, for messages (ALI_DIR). */
  aliDir?: string;
}

/**
 * Load FEATS_DIR into a FrameCorpus: CMVN (FEATS_DIR/cmvn.json, when present) applied once per
 * utterance up front, labels from the alignments. Utterances without an alignment or whose frame
 * count differs from it are skipped (reported in `skipped`, like Kaldi nnet-train-frmshuff's
 * "no targets"/"length mismatch" warnings); none left is an InputError.
 */
export async function loadFrameCorpus(featsDir: string, opts: LoadCorpusOptions): Promise<LoadedCorpus> {
  const { applyCmvn } = await import('../features/cmvn.js');
  const { info, utts } = await readFeatsDir(featsDir);
  const cmvnStats = await readCmvnIfPresent(featsDir);
  const normVars = opts.normVars ?? false;
  const skipped: { uttId: string; reason: string }[] = [];
  const kept: CorpusUtterance[] = [];
  // C-locale order of utterance ids, as everywhere else.
  const ids = [...utts.keys()].sort(compareCLocale);
  for (const uttId of ids) {
    const f = utts.get(uttId)!;
    const pdfIds = matchAlignment(uttId, f.numFrames, opts, skipped);
    if (pdfIds === null) continue;
    const data = cmvnStats ? applyCmvn(f, cmvnStats, { normVars }) : f.data;
    kept.push({ uttId, numFrames: f.numFrames, data, pdfIds });
  }
  if (kept.length === 0) throw noMatchingUtterances(featsDir, opts, skipped);
  return {
    corpus: buildFrameCorpus(kept, info.dim, opts.numPdfs),
    featsDir,
    featureConfig: info.config,
    frameShiftMs: info.frameShiftMs,
    cmvn: { per: cmvnStats ? cmvnStats.per : 'none', normVars: cmvnStats ? normVars : false },
    skipped,
  };
}

/** An in-place change of a batch's spliced rows, deterministic in (epoch, batch) so resume is exact. */
export interface InputPerturbation {
  apply(x: Float32Array, rows: number, inputDim: number, epoch: number, batch: number): void;
}

/**
 * A BatchSource whose batches' inputs get `perturb` applied in order (input noise, frequency warp,
 * mixup), batch `k` of epoch `e` with (e, k), so the stream stays a pure function of (seed, epoch).
 *
 * @example perturbedSource(createBatchSource(corpus, opts), [new TransferNoise(0.5, featureStd(corpus), 1)])
 */
export function perturbedSource(src: BatchSource, perturb: readonly InputPerturbation[]): BatchSource {
  if (perturb.length === 0) return src;
  return {
    inputDim: src.inputDim,
    numPdfs: src.numPdfs,
    numFrames: src.numFrames,
    *batches(epoch: number, batchSize: number): Iterable<Batch> {
      let k = 0;
      for (const b of src.batches(epoch, batchSize)) {
        for (const p of perturb) p.apply(b.x, b.size, src.inputDim, epoch, k);
        k++;
        yield b;
      }
    },
  };
}

/**
 * A BatchSource that calls `onFrames(frames)` after each batch it yields (progress reporting
 * without knowing the trainer's internals).
 */
export function withFrameCounter(src: BatchSource, onFrames: (frames: number) => void): BatchSource {
  return {
    inputDim: src.inputDim,
    numPdfs: src.numPdfs,
    numFrames: src.numFrames,
    *batches(epoch: number, batchSize: number): Iterable<Batch> {
      for (const b of src.batches(epoch, batchSize)) {
        yield b;
        onFrames(b.size);
      }
    },
  };
}
