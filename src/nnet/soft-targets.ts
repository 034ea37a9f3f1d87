// Teacher soft targets for distillation (Hinton, Vinyals & Dean 2015, sec. 2 and 4): for each frame
// the members' softmax(z_m / T) combined by the ensemble's rule, the one evaluation uses: the mean
// of probabilities (arithmetic, the paper's ensemble) or their normalised geometric mean (equal to
// softmax of the mean logits / T). Averaging logits under an arithmetic ensemble would be a
// different teacher: a common bug in public KD code.
// With thousands of states the full matrix is large, so targets may be kept as the top K per frame
// (renormalised) and cached in an Arrow file that records T and the teacher's identity.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Field, Float32, Int32, List, Schema, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { readArrowBatches } from '../store/arrow-batches.js';
import { splicedChunks, corpusFrames, perturbedSource, type AsyncBatchSource, type Batch, type BatchSource, type FrameCorpus, type FrameTargets, type InputPerturbation } from './batches.js';
import type { JobRunner } from '../jobs/runner.js';
import { siblingModuleUrl } from '../jobs/module-url.js';
import type { BackendName } from './backend.js';
import type { TeacherJobInput, TeacherJobOutput } from './teacher-job.js';
import { AcousticForward, ENSEMBLE_FILE, combinePosteriors, meanCentredLogits, type AcousticModel } from './ensemble.js';
import { MODEL_META_FILE } from './model-dir.js';
import { MODEL_JSON, WEIGHTS_BIN } from './model.js';
import { rowArgmax } from './eval.js';

/** `full`: every pdf's probability; `top-k`: the K largest per frame, renormalised to sum to 1. */
export type SoftTargetMode = { kind: 'full' } | { kind: 'top-k'; k: number };

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

/** Teacher targets over a corpus, and the teacher's best pdf per frame (labels for an unlabeled set). */
export interface TeacherTargets {
  targets: FrameTargets;
  argmax: Int32Array;
}

/**
 * The teacher's targets for `n` spliced rows: soft = the members' softmax(z_m / T) combined by the
 * model's rule (ensemble.json `combine`) and, with `withLogits`, the mean of the members' centred
 * logits (logit-mse).
 */
export function teacherBatchTargets(fwd: AcousticForward, x: Float32Array, n: number, temperature: number, withLogits: boolean): { soft: Float32Array; logits?: Float32Array } {
  const numPdfs = fwd.numPdfs;
  if (withLogits) {
    const z = fwd.memberLogits(x, n);
    return { soft: combinePosteriors(z.map((zm) => softmaxRows(zm, numPdfs, temperature)), numPdfs, fwd.model.combine), logits: meanCentredLogits(z, numPdfs) };
  }
  return { soft: fwd.posteriors(x, n, temperature) };
}

/** The teacher's targets for `n` spliced rows of `x`, computed here or elsewhere (a worker). */
export type BatchTeacher = (x: Float32Array, n: number) => Promise<{ soft: Float32Array; logits?: Float32Array }>;

/** A BatchTeacher that runs `fwd` in this thread. */
export function localBatchTeacher(fwd: AcousticForward, temperature: number, withLogits: boolean): BatchTeacher {
  return async (x, n) => teacherBatchTargets(fwd, x, n, temperature, withLogits);
}

/** What a worker needs to rebuild the teacher (teacher-job.ts). */
export interface WorkerTeacherSpec {
  teacherDir: string;
  teacherId: string;
  backend: BackendName;
  temperature: number;
  withLogits: boolean;
}

/**
 * A BatchTeacher whose batches run as jobs of `runner` (teacher-job.ts: each worker loads the
 * teacher once). Results are those of localBatchTeacher on the same backend.
 */
