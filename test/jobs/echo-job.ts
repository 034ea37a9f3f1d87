// A job module used by the runner tests.
import { InputError } from '../../src/errors.js';
import type { JobContext } from '../../src/jobs/runner.js';

export async function square(input: { x: number }, ctx: JobContext): Promise<number> {
  ctx.report({ step: 'half', x: input.x });
  return input.x * input.x;
}

/** Whether the job ran in the caller's thread (the inline runner, or inThreadWhenSingle). */
export async function inMainThread(): Promise<boolean> {
  const { isMainThread } = await import('node:worker_threads');
  return isMainThread;
}

export async function failInput(input: { utt: string }): Promise<never> {
  throw new InputError(`utt ${input.utt}: bad audio`);
}

export async function failBug(): Promise<never> {
  throw new TypeError('boom');
}

/** Writes `value` into the shared array `out` at `at` (as hmm-worker writes its alignment frames). */
export async function writeShared(input: { out: Int32Array; at: number; value: number; big: Float32Array }): Promise<number> {
  input.out[input.at] = input.value;
  return input.big[input.at];
}

/** Writes `bytes` into `file` at `offset` in place (as hmm-worker writes a spilled alignment); with `replace`, first puts a new file at that path (a rerun's fresh scratch file). */
export async function writeInPlace(input: { file: string; offset: number; bytes: Uint8Array; replace?: boolean }): Promise<number> {
  const fs = await import('node:fs');
  const fd = fs.openSync(input.file, 'r+');
  if (input.replace) {
    fs.writeFileSync(`${input.file}.new`, new Uint8Array(8));
    fs.renameSync(`${input.file}.new`, input.file);
  }
  fs.writeSync(fd, input.bytes, 0, input.bytes.length, input.offset);
  fs.closeSync(fd);
  return input.bytes.length;
}

/** Waits while `holdFile` exists (at most 60 s), then squares `x`: a job the Slurm tests cancel. */
export async function squareWhenReleased(input: { x: number; holdFile: string }): Promise<number> {
  const { existsSync } = await import('node:fs');
  for (let i = 0; i < 600 && existsSync(input.holdFile); i++) await new Promise((r) => setTimeout(r, 100));
  return input.x * input.x;
}
