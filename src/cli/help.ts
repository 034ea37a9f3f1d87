// How `asr-distill --help` and every `asr-distill CMD --help` look: one place for the conventions
// of the whole CLI (defaults as users type them, required options marked, a short list of
// subcommands, examples that fit the width), so each command file only states its own text.
import type { Argument, Command, Help, Option } from 'commander';

/** Width every help text must fit in (test/cli/help.test.ts checks each subcommand). */
export const HELP_WIDTH = 100;

/** The environment variables the CLI reads, for the top-level help (docs/cluster.md, docs/guarantees.md). */
export const ENVIRONMENT: readonly { name: string; meaning: string }[] = [
  { name: 'ASR_DISTILL_CMD', meaning: 'default of --cmd: local (worker threads) or slurm (sbatch jobs)' },
  { name: 'ASR_DISTILL_SLURM_OPTS', meaning: 'default of --slurm-opts: extra sbatch options with --cmd slurm' },
  { name: 'ASR_DISTILL_PROGRESS_SECONDS', meaning: 'seconds between progress lines on a non-terminal stderr (default 10)' },
];

/** The example workflow of the top-level help: the digits recipe's stages (recipes/digits/run.sh runs them all). */
const WORKFLOW = [
  'asr-distill make-corpus digits data/digits',
  'asr-distill prepare-lang data/lang/digits/local/wordlist.txt data/lang/digits --dict cmudict',
  'asr-distill features data/digits/train exp/feats/train    # likewise dev and test',
  'asr-distill compute-cmvn exp/feats/train',
  'asr-distill train-mono data/digits/train exp/feats/train data/lang/digits exp/mono',
  'asr-distill align data/digits/train exp/feats/train data/lang/digits exp/mono exp/ali_train',
  'asr-distill ensemble exp/feats/train exp/ali_train exp/ens --members 4 --arch 4x1024',
  'asr-distill distill exp/feats/train exp/ali_train exp/ens exp/student --arch 4x1024 --temperature 2',
  'asr-distill decode exp/student data/digits/test exp/decode/student_test --feats exp/feats/test',
];

/**
 * Split a shell command line into lines of at most `width` columns, continued with ` \` (breaks
 * only between words, never inside quotes). A word longer than the width stays whole.
 *
 * @example wrapCommandLine('asr-distill train a b c', 16, '  ') // ['asr-distill \\', '  train a b c']
 */
export function wrapCommandLine(line: string, width: number, indent: string): string[] {
  const words = line.match(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g) ?? [];
  const out: string[] = [];
  let cur = '';
  for (const w of words) {
    const next = cur === '' ? w : `${cur} ${w}`;
    // Room for the ` \` a continued line ends with.
    if (cur !== '' && (out.length === 0 ? 0 : indent.length) + next.length + 2 > width) {
      out.push(`${cur} \\`);
      cur = w;
    } else {
      cur = next;
    }
  }
  out.push(cur);
  return out.map((l, i) => (i === 0 ? l : indent + l));
}

/** `Examples:` followed by the command lines, each wrapped to the help width. */
export function formatExamples(heading: string, lines: readonly string[]): string {
  const prefix = '  $ ';
  const body = lines.flatMap((l) => wrapCommandLine(l, HELP_WIDTH - prefix.length, '    ').map((w, i) => (i === 0 ? prefix : '    ') + w));
  return `\n${heading}:\n${body.join('\n')}\n`;
}

/** The text after the top-level help: the example workflow and the environment variables. */
export function topLevelHelpText(): string {
  const nameWidth = Math.max(...ENVIRONMENT.map((e) => e.name.length));
  const env = ENVIRONMENT.map((e) => `  ${e.name.padEnd(nameWidth)}  ${e.meaning}`);
  return (
    formatExamples('Example workflow (recipes/digits/run.sh runs it with all options)', WORKFLOW) +
    `\nEnvironment variables (an option given on the command line wins):\n${env.join('\n')}\n` +
    '\nRun `asr-distill help <command>` for the options and examples of each command.\n'
  );
}

/**
 * The summary in the list of subcommands: the summary if set, else the description without its
 * parentheses, up to its first clause (`:`, `;` or the end of the first sentence).
 */
export function commandSummary(cmd: Command): string {
  const summary = cmd.summary();
  if (summary) return summary;
  let d = cmd.description();
  for (let prev = ''; prev !== d; ) [prev, d] = [d, d.replace(/\s*\([^()]*\)/g, '')];
  const cut = d.search(/[:;]|\. /);
  return (cut > 0 ? d.slice(0, cut) : d).trim();
}

/** commander's `choices: ..., default: ...` of an option or argument, with the values as users type them. */
function valueInfo(item: Option | Argument, showDefault: boolean): string[] {
  const out: string[] = [];
  if (item.argChoices) out.push(`choices: ${item.argChoices.join(', ')}`);
  const d: unknown = item.defaultValue;
  // Repeatable options start as an empty list: nothing to show.
  const emptyList = Array.isArray(d) && d.length === 0 && item.defaultValueDescription === undefined;
  if (showDefault && d !== undefined && !emptyList) out.push(`default: ${item.defaultValueDescription ?? (typeof d === 'string' ? d : JSON.stringify(d))}`);
  return out;
}

/** commander's layout: the description, then the extra information in parentheses. */
function withInfo(description: string, extra: string[]): string {
  return extra.length ? `${description ? `${description} ` : ''}(${extra.join(', ')})` : description;
}

/**
 * commander help overrides for the whole CLI: choices and defaults shown as users type them (`sgd`,
 * not `"sgd"`; repeatable options that start empty show none), required options marked, and the
 * list of subcommands as `name  summary` so that it fits the width.
 */
export const helpConfiguration: Partial<Help> = {
  subcommandTerm: (cmd: Command) => cmd.name(),
  subcommandDescription: commandSummary,
  optionDescription(option: Option): string {
    const shown = option.required || option.optional || (option.isBoolean() && typeof option.defaultValue === 'boolean');
    const extra = [...valueInfo(option, shown)];
    if (option.presetArg !== undefined && option.optional) extra.push(`preset: ${String(option.presetArg)}`);
    if (option.envVar !== undefined) extra.push(`env: ${option.envVar}`);
    if (option.mandatory) extra.push('required');
    return withInfo(option.description, extra);
  },
  argumentDescription(argument: Argument): string {
    return withInfo(argument.description, valueInfo(argument, true));
  },
};

/** Apply the CLI's help conventions to the program and every subcommand. */
export function configureCliHelp(program: Command): void {
  program.configureHelp(helpConfiguration).addHelpText('after', topLevelHelpText());
  for (const c of program.commands) c.configureHelp({ ...c.configureHelp(), ...helpConfiguration });
}