export function workerBatchTeacher(runner: JobRunner, spec: WorkerTeacherSpec): BatchTeacher {
  const module = siblingModuleUrl(import.meta.url, 'teacher-job');
  return async (x, n) => {
    const input: TeacherJobInput = { ...spec, x, n };
    const [out] = await runner.run<TeacherJobInput, TeacherJobOutput>([{ module, fn: 'teacherTargetsJob', input }]);
    return out;
  };
}

/** Options of onlineTeacherSource. */
export interface OnlineTeacherOptions {
  /** The teacher's input (spliced) dimension and pdf count, checked against the source's. */
  inputDim: number;
  numPdfs: number;
  withSoft: boolean;
  /**
   * Perturbations applied in order to each batch's inputs before the teacher and the student see
   * them (transfer-noise.ts, transfer-warp.ts), each deterministic in (epoch, batch).
   */
  perturb?: InputPerturbation[];
  /** Replace the batch labels by the teacher's best pdf (unlabeled transfer set: labels only feed the accuracy figures). */
  labelsFromTeacher?: boolean;
  /**
   * Batches whose targets are requested ahead of the one being trained on (default 0). With a
   * worker teacher, 2 per worker keeps the workers busy while the student trains.
   */
  lookahead?: number;
}

/**
 * A training source whose batches carry the teacher's targets computed when the batch is made,
 * on the batch's (optionally perturbed) inputs. Needed when the inputs change every epoch (a
 * transfer set with noise); deterministic per (epoch, batch) like the base source, so resume is
 * exact, whether the teacher runs here or in workers.
 */
export function onlineTeacherSource(base: BatchSource, teacher: BatchTeacher, o: OnlineTeacherOptions): AsyncBatchSource {
  if (base.inputDim !== o.inputDim || base.numPdfs !== o.numPdfs) {
    throw new InputError(`teacher expects ${o.inputDim}-dim inputs and ${o.numPdfs} pdfs, the transfer set gives ${base.inputDim} and ${base.numPdfs}; distill with the teacher's --context`);
  }
  const lookahead = Math.max(0, o.lookahead ?? 0);
  return {
    inputDim: base.inputDim,
    numPdfs: base.numPdfs,
    numFrames: base.numFrames,
    async *batches(epoch: number, batchSize: number): AsyncIterable<Batch> {
      const it = perturbedSource(base, o.perturb ?? []).batches(epoch, batchSize)[Symbol.iterator]();
      const queue: Promise<Batch>[] = [];
      const request = (): boolean => {
        const r = it.next();
        if (r.done) return false;
        const b = r.value;
        const p = teacher(b.x, b.size).then((t) => {
          if (o.labelsFromTeacher) for (let i = 0; i < b.size; i++) b.labels[i] = rowArgmax(t.soft, i, base.numPdfs);
          return { ...b, soft: o.withSoft ? t.soft : undefined, teacherLogits: t.logits };
        });
        // A batch abandoned by a failing trainer must not surface as an unhandled rejection.
        p.catch(() => undefined);
        queue.push(p);
        return true;
      };
      try {
        for (let i = 0; i <= lookahead && request(); i++);
        while (queue.length > 0) {
          const b = await queue.shift()!;
          request();
          yield b;
        }
      } finally {
        await Promise.allSettled(queue);
      }
    },
  };
}

/**
 * Run the teacher over every frame of `corpus` (spliced `chunkFrames` at a time) and keep its soft
 * targets at temperature T: mean over members of softmax(z / T). `withLogits` also keeps the mean
 * of the members' centred logits (for logit-mse); `mode` top-k keeps K per frame.
 *
 * With `helper` (a BatchTeacher in a worker: workerBatchTeacher), the chunks are shared between
 * this thread and the helper, up to 3 queued there while this thread computes one: on two cores
 * the pass takes about 1/1.5 of the time (the two wasm threads slow each other). Chunk boundaries
 * do not depend on who computes a chunk, and the helper runs the same teacher on the same backend,
 * so the targets are identical.
 */
