// The job run by each worker of `asr-distill features`: one or more shards of utterances, each to
// its own Arrow file (shards are bounded in size, so a job may write several: docs/features.md).
import { InputError, isInputError } from '../errors.js';
import { loadUtteranceAudio } from '../data/audio.js';
import type { Utterance } from '../data/data-dir.js';
import type { JobContext } from '../jobs/runner.js';
import { writeFeatsShard, type UttFeats } from '../store/feats-archive.js';
import { featureDim, type FeatureConfig } from './config.js';
import { makeFeatureComputer } from './compute.js';

export interface ShardJobInput {
  utterances: Utterance[];
  config: FeatureConfig;
  /** Absolute path of the shard to write (atomically). */
  shardFile: string;
  /** The plan's estimate of the shard's frames (from file sizes), to size its buffer. */
  plannedFrames?: number;
  channel?: number;
  allowResample?: boolean;
  /** Record bad utterances and carry on instead of failing the job. */
  skipBad?: boolean;
}

/** A job of several shards (extractShards): each written in turn, results in the same order. */
export interface ShardsJobInput extends Omit<ShardJobInput, 'utterances' | 'shardFile' | 'plannedFrames'> {
  shards: { utterances: Utterance[]; shardFile: string; plannedFrames?: number }[];
}

/** One progress message per utterance (successful or skipped). */
export interface ShardProgress {
  utts: number;
  audioSec: number;
  frames: number;
}

export interface BadUtterance {
  uttId: string;
  message: string;
}

export interface ShardJobResult {
  shardFile: string;
  numUtts: number;
  numFrames: number;
  audioSec: number;
  bad: BadUtterance[];
  /** Seconds this job spent (wall clock inside the worker). */
  busySec: number;
}

/**
 * A shard's features back to back in one buffer (writeFeatsShard then uses it in place instead of
 * copying every utterance into one values array). Sized from the plan's estimate (file sizes)
 * plus 10%, else from the first utterance times the shard's count (at most 64 MB then), doubled
 * when short; untouched capacity costs no memory (pages never written).
 */
class FeatureArena {
  private used = 0;
  /** `buffer`: a previous shard's, reused (its pages are already mapped: no page faults again). */
  constructor(
    private readonly records: UttFeats[],
    private readonly numUtts: number,
    private readonly planned?: number,
    private buffer: Float32Array = new Float32Array(0),
  ) {}

  /** The buffer, for the job's next shard once this one is written. */
  get storage(): Float32Array {
    return this.buffer;
  }

  /** A view of the next `n` values; growing moves the records' views into the new buffer. */
  next(n: number): Float32Array {
    if (this.used + n > this.buffer.length) {
      const first = this.planned !== undefined ? Math.ceil(1.1 * this.planned) : Math.min(Math.ceil(1.25 * n * this.numUtts), 1 << 24);
      const grown = new Float32Array(Math.max(2 * this.buffer.length, this.used + n, first));
      grown.set(this.buffer.subarray(0, this.used));
      let o = 0;
      for (const r of this.records) {
        r.data = grown.subarray(o, o + r.data.length);
        o += r.data.length;
      }
      this.buffer = grown;
    }
    return this.buffer.subarray(this.used, this.used + n);
  }

  /** The view from `next` now belongs to the last record. */
  commit(n: number): void {
    this.used += n;
  }
}

/**
 * Extract the features of every utterance of the shard, then write the shard atomically. A bad
 * utterance (unreadable audio, wrong rate, too short for one frame) throws an InputError naming it,
 * or with `skipBad` is returned in `bad` and left out of the shard.
 */
export async function extractShard(input: ShardJobInput, ctx: JobContext): Promise<ShardJobResult> {
  return extractShardReusing(input, ctx, {});
}

/** extractShard, taking the feature buffer from `reuse` and leaving it there for the next shard. */
async function extractShardReusing(input: ShardJobInput, ctx: JobContext, reuse: { buffer?: Float32Array }): Promise<ShardJobResult> {
  const t0 = performance.now();
  const computer = makeFeatureComputer(input.config);
  const records: UttFeats[] = [];
  const dim = featureDim(input.config);
  const arena =
    computer.computeInto && computer.numFrames
      ? new FeatureArena(records, input.utterances.length, input.plannedFrames && input.plannedFrames * dim, reuse.buffer)
      : undefined;
  const bad: BadUtterance[] = [];
  let numFrames = 0;
  let audioSec = 0;
  for (const utt of input.utterances) {
    let sec = 0;
    let frames = 0;
    try {
      const samples = await loadUtteranceAudio(utt, { sampleRate: input.config.sampleRate, channel: input.channel, allowResample: input.allowResample });
      sec = samples.length / input.config.sampleRate;
      const n = arena ? computer.numFrames!(samples.length) : 0;
      const f = arena && n > 0 ? computer.computeInto!(samples, arena.next(n * dim), utt.uttId) : computer.compute(samples, utt.uttId);
      if (f.numFrames === 0) {
        const where = utt.source.kind === 'file' ? utt.source.path : `'${utt.source.command} |'`;
        throw new InputError(
          `utt ${utt.uttId} (${where}): ${samples.length} samples (${sec.toFixed(3)} s) is shorter than one frame; no features (remove it or pass --skip-bad)`,
        );
      }
      records.push({ uttId: utt.uttId, speakerId: utt.speakerId, numFrames: f.numFrames, dim: f.dim, data: f.data });
      if (arena) arena.commit(f.data.length);
      frames = f.numFrames;
      numFrames += frames;
      audioSec += sec;
    } catch (e) {
      if (!isInputError(e) || !input.skipBad) throw e;
      bad.push({ uttId: utt.uttId, message: (e as Error).message });
    }
    ctx.report({ utts: 1, audioSec: sec, frames } satisfies ShardProgress);
  }
  await writeFeatsShard(input.shardFile, records);
  if (arena) reuse.buffer = arena.storage; // written: the next shard may overwrite it
  return { shardFile: input.shardFile, numUtts: records.length, numFrames, audioSec, bad, busySec: (performance.now() - t0) / 1000 };
}

/**
 * Extract the shards of one job one after another (one shard's features in memory at a time, in
 * one buffer reused from shard to shard).
 */
export async function extractShards(input: ShardsJobInput, ctx: JobContext): Promise<ShardJobResult[]> {
  const { shards, ...common } = input;
  const out: ShardJobResult[] = [];
  const reuse: { buffer?: Float32Array } = {};
  for (const s of shards) out.push(await extractShardReusing({ ...common, ...s }, ctx, reuse));
  return out;
}
