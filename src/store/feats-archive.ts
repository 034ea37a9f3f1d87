// Feature archives (FEATS_DIR): Arrow IPC *file* shards, one row per utterance, plus feats.json.
// The schema is deliberately plain (utf8, int32, list<float32>) so pyarrow/polars read it as is
// (docs/features.md). Shards are written atomically; feats.json is written last by the extractor,
// so a directory without it is an unfinished run.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';
import { InputError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { readJsonFile } from './json-file.js';
import { configHash } from './checksum.js';
import { readArrowBatches, readArrowColumns, type ArrowColumnValues } from './arrow-batches.js';
// Type-only (erased at run time): the archive stores the feature config it was made with.
import type { FeatureConfig } from '../features/config.js';

// apache-arrow's single-file bundle (the same library and format, one minified file): it loads in
// ~40 ms instead of ~170 ms for the package's ~150 ESM modules (~650 ms under tsx), which every
// `asr-distill features` worker pays at start-up. Only bytes and plain records cross this module's
// boundary, so no Arrow object is mixed with another copy of the library.
const arrow = createRequire(import.meta.url)('apache-arrow/Arrow.esnext.min') as typeof ArrowModule;
const { Field, Float32, Int32, List, RecordBatchFileWriter, Table, Utf8, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray } = arrow;
type Table = ArrowModule.Table;

/** One utterance's features: `numFrames` rows of `dim` values, row-major. */
export interface UttFeats {
  uttId: string;
  speakerId: string;
  numFrames: number;
  dim: number;
  data: Float32Array;
}

/** FEATS_DIR/feats.json. */
export interface FeatsDirInfo {
  /** The full extraction configuration (features/*.json, every key). */
  config: FeatureConfig;
  /**
   * `sha256:<hex>` of the canonical JSON of `config` (store/checksum.ts configHash): what models
   * record as the features they were trained on. Written by writeFeatsInfo; archives written
   * before it existed get it computed from `config` when read.
   */
  configHash: string;
  dim: number;
  numUtts: number;
  numFrames: number;
  frameShiftMs: number;
  /** Shard file names relative to FEATS_DIR, e.g. `feats.1.arrow`. */
  shards: string[];
  /** Where features made elsewhere came from, e.g. `import-feats /abs/data/train/feats.scp` (informational). */
  source?: string;
}

export const FEATS_INFO_FILE = 'feats.json';

/** The file name of shard `jobIndex` (1-based, like Kaldi's raw_fbank_feats.JOB.ark): `feats.3.arrow`. */
export function shardFileName(jobIndex: number): string {
  return `feats.${jobIndex}.arrow`;
}

/** The Arrow IPC file bytes of `records` (columns utt_id, speaker_id, num_frames, dim, feats). */
export function encodeFeatsShard(records: UttFeats[]): Uint8Array {
  return tableToIPC(featsTable(records), 'file');
}

/** The shard's table (columns utt_id, speaker_id, num_frames, dim, feats). */
function featsTable(records: UttFeats[]): Table {
  let total = 0;
  for (const r of records) {
    if (r.data.length !== r.numFrames * r.dim) {
      throw new Error(`encodeFeatsShard: utterance ${r.uttId} has ${r.data.length} values, expected ${r.numFrames} x ${r.dim}`);
    }
    total += r.data.length;
  }
  if (total > 0x7fffffff) throw new Error(`encodeFeatsShard: ${total} values exceed one shard's int32 offsets; use more jobs`);
  const offsets = new Int32Array(records.length + 1);
  let o = 0;
  records.forEach((r, i) => {
    o += r.data.length;
    offsets[i + 1] = o;
  });
  // Records that lie back to back in one buffer (extract-worker computes a shard into one) are
  // used in place; others are copied into one values array.
  const first = records[0]?.data;
  let inPlace = first !== undefined;
  for (let i = 1; inPlace && i < records.length; i++) {
    const p = records[i - 1].data;
    const q = records[i].data;
    inPlace = q.buffer === first!.buffer && q.byteOffset === p.byteOffset + p.byteLength;
  }
  const values = inPlace ? new Float32Array(first!.buffer, first!.byteOffset, total) : new Float32Array(total);
  if (!inPlace) records.forEach((r, i) => values.set(r.data, offsets[i]));
  const feats = makeData({
    type: new List(new Field('item', new Float32(), false)),
    length: records.length,
    nullCount: 0,
    valueOffsets: offsets,
    child: makeData({ type: new Float32(), length: total, data: values }),
  });
  return new Table({
    utt_id: vectorFromArray(records.map((r) => r.uttId), new Utf8()),
    speaker_id: vectorFromArray(records.map((r) => r.speakerId), new Utf8()),
    num_frames: makeVector(Int32Array.from(records, (r) => r.numFrames)),
    dim: makeVector(Int32Array.from(records, (r) => r.dim)),
    feats: makeVector(feats),
  });
}

/** The columns of a table or record batch, by name. */
type Columns = { getChild(name: string): ArrowModule.Vector | null };

/** The utterances of one table or record batch of a feature shard; `what` names it in errors. */
function decodeFeatsColumns(table: Columns, what: string): UttFeats[] {
  const cols = ['utt_id', 'speaker_id', 'num_frames', 'dim', 'feats'];
  const missing = cols.filter((c) => !table.getChild(c));
  if (missing.length > 0) throw new InputError(`${what}: missing column(s) ${missing.join(', ')}; not an asr-distill feature archive`);
  const uttIds = table.getChild('utt_id')!.toArray() as string[];
  const spkIds = table.getChild('speaker_id')!.toArray() as string[];
  const frames = table.getChild('num_frames')!.toArray() as Int32Array;
  const dims = table.getChild('dim')!.toArray() as Int32Array;
  const out: UttFeats[] = [];
  let row = 0;
  for (const chunk of table.getChild('feats')!.data) {
    const offsets = chunk.valueOffsets as Int32Array;
    const values = chunk.children[0].values as Float32Array;
    const base = chunk.children[0].offset;
    for (let i = 0; i < chunk.length; i++, row++) {
      const start = offsets[chunk.offset + i];
      const end = offsets[chunk.offset + i + 1];
      const numFrames = frames[row];
      const dim = dims[row];
      if (end - start !== numFrames * dim) {
        throw new InputError(`${what}: utterance ${uttIds[row]} has ${end - start} values but num_frames ${numFrames} x dim ${dim}; the archive is corrupt, re-run asr-distill features`);
      }
      out.push({ uttId: uttIds[row], speakerId: spkIds[row], numFrames, dim, data: values.slice(base + start, base + end) });
    }
  }
  return out;
}

/** Decode an Arrow shard held in memory; `what` names it in errors. */
export function decodeFeatsShard(bytes: Uint8Array, what: string): UttFeats[] {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new InputError(`${what}: not a readable Arrow feature archive (${(e as Error).message}); re-run asr-distill features`);
  }
  return decodeFeatsColumns(table, what);
}

