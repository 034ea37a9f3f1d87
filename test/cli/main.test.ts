import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram, main } from '../../src/cli/main.js';

test('the program lists its subcommands, each with a description', async () => {
  const program = await buildProgram();
  const names = program.commands.map((c) => c.name());
  assert.equal(new Set(names).size, names.length, 'subcommand names are unique');
  for (const c of program.commands) assert.ok(c.description().length > 0, `${c.name()} has a description`);
});

test('--help exits 0 and an unknown option is a usage error (exit 2)', async () => {
  const write = process.stdout.write.bind(process.stdout);
  const ewrite = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((out += s), true)) as typeof process.stderr.write;
  try {
    assert.equal(await main(['node', 'asr-distill', '--help']), 0);
    assert.match(out, /Usage: asr-distill/);
    out = '';
    assert.equal(await main(['node', 'asr-distill', '--no-such-option']), 2);
    assert.match(out, /unknown option '--no-such-option'/);
  } finally {
    process.stdout.write = write;
    process.stderr.write = ewrite;
  }
});
