// The on-disk soft-target cache: top-K teacher targets of a transfer set in an Arrow file that records
// everything that changes its bytes (in the schema metadata: temperature, teacher identity, engine, K;
// per utterance: a hash of the teacher's input features, CMVN applied), so a cache is reused only for
// the same computation. A streamed transfer set's cache is a directory of such files, one per feature
// shard (cachedWindowTargets).
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Field, Float32, Int32, List, Schema, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { readArrowBatches } from '../store/arrow-batches.js';
import { makeDirs, pathExists } from '../store/paths.js';
import { corpusFrames, type FrameCorpus } from './batches.js';
import { TopKTargets } from './targets.js';

/** What a soft-target cache was computed from; a cache is only used when all of it matches. */
export interface SoftTargetCacheKey {
  temperature: number;
  teacherId: string;
  /** The teacher directory (informational). */
  teacherDir: string;
  /**
   * The engine that ran the teacher (engine.ts selectEngine: `ort`, `wasm`, `cpu`, `tensorflow`):
   * engines round differently, so their targets differ in the last bits.
   */
  engine: string;
  /** Top-K asked for (the cache holds min(K, numPdfs) per frame); absent: any K is accepted. */
  k?: number;
}

const CACHE_META_KEY = 'asr_distill_soft_targets';