/** The utterances of one shard, record batch by record batch (at most one batch's features read at a time). */
export async function* streamFeatsShard(file: string): AsyncGenerator<UttFeats> {
  for await (const batch of readArrowBatches(file, 'feature shard', 're-run asr-distill features')) yield* decodeFeatsColumns(batch, file);
}

/** Write one shard atomically (temp file, fsync, rename): a killed run never leaves a truncated archive. */
export async function writeFeatsShard(file: string, records: UttFeats[]): Promise<void> {
  // The same bytes as encodeFeatsShard, written as the writer's chunks (views of the column
  // buffers): no second copy of the whole shard (80 MB at 500k frames x 40), whose fresh pages
  // cost ~0.3 CPU-s per shard in `asr-distill features` (bench/fbank.bench.ts).
  await writeFileAtomic(file, RecordBatchFileWriter.writeAll(featsTable(records)));
}

/** Read one shard (streamed from disk batch by batch, so its size has no ceiling). */
export async function readFeatsShard(file: string): Promise<UttFeats[]> {
  const out: UttFeats[] = [];
  for await (const u of streamFeatsShard(file)) out.push(u);
  return out;
}

/** Write FEATS_DIR/feats.json atomically; `configHash` is (re)computed from `config`. */
export async function writeFeatsInfo(dir: string, info: Omit<FeatsDirInfo, 'configHash'> & { configHash?: string }): Promise<void> {
  const { config, ...rest } = info;
  const out: FeatsDirInfo = { config, ...rest, configHash: configHash(config) };
  await writeFileAtomic(path.join(dir, FEATS_INFO_FILE), JSON.stringify(out, null, 2) + '\n');
}

