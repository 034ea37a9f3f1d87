// The training/alignment corpus of the GMM stages: every utterance's GMM features, either in one
// SharedArrayBuffer (workers read it without copies) or, over a memory budget, in a scratch file
// the workers read utterance by utterance (corpus-rows.ts; Kaldi's split archives read per job), its
// transcript as phone slots, and the utterances that cannot be used (no transcript, OOV word, no
// features), each with the reason. Both forms give the same numbers: the same float32 rows in the
// same order, summed in the same order.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError, isInputError } from '../errors.js';
import { computeCmvnStats, computeCmvnStatsOfDir, readCmvn, type CmvnStats } from '../features/cmvn.js';
import { readDataDir } from '../data/data-dir.js';
import type { LangDir } from '../lang/lang-dir.js';
import { makeDirs } from '../store/paths.js';
import { readFeatsDir, readFeatsInfo, streamFeatsDir, streamFeatsIndex, type FeatsDirInfo, type UttFeats } from '../store/feats-archive.js';
import { closeRows, openRows, readFloatRows, readIntRows, withRows, writeFloatRows, writeIntRows, type RowsFile } from './corpus-rows.js';
import { transcriptSlots, type PhoneSlot } from './align-graph.js';
import type { FailedUtt } from './ali-archive.js';
import type { GmmFeatureTransform } from './gmm-feats.js';
import { gmmFeatures, gmmFeatureDim } from './gmm-feats.js';

export interface GmmCorpus {
  uttIds: string[];
  slots: PhoneSlot[][];
  numFrames: Int32Array;
  /** First frame of each utterance in `feats`. */
  offsets: Int32Array;
  /** [totalFrames x dim] on a SharedArrayBuffer; empty when the corpus is spilled to `featsFile`. */
  feats: Float32Array;
  /** The features in a scratch file instead ([totalFrames x dim] float32; corpus-rows.ts). */
  featsFile?: string;
  /**
   * SHA-256 of `featsFile`'s writes (offsets and bytes, in the order they were made: a function of
   * the inputs). Jobs that read the file carry it in their input, so a backend that reuses finished
   * jobs across reruns (Slurm) reuses them only for the same features, as a shared-memory corpus'
   * blob is named by its contents.
   */
  featsSha256?: string;
  dim: number;
  totalFrames: number;
  /** Utterances left out, with the reason. */
  failed: FailedUtt[];
}

/** Items for `makeGmmCorpus`: features already transformed for the GMM. */
export interface GmmCorpusItem {
  uttId: string;
  feats: Float32Array;
  numFrames: number;
  slots: PhoneSlot[];
}

/** Pack utterances into shared memory (pure apart from the allocation). */
export function makeGmmCorpus(items: GmmCorpusItem[], dim: number, failed: FailedUtt[] = []): GmmCorpus {
  const offsets = new Int32Array(items.length);
  const numFrames = new Int32Array(items.length);
  let total = 0;
  items.forEach((it, i) => {
    if (it.feats.length !== it.numFrames * dim) throw new Error(`utterance ${it.uttId}: ${it.feats.length} values is not ${it.numFrames} x ${dim}`);
    offsets[i] = total;
    numFrames[i] = it.numFrames;
    total += it.numFrames;
  });
  const feats = new Float32Array(new SharedArrayBuffer(Math.max(1, total * dim) * 4));
  items.forEach((it, i) => feats.set(it.feats, offsets[i] * dim));
  return { uttIds: items.map((i) => i.uttId), slots: items.map((i) => i.slots), numFrames, offsets, feats, dim, totalFrames: total, failed };
}

/**
 * Where a corpus over the memory budget goes: corpora of more than `maxMemoryFrames` frames
 * (default DEFAULT_GMM_MEMORY_FRAMES) are written to scratch files in `scratchDir` (on the shared
 * filesystem for Slurm jobs; the caller removes it). Without `scratchDir` every corpus is in memory.
 */
export interface GmmCorpusStorage {
  scratchDir?: string;
  maxMemoryFrames?: number;
}

/**
 * Default in-memory budget of the GMM stages, in frames: 4M frames (11 h at 10 ms) = 624 MB of
 * 39-dim features, like the DNN stages' --max-memory-frames (nnet/frame-stream.ts).
 */
export const DEFAULT_GMM_MEMORY_FRAMES = 4_000_000;

/** The scratch directory a command makes inside its output directory (removed before it finishes). */
export const GMM_SCRATCH_DIR = '.gmm-scratch';

/** Files made so far in each scratch directory (reset when withGmmScratch makes the directory afresh). */
const scratchSerials = new Map<string, number>();

