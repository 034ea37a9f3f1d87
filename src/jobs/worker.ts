// Generic worker entry for the local job runner: load the task's module, call the named export.
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

export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  const report = (msg: unknown) => task.port?.postMessage(msg);
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
  } finally {
    task.port?.close();
  }
}
