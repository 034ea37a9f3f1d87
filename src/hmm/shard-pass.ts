// One pass over the corpus through the job runner: shards of utterances aligned and/or
// accumulated in workers (hmm-worker.ts), statistics summed here (Kaldi's `run.pl JOB=1:nj ...`
// followed by gmm-sum-accs).
import type { FileRange, JobRunner, RunnerBackend } from '../jobs/runner.js';
import { siblingModuleUrl } from '../jobs/module-url.js';
import type { Progress } from '../jobs/progress.js';
import type { AlignGraphOptions } from './align-graph.js';
import { addGmmStats, newGmmStats, type GmmSet } from './gmm.js';
import type { CorpusTids, GmmCorpus } from './gmm-corpus.js';
import { fileSha256, shardByFrames } from './gmm-corpus.js';
import type { ShardInput, ShardResult } from './hmm-worker.js';
import type { TransitionModel } from './transition-model.js';

/** What a pass passes through to every job (hmm-worker's fields), plus how it is split and shown. */
export type PassOptions = Pick<ShardInput, 'mode' | 'accumulate' | 'stateAccuracy' | 'beam' | 'retryBeam' | 'acousticScale' | 'graph' | 'refine'> & {
  /** Shards per job (more = smoother load balance and progress). */
  shardsPerJob?: number;
  progress?: Progress;
};

/** Options of every command that runs Viterbi passes over the corpus (train-mono, align). */
export interface ViterbiPassOptions {
  jobs?: number;
  backend?: RunnerBackend;
  /** Kaldi align_si.sh: --beam 10 --retry-beam 40, acoustic scale 0.1. */
  beam?: number;
  retryBeam?: number;
  acousticScale?: number;
  graph?: AlignGraphOptions;
  /**
   * A corpus of more frames than this is kept in scratch files in the output directory and read
   * utterance by utterance by the jobs, not held in memory (gmm-corpus.ts; default
   * DEFAULT_GMM_MEMORY_FRAMES). The results are the same either way.
   */
  maxMemoryFrames?: number;
}

/** A pass's totals have the same shape as one shard's result (runPass sums the shards). */
export type PassResult = ShardResult;

/**
 * Run one pass over the utterances `which` (indices into `corpus`). `tids` is the corpus's
 * transition-id alignment ([totalFrames], on a SharedArrayBuffer or in a scratch file for a spilled
 * corpus): read in `fixed` mode, written for every utterance aligned in the other modes. The shards
 * and the order of summing do not depend on where the features are, so both give the same numbers.
 *
 * Spilled, the jobs' inputs name the scratch files and carry digests of what they read (the
 * features' sha256; in `fixed` mode the alignment's, on a runner that reuses jobs), and declare
 * the alignment rows they write (`writesInPlace`): a Slurm rerun then reuses exactly the jobs the
 * shared-memory path reuses (same spec hash) and writes their rows back from their results, as it
 * copies back shared-memory writes.
 */
export async function runPass(runner: JobRunner, corpus: GmmCorpus, which: number[], gmm: GmmSet, tm: TransitionModel, tids: CorpusTids, opts: PassOptions): Promise<PassResult> {
  const frames = Int32Array.from(which.map((i) => corpus.numFrames[i]));
  const shards = shardByFrames(frames, runner.jobs * (opts.shardsPerJob ?? 2)).map((s) => s.map((k) => which[k]));
  const module = siblingModuleUrl(import.meta.url, 'hmm-worker');
  const tidsFile = tids instanceof Int32Array ? undefined : tids.file;
  // A whole read of the alignment: only worth it where the digest can make a rerun reuse a job.
  const tidsSha256 = tidsFile && opts.mode === 'fixed' && runner.reusesJobs ? await fileSha256(tidsFile) : undefined;
  const specs = shards.map((s) => ({
    module,
    fn: 'processShard',
    ...(tidsFile && opts.mode !== 'fixed' ? { writesInPlace: tidsRanges(corpus, s, tidsFile) } : {}),
    input: {
      gmm,
      tm,
      feats: corpus.feats,
      dim: corpus.dim,
      tids: tids instanceof Int32Array ? tids : new Int32Array(0),
      ...(corpus.featsFile ? { featsFile: corpus.featsFile, featsSha256: corpus.featsSha256 } : {}),
      ...(tidsFile ? { tidsFile } : {}),
      ...(tidsSha256 ? { tidsSha256 } : {}),
      utts: s.map((i) => ({ uttId: corpus.uttIds[i], offset: corpus.offsets[i], numFrames: corpus.numFrames[i], slots: corpus.slots[i] })),
      mode: opts.mode,
      accumulate: opts.accumulate,
      stateAccuracy: opts.stateAccuracy,
      beam: opts.beam,
      retryBeam: opts.retryBeam,
      acousticScale: opts.acousticScale,
      graph: opts.graph,
      ...(opts.refine ? { refine: opts.refine } : {}),
    } satisfies ShardInput,
  }));
  const doneBy = new Array<number>(specs.length).fill(0);
  let done = 0;
  const results = await runner.run<ShardInput, ShardResult>(specs, {
    onMessage: (j, msg) => {
      const d = (msg as { done: number }).done;
      done += d - doneBy[j];
      doneBy[j] = d;
      opts.progress?.update(done);
    },
  });
  const out: PassResult = { failed: [], retried: [], numFrames: 0, totLogLike: 0, stateCorrect: 0 };
  if (opts.accumulate) out.stats = newGmmStats(gmm);
  for (const r of results) {
    if (out.stats && r.stats) addGmmStats(out.stats, r.stats);
    if (r.transCounts) {
      out.transCounts ??= new Float64Array(r.transCounts.length);
      for (let i = 0; i < r.transCounts.length; i++) out.transCounts[i] += r.transCounts[i];
    }
    out.failed.push(...r.failed);
    out.retried.push(...r.retried);
    out.numFrames += r.numFrames;
    out.totLogLike += r.totLogLike;
    out.stateCorrect += r.stateCorrect;
  }
  return out;
}

/** The int32 rows of `tidsFile` the utterances `rows` own, adjacent ones merged (a shard is a run of utterances). */
export function tidsRanges(corpus: GmmCorpus, rows: number[], tidsFile: string): FileRange[] {
  const out: FileRange[] = [];
  for (const i of rows) {
    const offset = corpus.offsets[i] * 4;
    const length = corpus.numFrames[i] * 4;
    const last = out[out.length - 1];
    if (last && last.offset + last.length === offset) last.length += length;
    else if (length > 0) out.push({ file: tidsFile, offset, length });
  }
  return out;
}
