import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';

test('asr-distill wer-compare prints the bootstrap lines; modes and errors', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wer-compare-'));
  const f = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const ref = f('ref', 'u1 a b c\nu2 d e\nu3 f g h i\n');
  const a = f('a', 'u1 a x c\nu2 d\nu3 f g h\n');
  const b = f('b', 'u1 a b c\nu2 d e\n');
  const strict = await runCli('wer-compare', ref, a, b);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /no hypothesis for reference utterance u3/);
  const all = await runCli('wer-compare', '--mode', 'all', '--replications', '200', ref, a, b);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^Set1: %WER [\d.]+ 95% Conf Interval \[ -?[\d.]+, [\d.]+ \]\nSet2: .*\nDelta \(Set2 - Set1\): .*\nProbability of Set2 improving Set1: [\d.]+\n$/);
  const present = await runCli('wer-compare', '--mode', 'present', '--replications', '200', '--json', ref, a, b);
  const j = JSON.parse(present.stdout);
  assert.equal(j.numUtts, 2);
  assert.equal(j.werB, 0);
  assert.equal(j.werA, 40);
  const bad = await runCli('wer-compare', ref, a, f('c', 'u1 a\nzz b\n'), '--mode', 'present');
  assert.match(bad.stderr, /utterance zz not in the reference/);
});
