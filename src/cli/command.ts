import { InvalidArgumentError, Option, type Command } from 'commander';
import { isInputError } from '../errors.js';
import { describeFsError } from '../store/fs-errors.js';
import { formatExamples } from './help.js';

/** Help of `--overwrite`, the option of every command that writes an output directory (docs/guarantees.md). */
export const OVERWRITE_HELP = 'replace the output directory even if it is not an earlier output of this command (everything in it is deleted)';

/** Help of `--sil-prob` (train-mono, train-tri, align, decode): Kaldi prepare_lang.sh --sil-prob. */
export const SIL_PROB_HELP = 'probability of the optional silence between words and at the edges (Kaldi --sil-prob)';

/** What each file in ./commands/ exports. */
export interface CommandModule {
  /** Position in `--help` (pipeline order: data 10s, features 20s, lang 30s, hmm 40s, nnet 50s, decode 60s, score 70s). */
  order: number;
  register(program: Command): void;
}

/**
 * Wrap a subcommand action: an InputError (bad file, bad option value) or a file-system error
 * (permission denied, read-only, disk full, ...: describeFsError) prints
 * `asr-distill <cmd>: <message>` and exits 1 without a stack trace; anything else is a bug and
 * prints its stack.
 */
export function action<A extends unknown[]>(name: string, fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      const message = isInputError(e) ? e.message : describeFsError(e);
      if (message !== undefined) {
        process.stderr.write(`asr-distill ${name}: ${message}\n`);
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

/** Text appended to a subcommand's help: `Examples:` followed by the given command lines (wrapped to the help width). */
export function examples(...lines: string[]): string {
  return formatExamples('Examples', lines);
}

/**
 * Add `flags` as a hidden old name of the option stored under `attribute`: given, it sets that
 * option's value (parsed by `parse`), so scripts written for the old name keep working.
 *
 * @example addHiddenAlias(cmd, '--silence-prob <p>', 'silProb', probability) // old name of --sil-prob
 */
export function addHiddenAlias(cmd: Command, flags: string, attribute: string, parse: (value: string) => unknown): Command {
  const alias = new Option(flags).hideHelp().argParser(parse);
  cmd.addOption(alias);
  // commander's own listener (added first) has parsed and stored the value under the alias's name.
  cmd.on(`option:${alias.name()}`, () => cmd.setOptionValueWithSource(attribute, cmd.getOptionValue(alias.attributeName()), 'cli'));
  return cmd;
}
