// Batch feature extraction (asr-distill features): a data directory -> FEATS_DIR with one Arrow
// shard per job (like Kaldi's make_fbank.sh writing raw_fbank_feats.JOB.ark with run.pl), then
// feats.json. Shards are written atomically and feats.json last, so a killed run never leaves a
// directory that later stages would take for finished.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readDataDir, type DataDir, type Utterance } from '../data/data-dir.js';
import { createJobRunner, defaultJobs, type JobSpec, type RunnerBackend } from '../jobs/runner.js';
import { siblingModuleUrl } from '../jobs/module-url.js';
import { createProgress } from '../jobs/progress.js';
import { writeFileAtomic } from '../store/atomic.js';
import { FEATS_INFO_FILE, shardFileName, writeFeatsInfo, type FeatsDirInfo } from '../store/feats-archive.js';
import { featureDim, frameShiftMsOf, type FeatureConfig } from './config.js';
import { CMVN_FILE } from './cmvn.js';
import type { BadUtterance, ShardJobInput, ShardJobResult, ShardProgress } from './extract-worker.js';

export const BAD_UTTS_FILE = 'bad_utts';

export interface ExtractOptions {
  config: FeatureConfig;
  /** Parallel jobs (and shards); default every core. */
  jobs?: number;
  /** Job runner backend (default `local`: worker threads). */
  backend?: RunnerBackend;
  channel?: number;
  allowResample?: boolean;
  skipBad?: boolean;
  /** No progress display. */
  quiet?: boolean;
}

export interface ExtractSummary {
  featsDir: string;
  info: FeatsDirInfo;
  audioSec: number;
  wallSec: number;
  /** Audio seconds per wall-clock second. */
  realTimeFactor: number;
  jobs: number;
  bad: BadUtterance[];
}

/**
 * Split `items` into at most `n` contiguous, non-empty runs of nearly equal total `weight` (by
 * default equal counts), keeping order: shards of a sorted utterance list stay sorted, so reading
 * them back in order is sorted too.
 */
export function splitIntoShards<T>(items: T[], n: number, weight: (item: T, index: number) => number = () => 1): T[][] {
  const count = Math.max(1, Math.min(n, items.length));
  if (items.length === 0) return [[]];
  const weights = items.map(weight);
  const total = weights.reduce((s, w) => s + w, 0);
  const out: T[][] = [];
  let start = 0;
  let acc = 0;
  for (let j = 1; j < count; j++) {
    const target = (total * j) / count;
    let end = start + 1; // every shard gets at least one item
    acc += weights[start];
    // Leave at least one item for each remaining shard; stop at the item closest to the target.
    while (end < items.length - (count - j) && acc + weights[end] / 2 < target) {
      acc += weights[end];
      end++;
    }
    out.push(items.slice(start, end));
    start = end;
  }
  out.push(items.slice(start));
  return out;
}

/**
 * How much work each utterance is, for balancing shards: the segment length, else the WAV file's
 * size in bytes converted to seconds at 16-bit mono 16 kHz, else (piped commands) the average.
 */
async function utteranceWorkSec(utts: Utterance[]): Promise<number[]> {
  const sec = await Promise.all(
    utts.map(async (u) => {
      if (u.segment && u.segment.endSec > 0) return u.segment.endSec - u.segment.startSec;
      if (u.source.kind === 'file') {
        const st = await fs.stat(u.source.path).catch(() => undefined);
        if (st) return st.size / 32000;
      }
      return NaN;
    }),
  );
  const known = sec.filter((x) => Number.isFinite(x) && x > 0);
  const fallback = known.length > 0 ? known.reduce((s, x) => s + x, 0) / known.length : 1;
  return sec.map((x) => (Number.isFinite(x) && x > 0 ? x : fallback));
}

/** Remove what a previous run left that the new one would contradict (feats.json first). */
async function clearPreviousRun(featsDir: string): Promise<void> {
  await fs.mkdir(featsDir, { recursive: true });
  await fs.rm(path.join(featsDir, FEATS_INFO_FILE), { force: true });
  for (const f of await fs.readdir(featsDir)) {
    if (/^feats\.\d+\.arrow$/.test(f) || f.startsWith('.tmp-') || f === CMVN_FILE || f === BAD_UTTS_FILE) {
      await fs.rm(path.join(featsDir, f), { force: true });
    }
  }
}

