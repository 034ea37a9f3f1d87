import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatTranscript, parseTranscript, readTranscript } from '../../src/score/text-file.js';

test('parseTranscript splits on spaces and tabs, keeps empty transcripts, skips blank lines', () => {
  const t = parseTranscript('u1 one\ttwo  three\r\n\n   \nu2\nu3\tfour\n', 'text');
  assert.deepEqual([...t], [['u1', ['one', 'two', 'three']], ['u2', []], ['u3', ['four']]]);
});

test('parseTranscript: a duplicated id is an error naming file, line and utterance', () => {
  assert.throws(() => parseTranscript('u1 a\nu2 b\nu1 c\n', 'data/test/text'), {
    name: 'InputError',
    message: 'data/test/text line 3: utterance u1 is duplicated (first on line 1); keep one line per utterance',
  });
});

test('readTranscript reads a file; a missing file is an InputError; formatTranscript round-trips', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'text-'));
  const f = path.join(dir, 'text');
  writeFileSync(f, 'a x y\nb\n');
  const t = await readTranscript(f);
  assert.equal(formatTranscript(t), 'a x y\nb\n');
  await assert.rejects(readTranscript(path.join(dir, 'nope')), {
    name: 'InputError',
    message: `${path.join(dir, 'nope')}: transcript file not found (expected Kaldi text: 'uttid word word ...' per line)`,
  });
});