/**
 * Run `fn` with storage in OUT_DIR/.gmm-scratch, removed afterwards whatever happens (and before, after a killed run).
 * The files in it are numbered in the order the command makes them, so a rerun of the same command
 * gives them the same names (and its Slurm jobs the same spec hashes: finished ones are reused).
 */
export async function withGmmScratch<T>(outDir: string, maxMemoryFrames: number | undefined, fn: (storage: GmmCorpusStorage) => Promise<T>): Promise<T> {
  const scratchDir = path.resolve(outDir, GMM_SCRATCH_DIR);
  await fs.rm(scratchDir, { recursive: true, force: true });
  scratchSerials.delete(scratchDir);
  try {
    return await fn({ scratchDir, ...(maxMemoryFrames !== undefined ? { maxMemoryFrames } : {}) });
  } finally {
    scratchSerials.delete(scratchDir);
    await fs.rm(scratchDir, { recursive: true, force: true });
  }
}

/** A new scratch file name in `dir`: `WHAT.N.bin`, N counting the files made in it (several corpora and alignments share one dir). */
export function scratchFile(dir: string, what: string): string {
  const key = path.resolve(dir);
  const n = (scratchSerials.get(key) ?? 0) + 1;
  scratchSerials.set(key, n);
  return path.join(key, `${what}.${n}.bin`);
}

/** SHA-256 of a scratch file's contents, read streamed (the alignment a `fixed` pass reads: part of its jobs' inputs). */
export async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export function spills(storage: GmmCorpusStorage | undefined, numFrames: number): storage is GmmCorpusStorage & { scratchDir: string } {
  return storage?.scratchDir !== undefined && numFrames > (storage.maxMemoryFrames ?? DEFAULT_GMM_MEMORY_FRAMES);
}

/** Utterance `i`'s GMM features (a view of shared memory, or read from the scratch file; pass `rows` open on it to save the open). */
export function uttGmmFeats(corpus: GmmCorpus, i: number, rows?: RowsFile): Float32Array {
  const { dim } = corpus;
  if (!corpus.featsFile) return corpus.feats.subarray(corpus.offsets[i] * dim, (corpus.offsets[i] + corpus.numFrames[i]) * dim);
  if (rows) return readFloatRows(rows, corpus.offsets[i], corpus.numFrames[i], dim);
  return withRows(corpus.featsFile, 'r', (f) => readFloatRows(f, corpus.offsets[i], corpus.numFrames[i], dim));
}

/** Call `fn` with every utterance's features in corpus order (one utterance in memory at a time when spilled). */
export function forEachUttGmmFeats(corpus: GmmCorpus, fn: (feats: Float32Array, i: number) => void): void {
  const rows = corpus.featsFile ? openRows(corpus.featsFile) : undefined;
  try {
    for (let i = 0; i < corpus.uttIds.length; i++) fn(uttGmmFeats(corpus, i, rows), i);
  } finally {
    if (rows) closeRows(rows);
  }
}

/**
 * The alignment of a corpus as transition ids, one per frame (at the corpus's frame offsets):
 * an Int32Array on a SharedArrayBuffer, or a scratch file of int32 for a spilled corpus.
 */
export type CorpusTids = Int32Array | { file: string };

/** A zeroed alignment store for `corpus`: a scratch file beside its features when spilled. */
export async function newCorpusTids(corpus: GmmCorpus): Promise<CorpusTids> {
  if (!corpus.featsFile) return new Int32Array(new SharedArrayBuffer(Math.max(1, corpus.totalFrames) * 4));
  const file = scratchFile(path.dirname(corpus.featsFile), 'tids');
  const h = await fs.open(file, 'w');
  try {
    await h.truncate(corpus.totalFrames * 4);
  } finally {
    await h.close();
  }
  return { file };
}

/** Run `fn` with accessors of a CorpusTids (the file opened once, closed when `fn` has finished). */
export async function withCorpusTids<T>(tids: CorpusTids, fn: (read: (offset: number, n: number) => Int32Array, write: (offset: number, values: Int32Array) => void) => T | Promise<T>): Promise<T> {
  if (tids instanceof Int32Array) return fn((o, n) => tids.subarray(o, o + n), (o, v) => tids.set(v, o));
  const f = openRows(tids.file, 'r+');
  try {
    return await fn((o, n) => readIntRows(f, o, n), (o, v) => writeIntRows(f, o, v));
  } finally {
    closeRows(f);
  }
}

/**
 * The utterances `rows` of each part, in the given order, as one corpus (in memory, or spilled as
 * `storage` says when any part is spilled or the total is over budget); utterance ids must be
 * unique across them. Used to train on a data dir plus extra sets (train-mono --extra) and to keep
 * the aligned utterances (train-tri).
 */