/**
 * Extract features for every utterance of `data` (a directory or an already read DataDir) into
 * `featsDir`, `jobs` shards (contiguous runs balanced by audio length) in parallel through the job runner, with a progress display
 * (utterances, audio hours, x real time). Throws the first bad utterance's InputError unless
 * `skipBad`, which lists them in FEATS_DIR/bad_utts (`uttid message` per line) instead.
 */
export async function extractFeatures(data: string | DataDir, featsDir: string, opts: ExtractOptions): Promise<ExtractSummary> {
  const t0 = performance.now();
  const dataDir = typeof data === 'string' ? await readDataDir(data) : data;
  if (dataDir.utterances.length === 0) throw new InputError(`data dir ${dataDir.dir}: no utterances`);
  const jobs = Math.max(1, opts.jobs ?? defaultJobs());
  const work = await utteranceWorkSec(dataDir.utterances);
  const shards = splitIntoShards<Utterance>(dataDir.utterances, jobs, (_u, i) => work[i]);
  await clearPreviousRun(featsDir);
  const absDir = path.resolve(featsDir);
  const specs: JobSpec<ShardJobInput>[] = shards.map((utterances, i) => ({
    module: siblingModuleUrl(import.meta.url, 'extract-worker'),
    fn: 'extractShard',
    input: {
      utterances,
      config: opts.config,
      shardFile: path.join(absDir, shardFileName(i + 1)),
      channel: opts.channel,
      allowResample: opts.allowResample,
      skipBad: opts.skipBad,
    },
  }));

  const total = dataDir.utterances.length;
  const progress = createProgress({ label: 'features', total, unit: 'utts', quiet: opts.quiet });
  let done = 0;
  let audioSec = 0;
  const runner = createJobRunner({ jobs: shards.length, backend: opts.backend });
  let results: ShardJobResult[];
  try {
    results = await runner.run<ShardJobInput, ShardJobResult>(specs, {
      onMessage: (_job, msg) => {
        const m = msg as ShardProgress;
        done += m.utts;
        audioSec += m.audioSec;
        const wall = (performance.now() - t0) / 1000;
        progress.update(done, { hours: (audioSec / 3600).toFixed(3), 'x RT': (audioSec / Math.max(wall, 1e-9)).toFixed(1) });
      },
    });
  } catch (e) {
    progress.stop();
    throw e;
  } finally {
    await runner.close();
  }
  const bad = results.flatMap((r) => r.bad);
  if (bad.length > 0) {
    await writeFileAtomic(path.join(featsDir, BAD_UTTS_FILE), bad.map((b) => `${b.uttId} ${b.message.replace(/\s*\n\s*/g, ' ')}\n`).join(''));
  }
  const info: FeatsDirInfo = {
    config: opts.config,
    dim: featureDim(opts.config),
    numUtts: results.reduce((s, r) => s + r.numUtts, 0),
    numFrames: results.reduce((s, r) => s + r.numFrames, 0),
    frameShiftMs: frameShiftMsOf(opts.config),
    shards: results.map((r) => path.basename(r.shardFile)),
  };
  if (info.numUtts === 0) {
    throw new InputError(`features: every utterance of ${dataDir.dir} was bad (see ${path.join(featsDir, BAD_UTTS_FILE)}); nothing to write`);
  }
  await writeFeatsInfo(featsDir, info);
  const wallSec = (performance.now() - t0) / 1000;
  const totalAudio = results.reduce((s, r) => s + r.audioSec, 0);
  const summary: ExtractSummary = { featsDir, info, audioSec: totalAudio, wallSec, realTimeFactor: totalAudio / wallSec, jobs: shards.length, bad };
  progress.stop();
  return summary;
}

/**
 * The final line: `features: 300 utts, 0.834 h audio, 300123 frames x 40 -> FEATS_DIR (3 shards) in 12.3 s, 244.1x real time, 2 jobs`
 * plus the bad-utterance count when there were any.
 */
export function formatExtractSummary(s: ExtractSummary): string {
  const bad = s.bad.length > 0 ? `; ${s.bad.length} bad utterance${s.bad.length === 1 ? '' : 's'} skipped (see ${path.join(s.featsDir, BAD_UTTS_FILE)})` : '';
  return (
    `features: ${s.info.numUtts} utts, ${(s.audioSec / 3600).toFixed(3)} h audio, ${s.info.numFrames} frames x ${s.info.dim} -> ${s.featsDir} ` +
    `(${s.info.shards.length} shard${s.info.shards.length === 1 ? '' : 's'}) in ${s.wallSec.toFixed(1)} s, ${s.realTimeFactor.toFixed(1)}x real time, ${s.jobs} job${s.jobs === 1 ? '' : 's'}${bad}`
  );
}
