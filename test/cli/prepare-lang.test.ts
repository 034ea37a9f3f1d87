import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';

/** Run the CLI in-process; returns exit code and captured stdout/stderr. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const write = process.stdout.write.bind(process.stdout);
  const ewrite = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'asr-distill', ...args]);
    return { code, out, err };
  } finally {
    process.exitCode = saved;
    process.stdout.write = write;
    process.stderr.write = ewrite;
  }
}

test('prepare-lang --help shows examples; a bad --format is a usage error (exit 2)', async () => {
  const help = await cli('prepare-lang', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /Examples:\n  \$ asr-distill prepare-lang/);
  const bad = await cli('prepare-lang', 'a', 'b', '--format', 'csv');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /expected one of auto, wordlist, text, sentences, got 'csv'/);
});

test('prepare-lang fails with the OOV report (exit 1) and succeeds with --oov-word', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cli-prep-'));
  try {
    const input = path.join(dir, 'words.txt');
    await writeFile(input, 'one\ntwo\nflurbix\n');
    const fail = await cli('prepare-lang', input, path.join(dir, 'lang'));
    assert.equal(fail.code, 1);
    assert.equal(
      fail.err,
      `asr-distill prepare-lang: ${input}: 1 word (1 token) not in cmudict: flurbix (1). Add their pronunciations with --dict FILE (a Kaldi lexicon), or map them to a garbage word with --oov-word '<unk>'.\n`,
    );
    const ok = await cli('prepare-lang', input, path.join(dir, 'lang'), '--oov-word', '<unk>');
    assert.equal(ok.code, 0);
    assert.equal(ok.err, "prepare-lang: 1 word (1 token) not in cmudict: flurbix (1); mapped to <unk>\n");
    assert.equal(ok.out, `prepare-lang: ${path.join(dir, 'lang')}: 2 words, 2 pronunciations (input read as wordlist)\n`);
    assert.equal(await readFile(path.join(dir, 'lang/lexicon.txt'), 'utf8'), '<unk> SPN\none W AH N\ntwo T UW\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
