// A job module used by the runner tests.
import { InputError } from '../../src/errors.js';
import type { JobContext } from '../../src/jobs/runner.js';

export async function square(input: { x: number }, ctx: JobContext): Promise<number> {
  ctx.report({ step: 'half', x: input.x });
  return input.x * input.x;
}

export async function failInput(input: { utt: string }): Promise<never> {
  throw new InputError(`utt ${input.utt}: bad audio`);
}

export async function failBug(): Promise<never> {
  throw new TypeError('boom');
}
