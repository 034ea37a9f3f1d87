#!/usr/bin/env node
// asr-distill command line: one thin file per subcommand in ./commands/, discovered at start-up so
// that each stage registers its own command without a central list to edit.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CommandModule } from './command.js';
import { configureCliHelp } from './help.js';

/**
 * The program with every subcommand, or only `command`'s when one of ./commands/ is named so:
 * `asr-distill features ...` then does not load the DNN, decoder and plotting libraries the
 * other commands import (seconds of start-up CPU: docs/features.md, "Speed").
 */
export async function buildProgram(command?: string): Promise<Command> {
  const program = new Command('asr-distill')
    .description(
      'Speech-recognition acoustic models by knowledge distillation (Hinton, Vinyals & Dean 2015, sec. 4). ' +
        'Each pipeline stage is a subcommand reading and writing plain files.',
    )
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');
  const files = readdirSync(dir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'));
  const own = files.filter((f) => command !== undefined && f.replace(/\.(js|ts)$/, '') === command);
  const modules: CommandModule[] = [];
  for (const f of own.length === 1 ? own : files) modules.push((await import(pathToFileURL(path.join(dir, f)).href)) as CommandModule);
  modules.sort((a, b) => a.order - b.order);
  for (const m of modules) m.register(program);
  // Every subcommand exits 2 on a usage error too (commander's default is 1).
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)');
  configureCliHelp(program);
  return program;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // argv[2]: the subcommand, when the first argument names one (a file of ./commands/, named as its command).
  const program = await buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    throw e;
  }
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
const viaBin = process.argv[1] && /asr-distill(\.js)?$/.test(process.argv[1]);
if (invokedDirectly || viaBin) {
  // Exit only once stdout has been flushed: process.exit right away cuts piped output at 64 KiB.
  main(process.argv).then(
    (code) => process.stdout.write('', () => process.exit(code)),
    (e) => {
      console.error(e instanceof Error ? e.stack : e);
      process.exit(1);
    },
  );
}
