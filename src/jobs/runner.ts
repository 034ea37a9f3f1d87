import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as os from 'node:os';
import { Piscina } from 'piscina';
import { InputError } from '../errors.js';
import { siblingModuleUrl } from './module-url.js';
import runTask, { type WorkerResult } from './worker.js';
import { SlurmRunner, type SlurmBackend } from './slurm.js';

export type { SlurmBackend } from './slurm.js';

/**
 * One unit of parallel work: call export `fn` of `module` (an absolute module URL, see
 * `siblingModuleUrl`) with a structured-cloneable `input`. The function receives a context whose
 * `report(msg)` sends progress messages back to the caller while it runs.
 *
 * Stages describe their work as JobSpecs and never start workers themselves, so that another
 * backend (a cluster queue such as Slurm, like Kaldi's slurm.pl beside run.pl) can run the same
 * specs without touching the stages.
 */
export interface JobSpec<I = unknown> {
  module: string;
  fn: string;
  input: I;
  /**
   * Files the job writes besides its return value. Backends that keep finished jobs across reruns
   * (Slurm) redo a finished job whose outputs are gone.
   */
  outputs?: string[];
  /**
   * Byte ranges of files the job writes in place (a spilled corpus' alignment, hmm/shard-pass.ts).
   * Backends that keep finished jobs across reruns (Slurm) keep these bytes in the job's result and
   * write them back when a rerun reuses the job, as they do with its writes to a SharedArrayBuffer.
   */
  writesInPlace?: FileRange[];
}

/** `length` bytes of `file` from byte `offset`. */
export interface FileRange {
  file: string;
  offset: number;
  length: number;
}

/** The context every job function receives as its second argument. */
export interface JobContext {
  report(msg: unknown): void;
}

export interface RunOptions<O> {
  /** Called with each progress message a job reports. */
  onMessage?: (jobIndex: number, msg: unknown) => void;
  /** Called as each job finishes (in completion order). */
  onResult?: (jobIndex: number, result: O) => void;
}

export interface JobRunner {
  /** Parallelism of this runner. */
  readonly jobs: number;
  /**
   * A rerun of the command reuses the finished jobs of an earlier run with the same spec (Slurm):
   * a stage then puts digests of the files its jobs read into their inputs, so that a changed file
   * changes the spec. Absent: every run computes every job, and the digests would be wasted reads.
   */
  readonly reusesJobs?: boolean;
  /** Run all specs, at most `jobs` at once; results in spec order. The first failure rejects. */
  run<I, O>(specs: JobSpec<I>[], options?: RunOptions<O>): Promise<O[]>;
  close(): Promise<void>;
}

/** `local` = worker threads (piscina); `inline` = in this thread, one at a time (debugging); or Slurm batch jobs. */
export type RunnerBackend = 'local' | 'inline' | SlurmBackend;

export interface RunnerOptions {
  /** Number of parallel jobs; default: the number of CPU cores. */
  jobs?: number;
  /** Default `local`. */
  backend?: RunnerBackend;
  /**
   * How long an idle worker thread is kept (default 1 s). Jobs that keep state in their thread
   * (a loaded model) and come in a stream with pauses between (an epoch's end) want it longer.
   */
  idleTimeoutMs?: number;
  /**
   * With `jobs: 1` on the local backend, run the jobs in this thread as `inline` does instead of in
   * a worker thread. A worker loads the job's modules a second time (for decode ~1 CPU s: the
   * engines, the graph code, apache-arrow) for no parallelism. Results, errors (the same rethrow)
   * and progress reports are those of a worker; what differs is that the job shares this thread's
   * heap and event loop, so a command opts in only when its jobs keep no global state that the
   * caller also uses (a tfjs backend the caller set, say).
   */
  inThreadWhenSingle?: boolean;
}

function rethrow(jobIndex: number, spec: JobSpec, r: WorkerResult): never {
  if (r.ok) throw new Error('unreachable');
  const { name, message, stack } = r.error;
  const err = name === 'InputError' ? new InputError(message) : new Error(message);
  if (name !== 'InputError') err.stack = `${name}: ${message}\n    (in job ${jobIndex}: ${spec.fn})\n${stack ?? ''}`;
  throw err;
}

/**
 * A message channel for one job's progress reports. The job closes its end when it finishes;
 * `drained` resolves once every message sent before that has been delivered, so no report is lost
 * or arrives after the job's result.
 */
function progressChannel<O>(jobIndex: number, options: RunOptions<O>): { port: MessagePort; drained: Promise<void> } {
  const channel = new MessageChannel();
  channel.port2.on('message', (m) => options.onMessage?.(jobIndex, m));
  const drained = new Promise<void>((resolve) => channel.port2.once('close', () => resolve()));
  return { port: channel.port1, drained };
}

class InlineRunner implements JobRunner {
  readonly jobs = 1;
  async run<I, O>(specs: JobSpec<I>[], options: RunOptions<O> = {}): Promise<O[]> {
    const out: O[] = [];
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const { port, drained } = progressChannel(i, options);
      const r = await runTask({ ...spec, port });
      await drained;
      if (!r.ok) rethrow(i, spec, r);
      out.push(r.value as O);
      options.onResult?.(i, r.value as O);
    }
    return out;
  }
  async close(): Promise<void> {}
}

class LocalRunner implements JobRunner {
  private readonly pool: Piscina;
  constructor(readonly jobs: number, idleTimeoutMs = 1000) {
    this.pool = new Piscina({
      filename: siblingModuleUrl(import.meta.url, 'worker'),
      minThreads: 0,
      maxThreads: jobs,
      idleTimeout: idleTimeoutMs,
      // One task per thread at a time: jobs are CPU-bound and each may hold a tfjs backend.
      concurrentTasksPerWorker: 1,
      // Piscina's default 'sync' atomics block an idle worker in Atomics.wait, which holds back the
      // progress port's close event (~1 s per job) and lets idleTimeout reap the thread between passes.
      atomics: 'disabled',
    });
  }
  async run<I, O>(specs: JobSpec<I>[], options: RunOptions<O> = {}): Promise<O[]> {
    return Promise.all(
      specs.map(async (spec, i) => {
        const { port, drained } = progressChannel(i, options);
        const r: WorkerResult = await this.pool.run({ ...spec, port }, { transferList: [port] });
        await drained;
        if (!r.ok) rethrow(i, spec, r);
        options.onResult?.(i, r.value as O);
        return r.value as O;
      }),
    );
  }
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** The default number of jobs: every core. */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Create the job runner. `--jobs 1` still uses a worker unless `backend: 'inline'` or `inThreadWhenSingle`. */
export function createJobRunner(options: RunnerOptions = {}): JobRunner {
  const jobs = Math.max(1, options.jobs ?? defaultJobs());
  const b = options.backend;
  if (typeof b === 'object') return new SlurmRunner(jobs, b);
  if (b === 'inline' || (options.inThreadWhenSingle && jobs === 1 && (b ?? 'local') === 'local')) return new InlineRunner();
  return new LocalRunner(jobs, options.idleTimeoutMs);
}