/** Read and check FEATS_DIR/feats.json. */
export async function readFeatsInfo(dir: string): Promise<FeatsDirInfo> {
  const file = path.join(dir, FEATS_INFO_FILE);
  const info = await readJsonFile<FeatsDirInfo>(file, {
    missing: `${file} not found: ${dir} is not a finished feature directory; run \`asr-distill features DATA_DIR ${dir}\` first`,
    invalidHint: 're-run asr-distill features',
  });
  const bad = (['dim', 'numUtts', 'numFrames', 'frameShiftMs'] as const).filter((k) => typeof info[k] !== 'number');
  if (typeof info.config !== 'object' || info.config === null) bad.push('config' as never);
  if (!Array.isArray(info.shards)) bad.push('shards' as never);
  if (bad.length > 0) throw new InputError(`${file}: missing or bad field(s) ${bad.join(', ')}; re-run asr-distill features`);
  const hash = configHash(info.config);
  if (info.configHash === undefined) info.configHash = hash;
  else if (info.configHash !== hash) {
    throw new InputError(`${file}: "configHash" ${info.configHash} is not the hash of its "config" (${hash}); the file was edited or damaged, re-run asr-distill features`);
  }
  return info;
}

/**
 * The utterances of a feature directory shard by shard, record batch by record batch (one batch
 * in memory), each with the shard file it is in, checked against feats.json as they come
 * (dimension, no utterance twice) and, after the last, the totals. `info` is read first.
 *
 * @example for await (const { utt } of streamFeatsDir(await readFeatsInfo(dir), dir)) stats.add(utt)
 */
export async function* streamFeatsDir(info: FeatsDirInfo, dir: string): AsyncGenerator<{ file: string; utt: UttFeats }> {
  const check = featsDirChecker(info, dir);
  for (const shard of info.shards) {
    const file = path.join(dir, shard);
    for await (const u of streamFeatsShard(file)) {
      check.add(file, u.uttId, u.dim, u.numFrames);
      yield { file, utt: u };
    }
  }
  check.finish();
}

/** The checks of a pass over a feature directory's utterances against feats.json: dims, no utterance twice, then the totals. */
function featsDirChecker(info: FeatsDirInfo, dir: string): { add(file: string, uttId: string, dim: number, numFrames: number): void; finish(): void } {
  const seen = new Set<string>();
  let numFrames = 0;
  return {
    add(file, uttId, dim, n) {
      if (dim !== info.dim) throw new InputError(`${file}: utterance ${uttId} has dim ${dim} but feats.json says ${info.dim}; re-run asr-distill features`);
      if (seen.has(uttId)) throw new InputError(`${file}: utterance ${uttId} appears in more than one shard; re-run asr-distill features`);
      seen.add(uttId);
      numFrames += n;
    },
    finish() {
      if (seen.size !== info.numUtts || numFrames !== info.numFrames) {
        throw new InputError(
          `${path.join(dir, FEATS_INFO_FILE)}: says ${info.numUtts} utterances / ${info.numFrames} frames but the shards hold ${seen.size} / ${numFrames}; re-run asr-distill features`,
        );
      }
    },
  };
}

/** Where an utterance of a feature directory is, and its size (streamFeatsIndex). */
export interface UttFeatsIndex {
  uttId: string;
  speakerId: string;
  numFrames: number;
  /** The shard file holding its features. */
  file: string;
}

/**
 * Every utterance of a feature directory without its features: a column-only pass over the shards
 * (store/arrow-batches.ts readArrowColumns reads the utt_id, speaker_id, num_frames and dim columns
 * and the feats offsets, never the feature values), with streamFeatsDir's checks (dimension, each
 * row's value count, no utterance twice, the totals of feats.json). For callers that only need to
 * know where each utterance is (decode's main process hands the jobs their shard files).
 *
 * @example for await (const u of streamFeatsIndex(await readFeatsInfo(dir), dir)) where.set(u.uttId, u.file)
 */
