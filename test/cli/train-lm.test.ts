import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { parseArpa } from '../../src/decode/arpa.js';

test('asr-distill train-lm writes a readable ARPA from Kaldi text or plain sentences', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'train-lm-'));
  writeFileSync(path.join(dir, 'text'), 'u1 one two\nu2 two\nu3\n');
  const out = path.join(dir, 'lm.arpa');
  const r = await runCli('train-lm', path.join(dir, 'text'), out, '--order', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `train-lm: wrote ${out} (order 2, interpolated Witten-Bell; 4 1-grams, 4 2-grams) from 2 sentences\n`);
  assert.equal(parseArpa(readFileSync(out, 'utf8'), out).order, 2);
  writeFileSync(path.join(dir, 'plain'), 'one two\n\ntwo\n');
  const r2 = await runCli('train-lm', '--no-utt-ids', path.join(dir, 'plain'), out, '--order', '1');
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(parseArpa(readFileSync(out, 'utf8'), out).ngrams[0].get('one')!.log10Prob, Number(Math.log10((1 + 3 / 3) / (5 + 3)).toFixed(6)));
  const bad = await runCli('train-lm', path.join(dir, 'text'), out, '--order', '0');
  assert.equal(bad.code, 2);
  const missing = await runCli('train-lm', path.join(dir, 'nope'), out);
  assert.equal(missing.stderr, `asr-distill train-lm: ${path.join(dir, 'nope')}: training text not found\n`);
});
