import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { addHiddenAlias, finiteNumber } from '../../src/cli/command.js';
import { commandSummary, ENVIRONMENT, HELP_WIDTH, wrapCommandLine } from '../../src/cli/help.js';

/** The help a user sees for `cmd --help` in a terminal HELP_WIDTH columns wide (with the texts added after it). */
function renderHelp(cmd: Command): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), getOutHelpWidth: () => HELP_WIDTH });
  cmd.outputHelp();
  return out;
}

test('every subcommand help fits in 100 columns, has examples and shows defaults as users type them', async () => {
  const program = await buildProgram();
  // Enumerated from the program: commands added later are checked too.
  const commands = program.commands.filter((c) => c.name() !== 'help');
  assert.ok(commands.length >= 20, `only ${commands.length} subcommands registered`);
  for (const cmd of commands) {
    const help = renderHelp(cmd);
    const name = cmd.name();
    for (const line of help.split('\n')) assert.ok(line.length <= HELP_WIDTH, `${name} --help: line of ${line.length} columns: ${line}`);
    assert.match(help, /\nExamples:\n {2}\$ /, `${name} --help has no Examples section`);
    assert.ok(!cmd.description().includes('\n'), `${name}: hard line break in the description`);
    // Internal values (objects, JSON-quoted strings, empty lists) are not what users type.
    assert.doesNotMatch(help, /(default|choices): (\{|\[\]|")/, `${name} --help shows an internal value`);
    for (const o of cmd.options) {
      if (o.mandatory) assert.match(help, new RegExp(`${o.long}[^\\n]*(\\n {10,}[^\\n]*)*required\\)`), `${name}: ${o.long} not marked required`);
    }
  }
});

test('top-level help: one line per command, an example workflow and the environment variables', async () => {
  const program = await buildProgram();
  const help = renderHelp(program);
  for (const line of help.split('\n')) assert.ok(line.length <= HELP_WIDTH, `line of ${line.length} columns: ${line}`);
  assert.match(help, /\nExample workflow[^\n]*:\n {2}\$ asr-distill make-corpus /);
  for (const e of ENVIRONMENT) assert.ok(help.includes(e.name), `${e.name} not documented`);
  for (const c of program.commands) assert.match(help, new RegExp(`\\n {2}${c.name()} +\\S`));
});

test('one name for the silence probability: --sil-prob everywhere, --silence-prob a hidden alias of decode', async () => {
  const program = await buildProgram();
  for (const name of ['align', 'train-mono', 'decode']) {
    const cmd = program.commands.find((c) => c.name() === name)!;
    assert.ok(cmd.options.some((o) => o.long === '--sil-prob'), `${name} has no --sil-prob`);
  }
  const decode = program.commands.find((c) => c.name() === 'decode')!;
  assert.doesNotMatch(renderHelp(decode), /--silence-prob/);
});

test('addHiddenAlias: the old name sets the new option, hidden from help', async () => {
  const cmd = new Command('x').exitOverride().option('--sil-prob <p>', 'p', finiteNumber, 0.5);
  addHiddenAlias(cmd, '--silence-prob <p>', 'silProb', finiteNumber);
  let got: unknown;
  cmd.action((o: { silProb: number }) => void (got = o.silProb));
  await cmd.parseAsync(['--silence-prob', '0.25'], { from: 'user' });
  assert.equal(got, 0.25);
  await cmd.parseAsync([], { from: 'user' });
  assert.equal(got, 0.5);
  const fresh = new Command('y').exitOverride().option('--sil-prob <p>', 'p', finiteNumber, 0.5);
  addHiddenAlias(fresh, '--silence-prob <p>', 'silProb', finiteNumber);
  assert.doesNotMatch(fresh.helpInformation(), /silence-prob/);
  assert.throws(() => fresh.parse(['--silence-prob', 'x'], { from: 'user' }), /expected a number, got 'x'/);
});

test('wrapCommandLine breaks between words with a shell continuation, never inside quotes', () => {
  assert.deepEqual(wrapCommandLine('asr-distill train a b c', 16, '  '), ['asr-distill \\', '  train a b c']);
  assert.deepEqual(wrapCommandLine("ali-to-pdf 'ark:gunzip -c a.gz|' ark,t:-", 24, '  '), ["ali-to-pdf \\", "  'ark:gunzip -c a.gz|' \\", '  ark,t:-']);
  assert.deepEqual(wrapCommandLine('short line', 80, '  '), ['short line']);
});

test('commandSummary: the summary, else the description up to its first clause without parentheses', () => {
  assert.equal(commandSummary(new Command('a').description('Distill TEACHER (a model (or not)) into a student: soft targets')), 'Distill TEACHER into a student');
  assert.equal(commandSummary(new Command('b').description('Check it. Then more')), 'Check it');
  assert.equal(commandSummary(new Command('c').description('Long text: more').summary('Short')), 'Short');
});

test('buildProgram(name) loads only that command (start-up of e.g. features), any other word every command', async () => {
  assert.deepEqual((await buildProgram('features')).commands.map((c) => c.name()), ['features']);
  const all = (await buildProgram('featurs')).commands.map((c) => c.name());
  assert.ok(all.includes('features') && all.includes('decode'));
});