export async function computeTeacherTargets(
  fwd: AcousticForward,
  corpus: FrameCorpus,
  opts: { temperature: number; mode: SoftTargetMode; withSoft?: boolean; withLogits?: boolean; chunkFrames?: number; onFrames?: (n: number) => void; helper?: BatchTeacher },
): Promise<TeacherTargets> {
  const { temperature, mode } = opts;
  if (!(temperature > 0)) throw new InputError(`--temperature ${temperature}: must be > 0`);
  const model = fwd.model;
  const numPdfs = model.meta.numPdfs;
  const ctx = model.meta.context;
  const chunk = opts.chunkFrames ?? 1024;
  const total = corpusFrames(corpus);
  const withSoft = opts.withSoft ?? true;
  const withLogits = opts.withLogits ?? false;
  const k = mode.kind === 'top-k' ? Math.min(mode.k, numPdfs) : numPdfs;
  const dense = withSoft && mode.kind === 'full' ? new Float32Array(total * numPdfs) : undefined;
  const topIds = withSoft && mode.kind === 'top-k' ? new Int32Array(total * k) : undefined;
  const topProbs = topIds ? new Float32Array(total * k) : undefined;
  const logits = withLogits ? new Float32Array(total * numPdfs) : undefined;
  const argmax = new Int32Array(total);
  const store = (s: number, n: number, t: { soft: Float32Array; logits?: Float32Array }): void => {
    const soft = t.soft;
    if (logits) logits.set(t.logits!, s * numPdfs);
    for (let i = 0; i < n; i++) {
      argmax[s + i] = rowArgmax(soft, i, numPdfs);
      if (topIds) topKRow(soft.subarray(i * numPdfs, (i + 1) * numPdfs), k, topIds, topProbs!, (s + i) * k);
    }
    if (dense) dense.set(soft, s * numPdfs);
    opts.onFrames?.(n);
  };
  // The helper's chunks in flight, oldest first; `done` is set when a chunk's targets have arrived.
  const away: { start: number; n: number; result: Promise<{ soft: Float32Array; logits?: Float32Array }>; done: boolean }[] = [];
  const collect = async (): Promise<void> => {
    const a = away.shift()!;
    store(a.start, a.n, await a.result);
  };
  for (const { start, n, x } of splicedChunks(corpus, ctx, chunk)) {
    // Chunks queued at the helper keep it busy while this thread computes one.
    if (opts.helper && away.length < 3) {
      // splicedChunks reuses its buffer: the helper gets a copy.
      const a = { start, n, result: opts.helper(x.slice(), n), done: false };
      a.result.then(() => (a.done = true), () => (a.done = true));
      away.push(a);
      continue;
    }
    store(start, n, teacherBatchTargets(fwd, x, n, temperature, withLogits));
    if (away.length > 0) {
      // Let the helper's replies be delivered, then take the finished ones.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (away.length > 0 && away[0].done) await collect();
    }
  }
  while (away.length > 0) await collect();
  const targets: FrameTargets = topIds ? new TopKTargets(numPdfs, k, topIds, topProbs!) : new DenseTargets(numPdfs, dense, logits);
  if (topIds && logits) {
    // Sparse soft targets plus dense logits: serve both.
    const sparse = targets as TopKTargets;
    return {
      argmax,
      targets: {
        numPdfs,
        hasSoft: true,
        hasLogits: true,
        fill(frames, count, s2, l2) {
          sparse.fill(frames, count, s2);
          new DenseTargets(numPdfs, undefined, logits).fill(frames, count, undefined, l2);
        },
      },
    };
  }
  return { targets, argmax };
}

/** softmax(z / T) per row (numerically stable), in float64 accumulation. */
export function softmaxRows(z: Float32Array, numPdfs: number, temperature = 1): Float32Array {
  const out = new Float32Array(z.length);
  for (let r = 0; r < z.length; r += numPdfs) {
    let max = -Infinity;
    for (let j = 0; j < numPdfs; j++) max = Math.max(max, z[r + j]);
    let sum = 0;
    for (let j = 0; j < numPdfs; j++) sum += Math.exp((z[r + j] - max) / temperature);
    for (let j = 0; j < numPdfs; j++) out[r + j] = Math.exp((z[r + j] - max) / temperature) / sum;
  }
  return out;
}

