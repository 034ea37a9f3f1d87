// Streamed training data (issue 25): for corpora too big to hold in memory, batches are made from a
// window of feature shards at a time, as lhotse's dynamic bucketing and WebDataset's shard shuffle
// do: each epoch visits the shards in a fresh seeded order, the frames of a window of whole shards
// are shuffled together (the shuffle buffer), and the next window is read while this one trains.
// Utterances never straddle shards, so splicing context at utterance edges is exactly that of the
// in-memory path (batches.ts). A corpus that fits in one window gives the in-memory batches.
import { InputError } from '../errors.js';
import { readFeatsInfo, streamFeatsIndex, streamFeatsShard, type FeatsDirInfo } from '../store/feats-archive.js';
import { makeRng, shuffleInPlace } from '../data/random.js';
import { compareCLocale } from '../data/c-locale.js';
import type { CmvnStats } from '../features/cmvn.js';
import { splicedDim, type SpliceContext } from './splice.js';
import {
  checkLabels,
  frameUtterances,
  heldOutIndices,
  matchAlignment,
  noMatchingUtterances,
  readCmvnIfPresent,
  spliceFrames,
  type AsyncBatchSource,
  type Batch,
  type FrameCorpus,
  type FrameTargets,
  type InputPerturbation,
  type LoadCorpusOptions,
  type LoadedCmvn,
} from './batches.js';
import { FeatureMoments } from './transfer-noise.js';

/**
 * Default memory budget of training data in frames (`--max-memory-frames`): 4M frames = 640 MB at
 * 40 dims (11 h at a 10 ms shift). A corpus up to this size is held in memory as before (and trains
 * bit-identically); a bigger one is streamed in windows of half of it (one trains, one is read).
 */
export const DEFAULT_MAX_MEMORY_FRAMES = 4_000_000;

/** One feature shard of a stream: its kept utterances (those with labels), in file order. */
export interface StreamShard {
  file: string;
  uttIds: string[];
  numFrames: number[];
  /** Sum of numFrames. */
  frames: number;
  /** The shard's own CMVN, when its plan was joined to another one's (concatFramePlans); else the plan's. */
  norm?: { stats?: CmvnStats; normVars: boolean };
}

/** What streaming a FEATS_DIR needs, from one pass over it (planFrameStream): no features kept. */
export interface FrameStreamPlan {
  featsDir: string;
  info: FeatsDirInfo;
  dim: number;
  numPdfs: number;
  shards: StreamShard[];
  numUtts: number;
  numFrames: number;
  /** Pdf ids of every kept utterance (4 bytes a frame, 1/40 of 40-dim features); undefined = unlabeled. */
  labels?: Map<string, Int32Array>;
  cmvnStats?: CmvnStats;
  cmvn: LoadedCmvn;
  skipped: { uttId: string; reason: string }[];
}

/**
 * Read FEATS_DIR's index once (store/feats-archive.ts streamFeatsIndex: utterance ids and frame
 * counts, no feature value), and keep only what streaming needs: which
 * utterances each shard holds and their frame counts, and which have a matching alignment (the
 * same skipping rules as loadFrameCorpus). Checks dims and totals against feats.json.
 */
export async function planFrameStream(featsDir: string, opts: LoadCorpusOptions): Promise<FrameStreamPlan> {
  const info = await readFeatsInfo(featsDir);
  const cmvnStats = await readCmvnIfPresent(featsDir);
  const normVars = opts.normVars ?? false;
  const skipped: { uttId: string; reason: string }[] = [];
  const labels = opts.alignments ? new Map<string, Int32Array>() : undefined;
  const byFile = new Map<string, StreamShard>();
  // Column-only (utterance ids and frame counts, no feature value read), with the checks against feats.json.
  for await (const u of streamFeatsIndex(info, featsDir)) {
    let shard = byFile.get(u.file);
    if (!shard) byFile.set(u.file, (shard = { file: u.file, uttIds: [], numFrames: [], frames: 0 }));
    const pdfIds = matchAlignment(u.uttId, u.numFrames, opts, skipped);
    if (pdfIds === null) continue;
    if (pdfIds) {
      checkLabels(u.uttId, pdfIds, opts.numPdfs);
      labels!.set(u.uttId, pdfIds);
    }
    shard.uttIds.push(u.uttId);
    shard.numFrames.push(u.numFrames);
    shard.frames += u.numFrames;
  }
  const shards = [...byFile.values()].filter((s) => s.uttIds.length > 0);
  const numUtts = shards.reduce((n, s) => n + s.uttIds.length, 0);
  if (numUtts === 0) throw noMatchingUtterances(featsDir, opts, skipped);
  return {
    featsDir,
    info,
    dim: info.dim,
    numPdfs: opts.numPdfs,
    shards,
    numUtts,
    numFrames: shards.reduce((n, s) => n + s.frames, 0),
    labels,
    cmvnStats,
    cmvn: { per: cmvnStats ? cmvnStats.per : 'none', normVars: cmvnStats ? normVars : false },
    skipped,
  };
}

