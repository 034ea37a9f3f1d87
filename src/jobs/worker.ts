// Generic worker entry for the local job runner: load the task's module, call the named export.
// (runJob is also the body of a Slurm job, see job-entry.ts.)
import type { MessagePort } from 'node:worker_threads';

export interface WorkerTask {
  module: string;
  fn: string;
  input: unknown;
  port?: MessagePort;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type WorkerResult = { ok: true; value: unknown } | { ok: false; error: SerializedError };

let tsHooks: Promise<unknown> | undefined;

/**
 * Under the test runner the sources are TypeScript run through tsx. Node 20 does not pass tsx's ESM
 * hooks on to worker threads, so a worker registers them itself before importing a .ts job module.
 * (Never reached from dist/, where every module is .js.)
 */
function ensureTsHooks(moduleUrl: string): Promise<unknown> | undefined {
  if (!moduleUrl.endsWith('.ts')) return undefined;
  const spec = 'tsx/esm/api';
  tsHooks ??= import(spec).then((api: { register: () => unknown }) => api.register());
  return tsHooks;
}

/**
 * Load the task's module and call its export `fn` with `(input, { report })`; never throws: a
 * failure comes back as `{ ok: false, error }` (name, message, stack) for the caller to rethrow.
 * Shared by the worker threads (reports through a MessagePort) and the Slurm job entry
 * (job-entry.ts, reports to a file).
 */
export async function runJob(task: Omit<WorkerTask, 'port'>, report: (msg: unknown) => void): Promise<WorkerResult> {
  try {
    await ensureTsHooks(task.module);
    const mod = await import(task.module);
    const fn = mod[task.fn];
    if (typeof fn !== 'function') throw new Error(`job runner: ${task.module} has no exported function ${task.fn}`);
    const value = await fn(task.input, { report });
    return { ok: true, value };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { ok: false, error: { name: err.name, message: err.message, stack: err.stack } };
  }
}

export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    return await runJob(task, (msg: unknown) => task.port?.postMessage(msg));
  } finally {
    task.port?.close();
  }
}
