// The job run by each worker of `asr-distill features`: one or more shards of utterances, each to
// its own Arrow file (shards are bounded in size, so a job may write several: docs/features.md).
import { InputError, isInputError } from '../errors.js';
import { loadUtteranceAudio } from '../data/audio.js';
import type { Utterance } from '../data/data-dir.js';
import type { JobContext } from '../jobs/runner.js';
import { writeFeatsShard, type UttFeats } from '../store/feats-archive.js';
import type { FeatureConfig } from './config.js';
import { makeFeatureComputer } from './compute.js';

export interface ShardJobInput {
  utterances: Utterance[];
  config: FeatureConfig;
  /** Absolute path of the shard to write (atomically). */
  shardFile: string;
  channel?: number;
  allowResample?: boolean;
  /** Record bad utterances and carry on instead of failing the job. */
  skipBad?: boolean;
}

/** A job of several shards (extractShards): each written in turn, results in the same order. */
export interface ShardsJobInput extends Omit<ShardJobInput, 'utterances' | 'shardFile'> {
  shards: { utterances: Utterance[]; shardFile: string }[];
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
 * Extract the features of every utterance of the shard, then write the shard atomically. A bad
 * utterance (unreadable audio, wrong rate, too short for one frame) throws an InputError naming it,
 * or with `skipBad` is returned in `bad` and left out of the shard.
 */
export async function extractShard(input: ShardJobInput, ctx: JobContext): Promise<ShardJobResult> {
  const t0 = performance.now();
  const computer = makeFeatureComputer(input.config);
  const records: UttFeats[] = [];
  const bad: BadUtterance[] = [];
  let numFrames = 0;
  let audioSec = 0;
  for (const utt of input.utterances) {
    let sec = 0;
    let frames = 0;
    try {
      const samples = await loadUtteranceAudio(utt, { sampleRate: input.config.sampleRate, channel: input.channel, allowResample: input.allowResample });
      sec = samples.length / input.config.sampleRate;
      const f = computer.compute(samples, utt.uttId);
      if (f.numFrames === 0) {
        const where = utt.source.kind === 'file' ? utt.source.path : `'${utt.source.command} |'`;
        throw new InputError(
          `utt ${utt.uttId} (${where}): ${samples.length} samples (${sec.toFixed(3)} s) is shorter than one frame; no features (remove it or pass --skip-bad)`,
        );
      }
      records.push({ uttId: utt.uttId, speakerId: utt.speakerId, numFrames: f.numFrames, dim: f.dim, data: f.data });
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
  return { shardFile: input.shardFile, numUtts: records.length, numFrames, audioSec, bad, busySec: (performance.now() - t0) / 1000 };
}

/** Extract the shards of one job one after another (one shard's features in memory at a time). */
export async function extractShards(input: ShardsJobInput, ctx: JobContext): Promise<ShardJobResult[]> {
  const { shards, ...common } = input;
  const out: ShardJobResult[] = [];
  for (const s of shards) out.push(await extractShard({ ...common, ...s }, ctx));
  return out;
}
