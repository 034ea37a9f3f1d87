import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { makeOracleSetup } from '../decode/oracle-model.js';

test('asr-distill decode prints WER and RTF for an oracle model; bad options exit 2', async () => {
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-cli-')), { numUtts: 3 });
  const out = path.join(s.root, 'out');
  const r = await runCli('decode', s.modelDir, s.dataDir, out, '--feats', s.featsDir, '--jobs', '1', '--backend', 'cpu', '--acoustic-scale', '0.1:0.2:0.1');
  assert.equal(r.code, 0, r.stderr);
  const words = [...s.refs.values()].flat().length;
  assert.match(r.stdout, new RegExp(`^decode: 3 utterances \\([\\d.]+ s of audio\\), dnn model, grammar ${s.modelDir}/lang/grammar.jsgf \\(jsgf\\)\n`));
  assert.match(r.stdout, new RegExp(`acoustic scale 0.1: %WER 0.00 \\[ 0 / ${words} \\]\nacoustic scale 0.2: %WER 0.00 \\[ 0 / ${words} \\]\nbest acoustic scale: 0.1\n`));
  assert.match(r.stdout, new RegExp(`%WER 0.00 \\[ 0 / ${words}, 0 ins, 0 del, 0 sub \\]\n%SER 0.00 \\[ 0 / 3 \\]\nScored 3 sentences, 0 not present in hyp.\nRTF \\d+\\.\\d{4} \\(features`));
  // --top picks a specialists directory's active specialists: refused for a DNN before any job runs.
  const top = await runCli('decode', s.modelDir, s.dataDir, path.join(s.root, 'top'), '--feats', s.featsDir, '--jobs', '1', '--backend', 'cpu', '--top', '2');
  assert.equal(top.code, 1);
  assert.match(top.stderr, /--top 2: .* is a dnn model directory; --top picks the active specialists of a specialists directory/);
  const bad = await runCli('decode', s.modelDir, s.dataDir, out, '--acoustic-scale', '0.2:0.1:0.1');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected a positive number \(0.1\) or a sweep A:B:STEP with 0 < A <= B/);
  const badP = await runCli('decode', s.modelDir, s.dataDir, out, '--silence-prob', '1');
  assert.equal(badP.code, 2);
  assert.match(badP.stderr, /expected a probability in \[0, 1\), got '1'/);
});