export async function* streamFeatsIndex(info: FeatsDirInfo, dir: string): AsyncGenerator<UttFeatsIndex> {
  const check = featsDirChecker(info, dir);
  for (const shard of info.shards) {
    const file = path.join(dir, shard);
    for await (const b of readArrowColumns(file, ['utt_id', 'speaker_id', 'num_frames', 'dim', 'feats'], 'feature shard', 're-run asr-distill features')) {
      const col = <K extends ArrowColumnValues['kind']>(name: string, kind: K): Extract<ArrowColumnValues, { kind: K }> => {
        const c = b.columns.get(name)!;
        if (c.kind !== kind) throw new InputError(`${file}: column ${name} is not ${kind}; not an asr-distill feature archive`);
        return c as Extract<ArrowColumnValues, { kind: K }>;
      };
      const ids = col('utt_id', 'utf8').values;
      const spks = col('speaker_id', 'utf8').values;
      const frames = col('num_frames', 'int32').values;
      const dims = col('dim', 'int32').values;
      const offsets = col('feats', 'list-offsets').offsets;
      for (let i = 0; i < b.numRows; i++) {
        const uttId = ids[i];
        if (offsets[i + 1] - offsets[i] !== frames[i] * dims[i]) {
          throw new InputError(`${file}: utterance ${uttId} has ${offsets[i + 1] - offsets[i]} values but num_frames ${frames[i]} x dim ${dims[i]}; the archive is corrupt, re-run asr-distill features`);
        }
        check.add(file, uttId, dims[i], frames[i]);
        yield { uttId, speakerId: spks[i], numFrames: frames[i], file };
      }
    }
  }
  check.finish();
}

/**
 * The features of some utterances, read from the shards they are in (`wanted`: utterance id ->
 * shard file, as streamFeatsDir yields them), record batch by record batch, keeping only those:
 * a job of `decode` reads its own utterances without the corpus passing through its caller.
 * Yields in shard order; an utterance missing from its shard is an error.
 *
 * @example for await (const f of streamFeatsOf(new Map([['utt1', 'exp/feats/test/feats.1.arrow']]))) decode(f)
 */
export async function* streamFeatsOf(wanted: Map<string, string>): AsyncGenerator<UttFeats> {
  const byFile = new Map<string, Set<string>>();
  for (const [uttId, file] of wanted) {
    const ids = byFile.get(file);
    if (ids) ids.add(uttId);
    else byFile.set(file, new Set([uttId]));
  }
  for (const [file, ids] of byFile) {
    for await (const u of streamFeatsShard(file)) {
      if (!ids.delete(u.uttId)) continue;
      yield u;
      if (ids.size === 0) break;
    }
    if (ids.size > 0) {
      throw new InputError(`${file}: utterance ${[...ids][0]} is not in this shard any more; the feature directory changed while it was read, run the command again`);
    }
  }
}

/**
 * Read a whole feature directory into memory: feats.json plus every shard, checked against it
 * (streamFeatsDir). Stages that may meet a large corpus stream instead (streamFeatsDir,
 * nnet/frame-stream.ts).
 */
export async function readFeatsDir(dir: string): Promise<{ info: FeatsDirInfo; utts: Map<string, UttFeats> }> {
  const info = await readFeatsInfo(dir);
  const utts = new Map<string, UttFeats>();
  for await (const { utt } of streamFeatsDir(info, dir)) utts.set(utt.uttId, utt);
  return { info, utts };
}

/**
 * Write a complete feature directory from records in memory: one shard per group (default: one
 * shard), then feats.json last. Handy for tests and for stages that transform features.
 */
export async function writeFeatsDir(
  dir: string,
  config: FeatureConfig,
  frameShiftMs: number,
  shards: UttFeats[][],
): Promise<FeatsDirInfo> {
  const all = shards.flat();
  const dim = all.length > 0 ? all[0].dim : 0;
  const names: string[] = [];
  for (let j = 0; j < shards.length; j++) {
    const name = shardFileName(j + 1);
    await writeFeatsShard(path.join(dir, name), shards[j]);
    names.push(name);
  }
  const info: FeatsDirInfo = {
    config,
    configHash: configHash(config),
    dim,
    numUtts: all.length,
    numFrames: all.reduce((s, u) => s + u.numFrames, 0),
    frameShiftMs,
    shards: names,
  };
  await writeFeatsInfo(dir, info);
  return info;
}