/** The plan restricted to the utterances `keep` accepts (shards left empty are dropped). */
function filterPlan(plan: FrameStreamPlan, keep: (uttId: string) => boolean): FrameStreamPlan {
  const shards: StreamShard[] = [];
  for (const s of plan.shards) {
    const out: StreamShard = { file: s.file, uttIds: [], numFrames: [], frames: 0, ...(s.norm ? { norm: s.norm } : {}) };
    s.uttIds.forEach((id, i) => {
      if (!keep(id)) return;
      out.uttIds.push(id);
      out.numFrames.push(s.numFrames[i]);
      out.frames += s.numFrames[i];
    });
    if (out.uttIds.length > 0) shards.push(out);
  }
  return { ...plan, shards, numUtts: shards.reduce((n, s) => n + s.uttIds.length, 0), numFrames: shards.reduce((n, s) => n + s.frames, 0) };
}

/**
 * `--dev-split` on a streamed corpus: the same utterances as splitCorpus holds out of the
 * in-memory corpus (indices into the C-locale order of the kept utterance ids).
 */
export function splitFramePlan(plan: FrameStreamPlan, fraction: number, seed: number): { train: FrameStreamPlan; heldOut: FrameStreamPlan } {
  const ids = plan.shards.flatMap((s) => s.uttIds).sort(compareCLocale);
  const held = new Set([...heldOutIndices(ids.length, fraction, seed)].map((i) => ids[i]));
  return { train: filterPlan(plan, (id) => !held.has(id)), heldOut: filterPlan(plan, (id) => held.has(id)) };
}

/**
 * Several plans as one, shards in order (e.g. a labeled transfer set plus unlabeled extra
 * directories: their frames get label -1, as concatFrameCorpora gives them). Each joined shard
 * keeps its own directory's CMVN; dims and pdf counts must agree, an utterance id may appear once.
 */
export function concatFramePlans(plans: FrameStreamPlan[]): FrameStreamPlan {
  if (plans.length === 0) throw new Error('concatFramePlans: no plans');
  if (plans.length === 1) return plans[0];
  const first = plans[0];
  const seen = new Set<string>();
  for (const p of plans) {
    if (p.dim !== first.dim) throw new InputError(`cannot join corpora with features of dim ${first.dim} and ${p.dim}; extract them with the same config`);
    if (p.numPdfs !== first.numPdfs) throw new InputError(`cannot join corpora with ${first.numPdfs} and ${p.numPdfs} pdfs`);
    for (const s of p.shards) {
      for (const u of s.uttIds) {
        if (seen.has(u)) throw new InputError(`utterance ${u} appears in two of the joined sets; give each set distinct utterance ids`);
        seen.add(u);
      }
    }
  }
  const shards = plans.flatMap((p) => p.shards.map((s) => ({ ...s, norm: s.norm ?? { stats: p.cmvnStats, normVars: p.cmvn.normVars } })));
  return {
    ...first,
    shards,
    numUtts: plans.reduce((n, p) => n + p.numUtts, 0),
    numFrames: plans.reduce((n, p) => n + p.numFrames, 0),
    skipped: plans.flatMap((p) => p.skipped),
  };
}

/** Pdf counts of a plan's labels (priors: priors.ts logPriors). */
export function planPdfCounts(plan: FrameStreamPlan): Float64Array {
  const counts = new Float64Array(plan.numPdfs);
  for (const s of plan.shards) {
    for (const id of s.uttIds) {
      const l = plan.labels?.get(id);
      if (l) for (let t = 0; t < l.length; t++) counts[l[t]]++;
    }
  }
  return counts;
}

/**
 * Load the utterances of `shards` into one FrameCorpus (CMVN applied), in shard then file order.
 * The features go straight into the corpus array: a shard's frames are held once.
 */
