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

export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  const report = (msg: unknown) => task.port?.postMessage(msg);
  try {
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
