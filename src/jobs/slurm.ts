// The Slurm backend of the job runner (Kaldi's slurm.pl beside run.pl): each job spec becomes a
// batch job that runs `node job-entry.js SPEC.json` on a compute node; the runner polls `squeue`,
// relays the jobs' progress reports from their progress files and collects their result files.
// Assumes what slurm.pl assumes: a filesystem shared by this machine and the compute nodes, with
// the project (and Node) at the same path on every node (docs/cluster.md).
//
// Files, for a runner named NAME logging to LOG_DIR (the k-th run() of one runner is NAME-k, the
// first plain NAME, so a rerun of the same command finds the same names):
//   LOG_DIR/NAME.JOB.log           the job's stdout and stderr (sbatch --output)
//   LOG_DIR/q/NAME.JOB.json        its spec (JobSpecFile); NAME.JOB.sh the batch script
//   LOG_DIR/q/NAME.JOB.input.v8    its input; blob-SHA.bin the large buffers (job-files.ts)
//   LOG_DIR/q/NAME.JOB.result.v8   its result; NAME.JOB.progress.jsonl its progress reports
// A job whose result file holds the same spec hash and a success (and whose declared outputs exist) is not
// submitted again (its writes to shared memory and its in-place file writes are copied back from
// its result), and one still queued or running from an earlier, interrupted command is
// waited for instead of submitted twice: rerunning a failed command finishes only what is missing.
// Ctrl-C (SIGINT, or SIGTERM) while jobs are queued or running cancels them with scancel
// before the command dies of the signal; its output directory stays as it was (withOutputDir).
import { execFile, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { InputError } from '../errors.js';
import {
  applyFileWrites,
  BlobTable,
  deserialize,
  externalize,
  readWholeFile,
  serialize,
  specHash,
  writeFileReplacing,
  type JobResultFile,
  type JobSpecFile,
} from './job-files.js';
import { siblingModuleUrl } from './module-url.js';
import type { JobRunner, JobSpec, RunOptions } from './runner.js';

const run = promisify(execFile);

/** Where and how a runner submits its jobs to Slurm. */
export interface SlurmBackend {
  kind: 'slurm';
  /** Directory of the job logs (usually OUT_DIR/log); the job files go to its q/ subdirectory. */
  logDir: string;
  /** Job name: logs are LOG_DIR/NAME.JOB.log, JOB counting from 1. */
  name: string;
  /** Extra sbatch options as typed on a command line (`--partition=cpu --mem=4G`); split by /bin/sh. */
  sbatchOptions?: string;
  /** Longest pause between two polls of squeue (ms; default 2000, the first polls are faster). */
  maxPollMs?: number;
}

/** Slurm job states in which a job may still write its result. */
const ACTIVE_STATES = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_FED', 'REQUEUE_HOLD', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'STOPPED']);

/** LOG_DIR/q/NAME stems being run in this process: two runs must not share job files. */
const activeStems = new Set<string>();

/**
 * Slurm jobs this process submitted (or waits for) that have not ended, by job id -> job name: what
 * Ctrl-C cancels. Kaldi's slurm.pl does the same (scancel of its jobs on SIGINT/SIGTERM): without
 * it, jobs run on after the command has gone, keep writing into the output's work directory, and
 * hold the cluster.
 */
const liveJobs = new Map<string, string>();
// Not SIGHUP: a handler would override the SIG_IGN of `nohup asr-distill ...`, whose jobs must outlive the terminal.
const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The signal handler: cancel the live jobs (scancel), then die of the signal as without a handler. */
function cancelLiveJobs(signal: NodeJS.Signals): void {
  for (const sig of CANCEL_SIGNALS) process.removeListener(sig, cancelLiveJobs);
  const ids = [...liveJobs.keys()];
  liveJobs.clear();
  if (ids.length > 0) {
    // Synchronous: the process ends right after; an unreachable controller must not hold it for long.
    const r = spawnSync('scancel', ids, { encoding: 'utf8', timeout: 30_000 });
    const which = `Slurm job${ids.length === 1 ? '' : 's'} ${ids.join(' ')}`;
    process.stderr.write(
      r.status === 0
        ? `asr-distill: ${signal}: cancelled ${which} (scancel); the output directory is left as it was, rerun the command to start again\n`
        : `asr-distill: ${signal}: scancel of ${which} failed (${(r.error?.message ?? r.stderr ?? '').trim() || `exit ${r.status}`}); cancel them by hand: scancel ${ids.join(' ')}\n`,
    );
  }
  // No output directory was swapped in (withOutputDir does that only when the work succeeds).
  process.kill(process.pid, signal);
}

/** Track a submitted job for cancellation on Ctrl-C (or stop tracking it: `undefined` name). */
function trackJob(jobId: string, name: string | undefined): void {
  if (name === undefined) liveJobs.delete(jobId);
  else liveJobs.set(jobId, name);
}

/** Runs in progress in this process: the signal handlers are installed while there is one. */
let activeRuns = 0;

function beginRun(): void {
  if (activeRuns++ === 0) for (const sig of CANCEL_SIGNALS) process.on(sig, cancelLiveJobs);
}

function endRun(): void {
  if (--activeRuns === 0) for (const sig of CANCEL_SIGNALS) process.removeListener(sig, cancelLiveJobs);
}

/** Quote for a POSIX shell (single quotes; an embedded ' becomes '\''). */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The node command line of a job: the tsx loader when running from the TypeScript sources. */
function nodeCommand(specFile: string): string[] {
  const entryUrl = siblingModuleUrl(import.meta.url, 'job-entry');
  const loader = entryUrl.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  return [process.execPath, ...loader, fileURLToPath(entryUrl), specFile];
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

async function readResult(file: string): Promise<JobResultFile | undefined> {
  // Read in pieces (no 2 GiB readFile ceiling): a spilled GMM pass's result carries its shard's alignment rows.
  const bytes = await readWholeFile(file, 'job result').catch(() => undefined);
  if (!bytes) return undefined;
  try {
    return deserialize(bytes) as JobResultFile;
  } catch {
    return undefined; // a torn or foreign file: the job is redone
  }
}

/** States of this user's jobs that Slurm still knows (`squeue --states=all`), by job id. */
async function queueStates(): Promise<Map<string, string>> {
  const { stdout } = await run('squeue', ['--noheader', '--states=all', `--user=${os.userInfo().username}`, '--format=%i|%T']).catch((e: Error & { stderr?: string }) => {
    throw new InputError(`--cmd slurm: squeue failed: ${(e.stderr || e.message).trim()}`);
  });
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (id && state) out.set(id, state);
  }
  return out;
}

/** `STATE, exit code X:Y, reason R` of an ended job, from scontrol, else sacct, else what squeue said. */
async function describeEnd(jobId: string, lastState: string | undefined): Promise<string> {
  const sc = await run('scontrol', ['show', 'job', '--oneliner', jobId]).catch(() => undefined);
  if (sc) {
    const field = (k: string) => sc.stdout.match(new RegExp(`\\b${k}=(\\S+)`))?.[1];
    const state = field('JobState');
    if (state) return `${state}, exit code ${field('ExitCode') ?? '?'}${field('Reason') && field('Reason') !== 'None' ? `, reason ${field('Reason')}` : ''}`;
  }
  const sa = await run('sacct', ['--noheader', '--parsable2', '--allocations', '--jobs', jobId, '--format=State,ExitCode']).catch(() => undefined);
  const line = sa?.stdout.trim().split('\n')[0];
  if (line) {
    const [state, code] = line.split('|');
    return `${state}, exit code ${code}`;
  }
  return lastState ? `${lastState} (no more details: the job left Slurm's memory and accounting is off)` : 'state unknown (the job left the queue; Slurm accounting is off)';
}

interface SlurmJob {
  index: number;
  spec: JobSpecFile;
  /** Blob table indices used by this job's input. */
  blobs: number[];
  script: string;
  progressOffset: number;
  progressTail: string;
  /** Polls since the job was last seen active without a result (to allow for a slow shared filesystem). */
  missingPolls: number;
  lastState?: string;
  done: boolean;
  /** Submitted by this command (not reused, not one of an interrupted command waited for now). */
  submittedNow?: boolean;
}

interface Failure {
  job: SlurmJob;
  message: string;
  /** The job function threw an InputError (a problem with the user's data, not with the job). */
  inputError: boolean;
  stack?: string;
}

/**
 * A JobRunner that submits every spec as a Slurm batch job at once (the scheduler decides how many
 * run together; `jobs` is only what stages use to size their shards) and waits for all of them.
 * When jobs fail, the others still run to the end (their results are kept for the rerun) and the
 * first failure is thrown, naming the job, its Slurm state and its log.
 */
export class SlurmRunner implements JobRunner {
  readonly reusesJobs = true;
  private runs = 0;
  /** Blob files written by this runner's runs: kept across runs (train-mono passes share the corpus' features), removed by close(). */
  private readonly blobFiles = new Set<string>();
  constructor(
    readonly jobs: number,
    private readonly backend: SlurmBackend,
  ) {}

  async close(): Promise<void> {
    await Promise.all([...this.blobFiles].map((f) => fs.rm(f, { force: true })));
    this.blobFiles.clear();
  }

  async run<I, O>(specs: JobSpec<I>[], options: RunOptions<O> = {}): Promise<O[]> {
    const logDir = path.resolve(this.backend.logDir);
    const qDir = path.join(logDir, 'q');
    await fs.mkdir(qDir, { recursive: true });
    const stem = ++this.runs === 1 ? this.backend.name : `${this.backend.name}-${this.runs}`;
    const key = path.join(qDir, stem);
    if (activeStems.has(key)) throw new Error(`slurm runner: ${key}.* is in use by another runner of this process; give each concurrent runner its own name`);
    activeStems.add(key);
    const table = new BlobTable(qDir);
    try {
      return await this.runTable(specs, options, logDir, qDir, stem, table);
    } finally {
      activeStems.delete(key);
      for (const b of table.refs) this.blobFiles.add(b.file);
    }
  }

  private async runTable<I, O>(specs: JobSpec<I>[], options: RunOptions<O>, logDir: string, qDir: string, stem: string, table: BlobTable): Promise<O[]> {
    const jobs: SlurmJob[] = [];
    beginRun();
    try {
      return await this.runJobs(specs, options, logDir, qDir, stem, table, jobs);
    } finally {
      for (const j of jobs) if (j.spec.slurmJobId) trackJob(j.spec.slurmJobId, undefined);
      endRun();
    }
  }

  private async runJobs<I, O>(specs: JobSpec<I>[], options: RunOptions<O>, logDir: string, qDir: string, stem: string, table: BlobTable, jobs: SlurmJob[]): Promise<O[]> {
    const results = new Array<O>(specs.length);
    const reused: SlurmJob[] = [];
    const toSubmit: SlurmJob[] = [];
    const toAttach: SlurmJob[] = [];
    const inputs = new Map<SlurmJob, Uint8Array>();
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i];
      const name = `${stem}.${i + 1}`;
      const ext = await externalize(s.input, table);
      let inputBytes: Uint8Array;
      try {
        inputBytes = serialize(ext.value);
      } catch (e) {
        throw new Error(`--cmd slurm: the input of job ${name} (${s.fn}) cannot be written to a file: ${(e as Error).message}`);
      }
      const blobs = ext.blobs.map((g) => table.refs[g]);
      const outputs = (s.outputs ?? []).map((f) => path.resolve(f));
      const writesInPlace = (s.writesInPlace ?? []).map((r) => ({ ...r, file: path.resolve(r.file) }));
      const file = (suffix: string) => path.join(qDir, `${name}.${suffix}`);
      const spec: JobSpecFile = {
        name,
        module: s.module,
        fn: s.fn,
        hash: specHash(s.module, s.fn, inputBytes, blobs, outputs, writesInPlace),
        input: file('input.v8'),
        blobs,
        result: file('result.v8'),
        progress: file('progress.jsonl'),
        log: path.join(logDir, `${name}.log`),
        outputs,
        ...(writesInPlace.length > 0 ? { writesInPlace } : {}),
      };
      const job: SlurmJob = { index: i, spec, blobs: ext.blobs, script: file('sh'), progressOffset: 0, progressTail: '', missingPolls: 0, done: false };
      jobs.push(job);
      const prev = await readResult(spec.result);
      // A finished job is reused; one that failed is submitted again (the cause may be fixed or transient).
      if (prev?.hash === spec.hash && prev.result.ok && (await Promise.all(outputs.map(exists))).every(Boolean)) {
        reused.push(job);
        continue;
      }
      inputs.set(job, inputBytes);
      const old = await fs.readFile(path.join(qDir, `${name}.json`), 'utf8').then((t) => JSON.parse(t) as JobSpecFile, () => undefined);
      if (old?.hash === spec.hash && old.slurmJobId) {
        spec.slurmJobId = old.slurmJobId;
        toAttach.push(job);
      } else toSubmit.push(job);
    }
    if (toAttach.length > 0) {
      const states = await queueStates();
      for (const job of toAttach) {
        const st = states.get(job.spec.slurmJobId!);
        if (st && ACTIVE_STATES.has(st)) {
          // Still queued or running: wait for it (its input again, in case it was removed since).
          await writeFileReplacing(job.spec.input, inputs.get(job)!);
          trackJob(job.spec.slurmJobId!, job.spec.name);
          continue;
        }
        delete job.spec.slurmJobId;
        toSubmit.push(job);
      }
    }
    for (const job of toSubmit) {
      await writeFileReplacing(job.spec.input, inputs.get(job)!);
      await this.submit(job);
    }

    const failures: Failure[] = [];
    const finish = async (job: SlurmJob, r: JobResultFile) => {
      job.done = true;
      if (job.spec.slurmJobId) trackJob(job.spec.slurmJobId, undefined);
      await this.relayProgress(job, options);
      if (r.result.ok) {
        table.applyWrites(r.writes, job.blobs);
        // A reused job's in-place writes (or those of a job of the interrupted command, waited for
        // now) may have gone into files the rerun made afresh; a job submitted now wrote into this
        // command's files (job-entry fails it if they were replaced), so its rows are there already.
        if (r.fileWrites && !job.submittedNow) await applyFileWrites(r.fileWrites);
        results[job.index] = r.result.value as O;
        options.onResult?.(job.index, r.result.value as O);
      } else {
        const { name, message, stack } = r.result.error;
        failures.push({ job, message, inputError: name === 'InputError', stack: `${name}: ${message}\n    (in Slurm job ${job.spec.slurmJobId ?? '?'}: ${job.spec.name}, ${job.spec.fn}; log ${job.spec.log})\n${stack ?? ''}` });
      }
    };
    // Jobs finished in an earlier command first, in spec order.
    for (const job of reused) await finish(job, (await readResult(job.spec.result))!);

    let pauseMs = 100;
    let squeueFailures = 0;
    const maxPollMs = this.backend.maxPollMs ?? 2000;
    while (jobs.some((j) => !j.done)) {
      await new Promise((r) => setTimeout(r, pauseMs));
      pauseMs = Math.min(maxPollMs, pauseMs * 1.5);
      const pending = jobs.filter((j) => !j.done);
      for (const job of pending) await this.relayProgress(job, options);
      // Query the queue before looking for results, so that a job absent from it has either
      // written its result already or ended without one. A controller that does not answer for
      // a while (restarting) is waited for; its jobs go on meanwhile.
      let states: Map<string, string> | undefined;
      try {
        states = await queueStates();
        squeueFailures = 0;
      } catch (e) {
        if (++squeueFailures >= 10) throw e;
      }
      for (const job of pending) {
        const r = await readResult(job.spec.result);
        if (r?.hash === job.spec.hash) {
          await finish(job, r);
          continue;
        }
        if (!states) continue;
        const st = states.get(job.spec.slurmJobId!);
        if (st) job.lastState = st;
        if (st && ACTIVE_STATES.has(st)) {
          job.missingPolls = 0;
          continue;
        }
        // Ended (or forgotten by Slurm) without a result: allow a few polls for the shared
        // filesystem to show the result file, then count it as failed.
        if (++job.missingPolls < 3) continue;
        job.done = true;
        trackJob(job.spec.slurmJobId!, undefined);
        await this.relayProgress(job, options);
        const end = await describeEnd(job.spec.slurmJobId!, job.lastState);
        failures.push({
          job,
          inputError: true,
          message: `Slurm job ${job.spec.slurmJobId} (${job.spec.name}, ${job.spec.fn}) ended without a result: ${end}; see ${job.spec.log}. Rerun the same command to redo only the unfinished jobs`,
        });
      }
    }
    if (failures.length > 0) throw failureError(failures, specs.length);
    // Inputs are only needed to (re)run a job; results stay for the next rerun's skip check.
    await Promise.all(jobs.map((j) => fs.rm(j.spec.input, { force: true })));
    return results;
  }

  /** Write the job's spec and batch script and submit it with sbatch. */
  private async submit(job: SlurmJob): Promise<void> {
    const { spec } = job;
    await Promise.all([fs.rm(spec.result, { force: true }), fs.rm(spec.progress, { force: true })]);
    await fs.writeFile(spec.progress, '');
    const opts = this.backend.sbatchOptions?.trim() ?? '';
    const script =
      '#!/bin/bash\n' +
      `# asr-distill job ${spec.name}: ${spec.fn} (src/jobs/slurm.ts). Submitted as\n` +
      `#   sbatch --parsable --job-name=${spec.name} --output=${spec.log} ${opts ? opts + ' ' : ''}${job.script}\n` +
      `# To run it again by hand: bash ${job.script}\n` +
      `cd ${shellQuote(process.cwd())} || exit 2\n` +
      `exec ${nodeCommand(path.join(path.dirname(job.script), `${spec.name}.json`)).map(shellQuote).join(' ')}\n`;
    await writeFileReplacing(job.script, script);
    await writeFileReplacing(path.join(path.dirname(job.script), `${spec.name}.json`), JSON.stringify(spec, null, 1) + '\n');
    // The user's options go through /bin/sh so that quoting works as on a command line; our own
    // arguments go in as positional parameters, never re-parsed.
    const cmd = `exec sbatch --parsable --job-name="$1" --output="$2" ${opts} "$3"`;
    let stdout: string;
    try {
      ({ stdout } = await run('/bin/sh', ['-c', cmd, 'sh', spec.name, spec.log, job.script]));
    } catch (e) {
      const err = e as Error & { code?: unknown; stderr?: string };
      const why = /not found/.test(err.stderr ?? '') ? 'sbatch is not on PATH (is this a Slurm submit host?)' : (err.stderr || err.message).trim();
      throw new InputError(`--cmd slurm: could not submit ${spec.name}: ${why}${opts ? ` (sbatch options: ${opts})` : ''}`);
    }
    spec.slurmJobId = stdout.trim().split(';')[0];
    if (!/^\d+(_\d+)?$/.test(spec.slurmJobId)) throw new InputError(`--cmd slurm: sbatch printed '${stdout.trim()}' instead of a job id for ${spec.name}`);
    job.submittedNow = true;
    trackJob(spec.slurmJobId, spec.name);
    await writeFileReplacing(path.join(path.dirname(job.script), `${spec.name}.json`), JSON.stringify(spec, null, 1) + '\n');
  }

  /** Pass on the progress reports the job appended since the last call (whole lines only). */
  private async relayProgress<O>(job: SlurmJob, options: RunOptions<O>): Promise<void> {
    const fh = await fs.open(job.spec.progress, 'r').catch(() => undefined);
    if (!fh) return;
    try {
      const { size } = await fh.stat();
      if (size <= job.progressOffset) return;
      const buf = Buffer.alloc(size - job.progressOffset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, job.progressOffset);
      job.progressOffset += bytesRead;
      const text = job.progressTail + buf.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      job.progressTail = lines.pop() ?? '';
      for (const l of lines) if (l) options.onMessage?.(job.index, JSON.parse(l));
    } finally {
      await fh.close();
    }
  }
}

function failureError(failures: Failure[], total: number): Error {
  const f = failures[0];
  const more = failures.length > 1 ? ` (${failures.length} of ${total} jobs failed: ${failures.map((x) => x.job.spec.name).join(' ')})` : '';
  if (f.inputError) {
    const where = f.message.includes(f.job.spec.log) ? '' : ` (Slurm job ${f.job.spec.slurmJobId ?? '?'} ${f.job.spec.name}; log ${f.job.spec.log})`;
    return new InputError(`${f.message}${where}${more}`);
  }
  const err = new Error(`${f.message}${more}`);
  err.stack = f.stack;
  return err;
}