export async function gatherGmmCorpus(parts: { corpus: GmmCorpus; rows: number[] }[], failed: FailedUtt[], storage?: GmmCorpusStorage): Promise<GmmCorpus> {
  const dim = parts[0]?.corpus.dim ?? 1;
  const seen = new Set<string>();
  let total = 0;
  for (const { corpus: c, rows } of parts) {
    if (c.dim !== dim) throw new InputError(`cannot train on feature sets of dims ${dim} and ${c.dim} together; extract every set with the same feature config`);
    for (const i of rows) {
      const uttId = c.uttIds[i];
      if (seen.has(uttId)) throw new InputError(`utterance ${uttId} is in two of the training sets; utterance ids must be unique across them`);
      seen.add(uttId);
      total += c.numFrames[i];
    }
  }
  const spilled = parts.some((p) => p.corpus.featsFile !== undefined);
  if (!spilled && !spills(storage, total)) {
    const items: GmmCorpusItem[] = parts.flatMap(({ corpus: c, rows }) => rows.map((i) => ({ uttId: c.uttIds[i], numFrames: c.numFrames[i], slots: c.slots[i], feats: uttGmmFeats(c, i) })));
    return makeGmmCorpus(items, dim, failed);
  }
  if (storage?.scratchDir === undefined) throw new Error('gatherGmmCorpus: a spilled corpus needs storage.scratchDir');
  const meta = parts.flatMap(({ corpus: c, rows }) => rows.map((i) => ({ uttId: c.uttIds[i], numFrames: c.numFrames[i], slots: c.slots[i] })));
  return spillGmmCorpus(meta, dim, failed, storage.scratchDir, (write) => {
    let k = 0;
    for (const { corpus: c, rows } of parts) {
      const src = c.featsFile ? openRows(c.featsFile) : undefined;
      try {
        for (const i of rows) write(k++, uttGmmFeats(c, i, src));
      } finally {
        if (src) closeRows(src);
      }
    }
    return Promise.resolve();
  });
}

/** gatherGmmCorpus of every utterance of every corpus. */
export function concatGmmCorpora(corpora: GmmCorpus[], storage?: GmmCorpusStorage): Promise<GmmCorpus> {
  return gatherGmmCorpus(
    corpora.map((corpus) => ({ corpus, rows: corpus.uttIds.map((_, i) => i) })),
    corpora.flatMap((c) => c.failed),
    storage,
  );
}

/**
 * A spilled corpus: utterance metadata in memory, features written by `fill` (utterance index ->
 * its rows, in any order) into a scratch file in `scratchDir`.
 */
async function spillGmmCorpus(
  meta: { uttId: string; numFrames: number; slots: PhoneSlot[] }[],
  dim: number,
  failed: FailedUtt[],
  scratchDir: string,
  fill: (write: (i: number, feats: Float32Array) => void) => Promise<void>,
): Promise<GmmCorpus> {
  const offsets = new Int32Array(meta.length);
  const numFrames = new Int32Array(meta.length);
  let total = 0;
  meta.forEach((m, i) => {
    offsets[i] = total;
    numFrames[i] = m.numFrames;
    total += m.numFrames;
  });
  await makeDirs(scratchDir);
  const file = scratchFile(scratchDir, 'gmm-feats');
  const rows = openRows(file, 'w+');
  const digest = createHash('sha256');
  try {
    await fill((i, feats) => {
      if (feats.length !== numFrames[i] * dim) throw new Error(`utterance ${meta[i].uttId}: ${feats.length} values is not ${numFrames[i]} x ${dim}`);
      writeFloatRows(rows, offsets[i], feats, dim);
      digest.update(Float64Array.of(offsets[i], numFrames[i]));
      digest.update(new Uint8Array(feats.buffer, feats.byteOffset, feats.byteLength));
    });
  } finally {
    closeRows(rows);
  }
  return { uttIds: meta.map((m) => m.uttId), slots: meta.map((m) => m.slots), numFrames, offsets, feats: new Float32Array(0), featsFile: file, featsSha256: digest.digest('hex'), dim, totalFrames: total, failed };
}

/**
 * FEATS_DIR/cmvn.json, or statistics computed from the features when it is absent (with a note):
 * from `utts`, or streamed from FEATS_DIR when `utts` is null (computeCmvnStatsOfDir: the same numbers).
 */
export async function loadCmvn(featsDir: string, utts: Iterable<UttFeats> | null, per: 'speaker' | 'utterance', note?: (msg: string) => void): Promise<CmvnStats> {
  try {
    const c = await readCmvn(featsDir);
    if (c.per === per) return c;
    note?.(`${featsDir}/cmvn.json is per ${c.per}; computing per-${per} statistics from the features instead`);
  } catch (e) {
    if (!isInputError(e)) throw e;
    note?.(`${featsDir}/cmvn.json not found; computing per-${per} statistics from the features (run 'asr-distill compute-cmvn' to store them)`);
  }
  return utts ? computeCmvnStats(utts, per) : (await computeCmvnStatsOfDir(featsDir, per)).cmvn;
}