/** sha256 (hex) of utterance `u`'s features in `corpus` (the teacher's input before splicing). */
function uttFeatsHash(corpus: FrameCorpus, u: number): string {
  const a = corpus.uttStart[u] * corpus.dim;
  const b = corpus.uttStart[u + 1] * corpus.dim;
  const f = corpus.feats.subarray(a, b);
  return createHash('sha256').update(new Uint8Array(f.buffer, f.byteOffset, f.byteLength)).digest('hex');
}

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
 * `feats_sha256` of its input features, `pdf_ids` and `probs` lists of num_frames x K), the key (T,
 * teacher, engine) and K in the schema metadata.
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
  const featHashes = corpus.uttIds.map((_, u) => uttFeatsHash(corpus, u));
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
        feats_sha256: vectorFromArray(featHashes.slice(a, b), new Utf8()),
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
 * temperature, by another teacher, on another engine, with another K, or over other utterances,
 * frames or feature values.
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
        const m = JSON.parse(raw) as Omit<SoftTargetCacheKey, 'engine'> & { engine?: string; k: number; numPdfs: number };
        if (m.temperature !== key.temperature) {
          throw new InputError(`${file}: computed at temperature ${m.temperature}, not ${key.temperature}; delete it to recompute, or choose another --cache file`);
        }
        if (m.teacherId !== key.teacherId) {
          throw new InputError(`${file}: computed by another teacher (${m.teacherDir}, id ${m.teacherId.slice(0, 12)}) than ${key.teacherDir} (id ${key.teacherId.slice(0, 12)}); delete it to recompute, or choose another --cache file`);
        }
        if (m.engine !== key.engine) {
          const was = m.engine === undefined ? 'an unrecorded engine (written before caches recorded it)' : `engine ${m.engine}`;
          throw new InputError(`${file}: computed on ${was}, not ${key.engine}; engines round differently, so the targets would not be the ones this run computes; delete it to recompute, or choose another --cache file`);
        }
        if (key.k !== undefined && m.k !== Math.min(key.k, corpus.numPdfs)) {
          throw new InputError(`${file}: keeps the top ${m.k} pdfs per frame, not ${key.k}; delete it to recompute, or choose another --cache file`);
        }
        if (m.numPdfs !== corpus.numPdfs) throw new InputError(`${file}: ${m.numPdfs} pdfs, the data ${corpus.numPdfs}; delete it to recompute`);
        k = m.k;
        pdfIds = new Int32Array(corpusFrames(corpus) * k);
        probs = new Float32Array(corpusFrames(corpus) * k);
      }
      const ids = batch.getChild('utt_id')!.toArray() as string[];
      const hashCol = batch.getChild('feats_sha256');
      if (!hashCol) throw new InputError(`${file}: no feats_sha256 column (written by an older version); delete it to recompute`);
      const idCol = batch.getChild('pdf_ids')!;
      const probCol = batch.getChild('probs')!;
      ids.forEach((id, row) => {
        const u = uttIndex.get(String(id));
        if (u === undefined) return;
        const n = corpus.uttStart[u + 1] - corpus.uttStart[u];
        const a = idCol.get(row) as Vector;
        const p = probCol.get(row) as Vector;
        if (a.length !== n * k) throw new InputError(`${file}: utterance ${corpus.uttIds[u]} has ${a.length / k} frames of targets but ${n} feature frames; delete it to recompute`);
        if (hashCol.get(row) !== uttFeatsHash(corpus, u)) {
          throw new InputError(`${file}: utterance ${corpus.uttIds[u]} had other features when the cache was written (features or CMVN changed since); delete it to recompute`);
        }
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

/** Each frame's top pdf (the first of its K): the labels of an unlabeled transfer set read from a cache. */
export function topKArgmax(t: TopKTargets): Int32Array {
  const argmax = new Int32Array(t.pdfIds.length / t.k);
  for (let g = 0; g < argmax.length; g++) argmax[g] = t.pdfIds[g * t.k];
  return argmax;
}

/** Utterances `a .. b` of `c` as a corpus of their own (views of its arrays, no copy). */
function subCorpus(c: FrameCorpus, a: number, b: number): FrameCorpus {
  const f0 = c.uttStart[a];
  const f1 = c.uttStart[b];
  return {
    dim: c.dim,
    numPdfs: c.numPdfs,
    uttIds: c.uttIds.slice(a, b),
    uttStart: c.uttStart.slice(a, b + 1).map((s) => s - f0),
    feats: c.feats.subarray(f0 * c.dim, f1 * c.dim),
    labels: c.labels.subarray(f0, f1),
  };
}

/** The file of shard `n` of a streamed cache directory. */
export function shardCacheFile(dir: string, n: number): string {
  return path.join(dir, `shard-${n}.arrow`);
}

/**
 * The top-K cache of a streamed transfer set (distill over --max-memory-frames): CACHE is a
 * directory with one cache file per feature shard of the stream (`shard-N.arrow`, N the shard's
 * place in the plan; each written and checked as writeSoftTargetCache / readSoftTargetCache do for
 * a whole set). A window (whole shards, frame-stream.ts) whose shards are all cached is read; else
 * the teacher runs over the window (`compute`) and the missing shards are written. So the teacher
 * runs over each shard once, in the first epoch, and not in later epochs or runs. `shardOf` maps
 * each utterance of the stream to its shard's place; `onRead` is told when a window came from the cache.
 *
 * @example const hook = cachedWindowTargets('exp/cache.d', shardOf, key, (c) => teacherTopK(c)); const t = await hook(window)
 */
export function cachedWindowTargets(
  dir: string,
  shardOf: Map<string, number>,
  key: SoftTargetCacheKey,
  compute: (window: FrameCorpus) => Promise<TopKTargets>,
  onRead?: () => void,
): (window: FrameCorpus) => Promise<TopKTargets> {
  return async (c) => {
    // The window's shards: runs of consecutive utterances of one shard.
    const parts: { n: number; a: number; b: number }[] = [];
    c.uttIds.forEach((id, u) => {
      const n = shardOf.get(id);
      if (n === undefined) throw new Error(`cachedWindowTargets: utterance ${id} is not in the stream plan`);
      const last = parts[parts.length - 1];
      if (last && last.n === n) last.b = u + 1;
      else parts.push({ n, a: u, b: u + 1 });
    });
    await makeDirs(dir);
    const present = await Promise.all(parts.map((p) => pathExists(shardCacheFile(dir, p.n))));
    if (present.every(Boolean)) {
      const read = [];
      for (const p of parts) read.push(await readSoftTargetCache(shardCacheFile(dir, p.n), subCorpus(c, p.a, p.b), key));
      const k = read[0]?.k ?? Math.min(key.k ?? c.numPdfs, c.numPdfs);
      const frames = c.uttStart[c.uttIds.length];
      const pdfIds = new Int32Array(frames * k);
      const probs = new Float32Array(frames * k);
      read.forEach((t, i) => {
        if (t.k !== k) throw new InputError(`${shardCacheFile(dir, parts[i].n)}: keeps the top ${t.k} pdfs per frame, the other shards ${k}; delete ${dir} to recompute`);
        pdfIds.set(t.pdfIds, c.uttStart[parts[i].a] * k);
        probs.set(t.probs, c.uttStart[parts[i].a] * k);
      });
      onRead?.();
      return new TopKTargets(c.numPdfs, k, pdfIds, probs);
    }
    const t = await compute(c);
    for (let i = 0; i < parts.length; i++) {
      if (present[i]) continue;
      const p = parts[i];
      const f0 = c.uttStart[p.a] * t.k;
      const f1 = c.uttStart[p.b] * t.k;
      await writeSoftTargetCache(shardCacheFile(dir, p.n), subCorpus(c, p.a, p.b), new TopKTargets(t.numPdfs, t.k, t.pdfIds.subarray(f0, f1), t.probs.subarray(f0, f1)), key);
    }
    return t;
  };
}
