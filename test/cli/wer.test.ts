import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wer-cli-'));
const ref = path.join(dir, 'ref.txt');
const hyp = path.join(dir, 'hyp.txt');
writeFileSync(ref, 'u1 c c c a a\nu2 one two\n');
writeFileSync(hyp, 'u1 a a b b b\n');

test('asr-distill wer prints compute-wer lines; strict mode fails naming the missing utterance', async () => {
  const strict = await runCli('wer', ref, hyp);
  assert.equal(strict.code, 1);
  assert.equal(strict.stderr, `asr-distill wer: ${hyp}: no hypothesis for reference utterance u2; use --mode present to score only those present, or --mode all to count them as all deletions\n`);
  const all = await runCli('wer', '--mode', 'all', ref, hyp);
  assert.equal(all.code, 0);
  assert.equal(all.stdout, '%WER 100.00 [ 7 / 7, 0 ins, 2 del, 5 sub ] [PARTIAL]\n%SER 100.00 [ 2 / 2 ]\nScored 2 sentences, 1 not present in hyp.\n');
});

test('asr-distill wer --sclite --json --details', async () => {
  const details = path.join(dir, 'details.txt');
  const r = await runCli('wer', '--mode', 'present', '--sclite', '--json', '--details', details, ref, hyp);
  assert.equal(r.code, 0);
  const json = JSON.parse(r.stdout);
  assert.equal(json.errors, 6);
  assert.equal(json.algorithm, 'sclite');
  assert.match(readFileSync(details, 'utf8'), /id: \(u1\)\nScores: \(#C #S #D #I\) 2 0 3 3\n/);
});

test('asr-distill wer: a bad --mode is a usage error (exit 2)', async () => {
  const r = await runCli('wer', '--mode', 'some', ref, hyp);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /expected one of strict, present, all, got 'some'/);
});

test('binary garbage given to asr-distill wer is not echoed raw to the terminal', async () => {
  const garbage = path.join(dir, 'garbage.bin');
  // Random-looking bytes with a NUL, ESC sequences and invalid UTF-8 (as from `wer ref.txt model.bin`).
  writeFileSync(garbage, Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x20, 0x9b, 0x00, 0xff, 0x1b, 0x5d, 0x30, 0x3b, 0x07]));
  const r = await runCli('wer', ref, garbage);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `asr-distill wer: ${garbage}: not a text file (byte 6 is a NUL byte: binary data?); expected Kaldi text: 'uttid word word ...' per line\n`,
  );
  // Valid UTF-8 that carries terminal control sequences as utterance ids: escaped in the message.
  const esc = path.join(dir, 'esc.txt');
  writeFileSync(esc, '\x1b[2Jclear one\n\x1b]0;title\x07 two\n');
  const e = await runCli('wer', ref, esc);
  assert.equal(e.code, 1);
  assert.equal(
    e.stderr,
    `asr-distill wer: ${esc}: utterances \\x1b[2Jclear, \\x1b]0;title\\x07 not in the reference ${ref}; remove them or score against the right reference\n`,
  );
  assert.doesNotMatch(r.stderr + e.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, 'no control characters but newlines reach the terminal');
});

test('a UTF-8 byte order mark at the start of a transcript gets its own message', async () => {
  const bom = path.join(dir, 'bom.txt');
  writeFileSync(bom, '\ufeffu1 c c c a a\nu2 one two\n');
  const r = await runCli('wer', bom, hyp);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `asr-distill wer: ${bom}: starts with a UTF-8 byte order mark (BOM, bytes EF BB BF); Kaldi files have none: remove it, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' ${bom}\n`,
  );
});
