import { InvalidArgumentError, type Command } from 'commander';
import { isInputError } from '../errors.js';

/** What each file in ./commands/ exports. */
export interface CommandModule {
  /** Position in `--help` (pipeline order: data 10s, features 20s, lang 30s, hmm 40s, nnet 50s, decode 60s, score 70s). */
  order: number;
  register(program: Command): void;
}

/**
 * Wrap a subcommand action: an InputError (bad file, bad option value) prints
 * `asr-distill <cmd>: <message>` and exits 1 without a stack trace; anything else is a bug and
 * prints its stack.
 */
export function action<A extends unknown[]>(name: string, fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      if (isInputError(e)) {
        process.stderr.write(`asr-distill ${name}: ${e.message}\n`);
      } else {
        process.stderr.write(`asr-distill ${name}: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
      }
      process.exitCode = 1;
    }
  };
}

/** commander option parser for a positive integer (usage error, exit 2, otherwise). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

/** commander option parser for a non-negative integer. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, got '${value}'`);
  return n;
}

/** commander option parser for a finite number. */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'`);
  return n;
}

/** commander option parser for one of a fixed set of words. */
export function oneOf<T extends string>(...choices: T[]) {
  return (value: string): T => {
    if (!(choices as string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${value}'`);
    }
    return value as T;
  };
}

/** Text appended to a subcommand's help: `Examples:` followed by the given command lines. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
