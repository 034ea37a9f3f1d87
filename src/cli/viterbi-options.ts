// The options of every command that runs Viterbi passes over a corpus (train-mono, train-tri,
// align): parallel jobs and where they run, the beams and the scales of the alignment graph
// (Kaldi align_si.sh / train_*.sh: --beam 10 --retry-beam 40, --self-loop-scale 0.1, --acoustic-scale 0.1).
import type { Command } from 'commander';
import * as path from 'node:path';
import { finiteNumber, positiveInt, SIL_PROB_HELP } from './command.js';
import { jobBackend, jobCmdOptions, jobsOption, type JobCmdOptions } from './job-options.js';
import type { ViterbiPassOptions } from '../hmm/shard-pass.js';
import { DEFAULT_GMM_MEMORY_FRAMES } from '../hmm/gmm-corpus.js';

/** The parsed options (commander's camel case). */
export interface ViterbiCliOptions extends JobCmdOptions {
  jobs?: number;
  beam: number;
  retryBeam: number;
  silProb: number;
  selfLoopScale: number;
  acousticScale: number;
  maxMemoryFrames?: number;
}

/** Add --jobs, --cmd, --slurm-opts, --beam, --retry-beam, --sil-prob, --self-loop-scale, --acoustic-scale, --max-memory-frames. */
export function addViterbiOptions(cmd: Command): Command {
  return cmd
    .addOption(jobsOption())
    .addOption(jobCmdOptions()[0])
    .addOption(jobCmdOptions()[1])
    .option('--beam <b>', 'Viterbi beam (Kaldi --beam)', finiteNumber, 10)
    .option('--retry-beam <b>', 'beam of the second attempt for utterances that fail (Kaldi --retry-beam)', finiteNumber, 40)
    .option('--sil-prob <p>', SIL_PROB_HELP, finiteNumber, 0.5)
    .option('--self-loop-scale <s>', 'scale on HMM self-loop log-probabilities in the alignment graph (Kaldi --self-loop-scale)', finiteNumber, 0.1)
    .option('--acoustic-scale <s>', 'scale on GMM log-likelihoods in Viterbi (Kaldi --acoustic-scale)', finiteNumber, 0.1)
    .option('--max-memory-frames <n>', `a corpus of more frames is kept in scratch files in the output dir and read per utterance by the jobs, same results (default ${DEFAULT_GMM_MEMORY_FRAMES})`, positiveInt);
}

/** The library options for them; Slurm jobs are named `name` with their logs in `workDir/log`. */
export function viterbiOptions(o: ViterbiCliOptions, workDir: string, name: string): ViterbiPassOptions {
  return {
    jobs: o.jobs,
    backend: jobBackend(o, path.join(workDir, 'log'), name),
    beam: o.beam,
    retryBeam: o.retryBeam,
    acousticScale: o.acousticScale,
    graph: { silProb: o.silProb, selfLoopScale: o.selfLoopScale },
    ...(o.maxMemoryFrames !== undefined ? { maxMemoryFrames: o.maxMemoryFrames } : {}),
  };
}
