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