/**
 * Load DATA_DIR (transcripts), FEATS_DIR (features) and transform them for the GMM. Utterances
 * without a transcript, with an OOV word, or without features are listed in `failed`, not thrown.
 * A FEATS_DIR over the budget of `storage` is never in memory whole: a column-only pass finds the
 * utterances' sizes, then the shards are streamed batch by batch into the scratch file.
 */
export async function loadGmmCorpus(
  dataDir: string,
  featsDir: string,
  lang: LangDir,
  transform: GmmFeatureTransform,
  opts: { silProb?: number; note?: (msg: string) => void; expectInputDim?: number; storage?: GmmCorpusStorage } = {},
): Promise<{ corpus: GmmCorpus; featsInfo: FeatsDirInfo; cmvn: CmvnStats }> {
  const data = await readDataDir(dataDir, { checkFiles: false });
  const info = await readFeatsInfo(featsDir);
  if (opts.expectInputDim !== undefined && info.dim !== opts.expectInputDim) {
    throw new InputError(`${featsDir}: features have dim ${info.dim} but the model was trained on dim ${opts.expectInputDim}; extract them with the model's feature config`);
  }
  const spill = spills(opts.storage, info.numFrames);
  const frames = new Map<string, number>();
  let utts: Map<string, UttFeats> | undefined;
  if (spill) for await (const u of streamFeatsIndex(info, featsDir)) frames.set(u.uttId, u.numFrames);
  else {
    utts = (await readFeatsDir(featsDir)).utts;
    for (const [id, u] of utts) frames.set(id, u.numFrames);
  }
  const cmvn = await loadCmvn(featsDir, utts ? utts.values() : null, transform.cmvn.per, opts.note);
  const failed: FailedUtt[] = [];
  const meta: { uttId: string; numFrames: number; slots: PhoneSlot[] }[] = [];
  for (const u of data.utterances) {
    if (!u.words) {
      failed.push({ uttId: u.uttId, reason: `no transcript in ${dataDir}/text` });
      continue;
    }
    const n = frames.get(u.uttId);
    if (n === undefined) {
      failed.push({ uttId: u.uttId, reason: `no features in ${featsDir} (feature extraction failed or the data dir changed; see ${featsDir}/bad_utts)` });
      continue;
    }
    let slots: PhoneSlot[];
    try {
      slots = transcriptSlots(u.words, lang, `${dataDir}/text (utt ${u.uttId})`, opts.silProb);
    } catch (e) {
      if (!isInputError(e)) throw e;
      failed.push({ uttId: u.uttId, reason: e.message });
      continue;
    }
    meta.push({ uttId: u.uttId, numFrames: n, slots });
  }
  const dim = gmmFeatureDim(transform, info.dim);
  if (!spill) {
    const items = meta.map((m) => ({ ...m, feats: gmmFeatures(utts!.get(m.uttId)!, cmvn, transform) }));
    return { corpus: makeGmmCorpus(items, dim, failed), featsInfo: info, cmvn };
  }
  const row = new Map(meta.map((m, i) => [m.uttId, i]));
  opts.note?.(`${featsDir}: ${info.numFrames} frames, over the in-memory budget of ${opts.storage!.maxMemoryFrames ?? DEFAULT_GMM_MEMORY_FRAMES}; the GMM features go to a scratch file in ${opts.storage!.scratchDir} and are read utterance by utterance`);
  const corpus = await spillGmmCorpus(meta, dim, failed, opts.storage!.scratchDir!, async (write) => {
    for await (const { utt } of streamFeatsDir(info, featsDir)) {
      const i = row.get(utt.uttId);
      if (i !== undefined) write(i, gmmFeatures(utt, cmvn, transform));
    }
  });
  return { corpus, featsInfo: info, cmvn };
}

/** Split utterance indices into `n` contiguous shards of about equal frame counts. */
export function shardByFrames(numFrames: Int32Array, n: number): number[][] {
  const total = numFrames.reduce((a, b) => a + b, 0);
  const shards: number[][] = Array.from({ length: Math.max(1, Math.min(n, numFrames.length)) }, () => []);
  let acc = 0;
  for (let i = 0; i < numFrames.length; i++) {
    const k = Math.min(shards.length - 1, Math.floor((acc * shards.length) / Math.max(1, total)));
    shards[k].push(i);
    acc += numFrames[i];
  }
  return shards.filter((s) => s.length > 0);
}