/**
 * The identity of a teacher: sha256 over its manifest / metadata and every member's model.json and
 * weights.bin. A retrained teacher in the same directory gets a new identity.
 */
export async function teacherIdentity(model: AcousticModel): Promise<string> {
  const h = createHash('sha256');
  const files = model.kind === 'ensemble' ? [path.join(model.dir, ENSEMBLE_FILE)] : [];
  for (const m of model.members) files.push(...[MODEL_META_FILE, MODEL_JSON, WEIGHTS_BIN].map((f) => path.join(m.dir, f)));
  for (const f of files) {
    h.update(path.basename(f));
    h.update(await fs.readFile(f));
  }
  return h.digest('hex');
}

/** What a soft-target cache was computed from; a cache is only used when all of it matches. */
export interface SoftTargetCacheKey {
  temperature: number;
  teacherId: string;
  /** The teacher directory (informational). */
  teacherDir: string;
}

const CACHE_META_KEY = 'asr_distill_soft_targets';

function listVector<T extends Int32Array | Float32Array>(rows: T[], type: Int32 | Float32, Ctor: { new (n: number): T }): Vector {
  const offsets = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) offsets[i + 1] = offsets[i] + rows[i].length;
  const values = new Ctor(offsets[rows.length]);
  for (let i = 0; i < rows.length; i++) values.set(rows[i], offsets[i]);
  const child = makeData({ type, length: values.length, nullCount: 0, data: values } as never);
  const listType = new List(new Field('item', type, false));
  return makeVector(makeData({ type: listType, length: rows.length, nullCount: 0, valueOffsets: offsets, child } as never));
}

/** Values (frames x K) per record batch of the soft-target cache: 32M = 256 MB of ids and probabilities. */
export const CACHE_BATCH_VALUES = 32_000_000;

/**
 * Write top-K soft targets as an Arrow IPC file: one row per utterance (`utt_id`, `num_frames`,
 * `pdf_ids` and `probs` lists of num_frames x K), the key (T, teacher) and K in the schema metadata.
 */
export async function writeSoftTargetCache(file: string, corpus: FrameCorpus, t: TopKTargets, key: SoftTargetCacheKey, batchValues = CACHE_BATCH_VALUES): Promise<void> {
  const rowsIds: Int32Array[] = [];
  const rowsProbs: Float32Array[] = [];
  const nums: number[] = [];
  corpus.uttIds.forEach((_, u) => {
    const a = corpus.uttStart[u] * t.k;
    const b = corpus.uttStart[u + 1] * t.k;
    rowsIds.push(t.pdfIds.subarray(a, b));
    rowsProbs.push(t.probs.subarray(a, b));
    nums.push(corpus.uttStart[u + 1] - corpus.uttStart[u]);
  });
  // A record batch per `batchValues` values (an utterance is never split): int32 list offsets
  // hold 2^31 values, and a streaming reader holds one batch at a time. Small caches are one batch.
  const groups: [number, number][] = [];
  for (let u = 0, a = 0, values = 0; u <= nums.length; u++) {
    if (u === nums.length || (values > 0 && values + nums[u] * t.k > batchValues)) {
      if (u > a || groups.length === 0) groups.push([a, u]);
      a = u;
      values = 0;
    }
    if (u < nums.length) values += nums[u] * t.k;
  }
  const tables = groups.map(
    ([a, b]) =>
      new Table({
        utt_id: vectorFromArray(corpus.uttIds.slice(a, b), new Utf8()),
        num_frames: vectorFromArray(nums.slice(a, b), new Int32()),
        pdf_ids: listVector(rowsIds.slice(a, b), new Int32(), Int32Array),
        probs: listVector(rowsProbs.slice(a, b), new Float32(), Float32Array),
      }),
  );
  const meta = new Map([[CACHE_META_KEY, JSON.stringify({ ...key, k: t.k, numPdfs: t.numPdfs })]]);
  const withMeta = new Table(new Schema(tables[0].schema.fields, meta), tables.flatMap((x) => x.batches.map((b) => b.data)) as never);
  await writeFileAtomic(file, tableToIPC(withMeta, 'file'));
}