export async function loadShardWindow(plan: FrameStreamPlan, shards: readonly StreamShard[]): Promise<FrameCorpus> {
  const { applyCmvn } = await import('../features/cmvn.js');
  const uttIds = shards.flatMap((s) => s.uttIds);
  const uttStart = new Int32Array(uttIds.length + 1);
  let u = 0;
  for (const s of shards) for (const n of s.numFrames) uttStart[u + 1] = uttStart[u++] + n;
  const numFrames = uttStart[uttIds.length];
  const feats = new Float32Array(numFrames * plan.dim);
  const labels = new Int32Array(numFrames).fill(-1);
  u = 0;
  for (const s of shards) {
    const wanted = new Set(s.uttIds);
    const norm = s.norm ?? { stats: plan.cmvnStats, normVars: plan.cmvn.normVars };
    const first = u;
    for await (const f of streamFeatsShard(s.file)) {
      if (!wanted.has(f.uttId)) continue;
      if (f.uttId !== uttIds[u] || f.numFrames !== uttStart[u + 1] - uttStart[u]) {
        throw new InputError(`${s.file}: utterance ${f.uttId} is not where the first pass found ${uttIds[u] ?? 'the end'}; the shard changed during training, re-run`);
      }
      feats.set(norm.stats ? applyCmvn(f, norm.stats, { normVars: norm.normVars }) : f.data, uttStart[u] * plan.dim);
      const l = plan.labels?.get(f.uttId);
      if (l) labels.set(l, uttStart[u]);
      u++;
    }
    if (u - first !== s.uttIds.length) throw new InputError(`${s.file}: ${u - first} of its ${s.uttIds.length} utterances found; the shard changed during training, re-run`);
  }
  return { dim: plan.dim, numPdfs: plan.numPdfs, uttIds, uttStart, feats, labels };
}

/** Options of createStreamingBatchSource. */
export interface StreamingSourceOptions {
  context: SpliceContext;
  seed: number;
  /** Frames held in memory at most (two windows: the one training and the one being read). */
  maxMemoryFrames: number;
  /** Shuffle shard order and frames (training; default) or keep corpus order (scoring). */
  shuffle?: boolean;
  /** Applied to each batch's inputs in order, batch k of epoch e with (e, k) (input noise). */
  perturb?: readonly InputPerturbation[];
  /**
   * Per-frame targets of a window (distillation: the teacher's soft targets over the window's
   * frames in corpus order), computed when the window is read, before its frames are shuffled;
   * batches then carry `soft` / `teacherLogits`. The hook may also replace the window's labels.
   */
  windowTargets?: (window: FrameCorpus) => Promise<FrameTargets>;
}

/** A streamed batch source, with the count of feature frames it holds (for tests and benchmarks). */
export interface StreamingBatchSource extends AsyncBatchSource {
  /** Frames of the windows in memory now, and the most ever. */
  readonly memory: { residentFrames: number; peakResidentFrames: number };
  /** The windows of epoch `epoch`: groups of shard indices, in the order they are read. */
  windows(epoch: number): number[][];
}

/**
 * Batches over a FrameStreamPlan, a window of shards in memory at a time. Per epoch e: the shard
 * order is shuffled with stream `epoch-e-shards` of the seed (when there is more than one window),
 * shards are grouped into windows of at most maxMemoryFrames/2 frames (a bigger shard is a window
 * alone), and each window's frames are shuffled with stream `epoch-e` (window 0) or
 * `epoch-e-window-w`; batches run across window edges, so all but the last are full. The stream
 * is a pure function of (plan, seed, epoch): resuming an epoch sees the same batches.
 *
 * @example for await (const b of createStreamingBatchSource(plan, { context: { left: 5, right: 5 }, seed: 1, maxMemoryFrames: 4e6 }).batches(0, 256)) train(b)
 */
