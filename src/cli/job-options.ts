// `--cmd local|slurm` and `--slurm-opts` for every command that runs parallel jobs (`--jobs`):
// where the jobs run, as Kaldi's `--cmd run.pl|slurm.pl` (docs/cluster.md). The environment
// variables ASR_DISTILL_CMD and ASR_DISTILL_SLURM_OPTS give the defaults, so a recipe's cmd.sh can
// send every stage to the cluster.
import * as path from 'node:path';
import { Option } from 'commander';
import type { RunnerBackend } from '../jobs/runner.js';
import { positiveInt } from './command.js';

/** The parsed options (commander's camel case). */
export interface JobCmdOptions {
  cmd: 'local' | 'slurm';
  slurmOpts?: string;
}

/**
 * `--jobs <n>`, described the same way by every command: parallel jobs, what one job is here
 * (`detail`), and the default, every core (jobs/runner.ts defaultJobs).
 */
export function jobsOption(detail?: string): Option {
  return new Option('--jobs <n>', `parallel jobs${detail ? `: ${detail}` : ''} (default: every core)`).argParser(positiveInt);
}

/** The two options, to add with `.addOption(...)` after `--jobs`. */
export function jobCmdOptions(): Option[] {
  return [
    new Option('--cmd <where>', 'where the jobs run: local worker threads, or Slurm batch jobs (sbatch; see docs/cluster.md)')
      .choices(['local', 'slurm'])
      .default('local')
      .env('ASR_DISTILL_CMD'),
    new Option('--slurm-opts <options>', "extra sbatch options with --cmd slurm, e.g. '--partition=cpu --mem=4G --time=2:00:00'").env('ASR_DISTILL_SLURM_OPTS'),
  ];
}

/**
 * The job runner backend for these options: undefined (the stage's default, local worker
 * threads) or Slurm jobs named NAME.JOB with their logs in LOG_DIR (`OUT_DIR/log`).
 */
export function jobBackend(o: JobCmdOptions, logDir: string, name: string): RunnerBackend | undefined {
  if (o.cmd !== 'slurm') return undefined;
  return { kind: 'slurm', logDir: path.resolve(logDir), name, ...(o.slurmOpts ? { sbatchOptions: o.slurmOpts } : {}) };
}