/**
 * Read a soft-target cache for `corpus`. Throws InputError when it was computed at another
 * temperature, by another teacher, or over other utterances/frames.
 */
export async function readSoftTargetCache(file: string, corpus: FrameCorpus, key: SoftTargetCacheKey): Promise<TopKTargets> {
  const uttIndex = new Map<string, number>();
  corpus.uttIds.forEach((id, u) => uttIndex.set(id, u));
  const found = new Uint8Array(corpus.uttIds.length);
  let k = 0;
  let pdfIds = new Int32Array(0);
  let probs = new Float32Array(0);
  let first = true;
  // Record batch by record batch through a file handle (store/arrow-batches.ts): no 2 GiB ceiling.
  try {
    for await (const batch of readArrowBatches(file, 'soft-target cache', 'delete it to recompute')) {
      if (first) {
        first = false;
        const raw = batch.schema.metadata.get(CACHE_META_KEY);
        if (!raw) throw new InputError(`${file}: not a soft-target cache (no ${CACHE_META_KEY} metadata); delete it or choose another --cache file`);
        const m = JSON.parse(raw) as SoftTargetCacheKey & { k: number; numPdfs: number };
        if (m.temperature !== key.temperature) {
          throw new InputError(`${file}: computed at temperature ${m.temperature}, not ${key.temperature}; delete it to recompute, or choose another --cache file`);
        }
        if (m.teacherId !== key.teacherId) {
          throw new InputError(`${file}: computed by another teacher (${m.teacherDir}, id ${m.teacherId.slice(0, 12)}) than ${key.teacherDir} (id ${key.teacherId.slice(0, 12)}); delete it to recompute, or choose another --cache file`);
        }
        if (m.numPdfs !== corpus.numPdfs) throw new InputError(`${file}: ${m.numPdfs} pdfs, the data ${corpus.numPdfs}; delete it to recompute`);
        k = m.k;
        pdfIds = new Int32Array(corpusFrames(corpus) * k);
        probs = new Float32Array(corpusFrames(corpus) * k);
      }
      const ids = batch.getChild('utt_id')!.toArray() as string[];
      const idCol = batch.getChild('pdf_ids')!;
      const probCol = batch.getChild('probs')!;
      ids.forEach((id, row) => {
        const u = uttIndex.get(String(id));
        if (u === undefined) return;
        const n = corpus.uttStart[u + 1] - corpus.uttStart[u];
        const a = idCol.get(row) as Vector;
        const p = probCol.get(row) as Vector;
        if (a.length !== n * k) throw new InputError(`${file}: utterance ${corpus.uttIds[u]} has ${a.length / k} frames of targets but ${n} feature frames; delete it to recompute`);
        pdfIds.set(a.toArray() as Int32Array, corpus.uttStart[u] * k);
        probs.set(p.toArray() as Float32Array, corpus.uttStart[u] * k);
        found[u] = 1;
      });
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: cannot read the soft-target cache (${(e as Error).message}); delete it to recompute`);
  }
  if (first) throw new InputError(`${file}: cannot read the soft-target cache (no record batches); delete it to recompute`);
  const missing = found.indexOf(0);
  if (missing >= 0) throw new InputError(`${file}: no soft targets for utterance ${corpus.uttIds[missing]}; the cache was computed on other data, delete it to recompute`);
  return new TopKTargets(corpus.numPdfs, k, pdfIds, probs);
}