export function createStreamingBatchSource(plan: FrameStreamPlan, opts: StreamingSourceOptions): StreamingBatchSource {
  if (!(opts.maxMemoryFrames > 0)) throw new InputError(`--max-memory-frames ${opts.maxMemoryFrames}: expected a positive number of frames`);
  const shuffle = opts.shuffle ?? true;
  const inputDim = splicedDim(plan.dim, opts.context);
  const budget = Math.max(1, Math.floor(opts.maxMemoryFrames / 2));
  const memory = { residentFrames: 0, peakResidentFrames: 0 };
  const group = (order: number[]): number[][] => {
    const out: number[][] = [];
    let frames = 0;
    for (const i of order) {
      const f = plan.shards[i].frames;
      if (out.length === 0 || frames + f > budget) {
        out.push([]);
        frames = 0;
      }
      out[out.length - 1].push(i);
      frames += f;
    }
    return out;
  };
  const windows = (epoch: number): number[][] => {
    const order = plan.shards.map((_, i) => i);
    const inOrder = group(order);
    if (!shuffle || inOrder.length === 1) return inOrder;
    return group(shuffleInPlace(makeRng(opts.seed, `epoch-${epoch}-shards`), order));
  };
  interface Window {
    c: FrameCorpus;
    targets?: FrameTargets;
  }
  const load = async (idx: number[]): Promise<Window> => {
    const c = await loadShardWindow(plan, idx.map((i) => plan.shards[i]));
    memory.residentFrames += c.labels.length;
    memory.peakResidentFrames = Math.max(memory.peakResidentFrames, memory.residentFrames);
    try {
      return { c, targets: opts.windowTargets ? await opts.windowTargets(c) : undefined };
    } catch (e) {
      memory.residentFrames -= c.labels.length;
      throw e;
    }
  };
  const numPdfs = plan.numPdfs;
  return {
    inputDim,
    numPdfs: plan.numPdfs,
    numFrames: plan.numFrames,
    memory,
    windows,
    async *batches(epoch: number, batchSize: number): AsyncIterable<Batch> {
      if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
      const wins = windows(epoch);
      const hooked = opts.windowTargets !== undefined;
      let x = new Float32Array(batchSize * inputDim);
      let labels = new Int32Array(batchSize);
      // Allocated with the first window's targets (which of soft / logits they have).
      let soft: Float32Array | undefined;
      let logits: Float32Array | undefined;
      const newTargetRows = (t: FrameTargets | undefined): void => {
        soft = t?.hasSoft ? new Float32Array(batchSize * numPdfs) : undefined;
        logits = t?.hasLogits ? new Float32Array(batchSize * numPdfs) : undefined;
      };
      let fill = 0;
      let k = 0;
      const finish = (size: number): Batch => {
        const full = size === batchSize;
        const b: Batch = { size, x: full ? x : x.slice(0, size * inputDim), labels: full ? labels : labels.slice(0, size) };
        if (soft) b.soft = full ? soft : soft.slice(0, size * numPdfs);
        if (logits) b.teacherLogits = full ? logits : logits.slice(0, size * numPdfs);
        for (const p of opts.perturb ?? []) p.apply(b.x, size, inputDim, epoch, k);
        k++;
        return b;
      };
      let next: Promise<Window> | undefined = load(wins[0]);
      try {
        for (let w = 0; w < wins.length; w++) {
          const { c, targets } = await next!;
          if (hooked && w === 0) newTargetRows(targets);
          // Read the next window while this one trains (the read is mostly I/O in libuv's threads).
          next = w + 1 < wins.length ? load(wins[w + 1]) : undefined;
          // Keep the prefetch's rejection from being reported as unhandled before it is awaited.
          next?.catch(() => undefined);
          try {
            const n = c.labels.length;
            const order = new Int32Array(n);
            for (let i = 0; i < n; i++) order[i] = i;
            if (shuffle) shuffleInPlace(makeRng(opts.seed, w === 0 ? `epoch-${epoch}` : `epoch-${epoch}-window-${w}`), order);
            const frameUtt = frameUtterances(c);
            for (let s = 0; s < n; ) {
              const take = Math.min(batchSize - fill, n - s);
              spliceFrames(c, frameUtt, order.subarray(s, s + take), take, opts.context, x.subarray(fill * inputDim));
              for (let i = 0; i < take; i++) labels[fill + i] = c.labels[order[s + i]];
              targets?.fill(order.subarray(s, s + take), take, soft?.subarray(fill * numPdfs), logits?.subarray(fill * numPdfs));
              fill += take;
              s += take;
              if (fill === batchSize) {
                yield finish(batchSize);
                x = new Float32Array(batchSize * inputDim);
                labels = new Int32Array(batchSize);
                if (hooked) newTargetRows(targets);
                fill = 0;
              }
            }
          } finally {
            memory.residentFrames -= c.labels.length;
          }
        }
      } finally {
        // Stopped early (an error, or the consumer broke off): release the window being read.
        const pending = await next?.catch(() => undefined);
        if (pending) memory.residentFrames -= pending.c.labels.length;
      }
      if (fill > 0) yield finish(fill);
    },
  };
}

/** featureStd (transfer-noise.ts) of a plan's features after CMVN, one shard in memory at a time (input noise scale). */
export async function streamFeatureStd(plan: FrameStreamPlan): Promise<Float32Array> {
  const m = new FeatureMoments(plan.dim);
  for (const s of plan.shards) m.add(await loadShardWindow(plan, [s]));
  return m.std();
}
