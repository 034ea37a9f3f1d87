import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { speakerParts, splitDataDir } from '../../src/data/split-data.js';
import { writeToolsFixture } from './data-dir-fixture.js';

test('splitDataDir keeps each speaker in one part, parts contiguous and balanced by utterances', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'split-'));
  try {
    const src = await writeToolsFixture(path.join(root, 'src'));
    const two = await splitDataDir(src, path.join(root, 'split2'), 2);
    // a (2 utts) + b (1) | c (3)
    assert.deepEqual(two.map((p) => [...p.data.spk2utt.keys()]), [['a', 'b'], ['c']]);
    assert.deepEqual(two.map((p) => p.data.utterances.length), [3, 3]);
    assert.equal(await fs.readFile(path.join(root, 'split2', '2', 'segments'), 'utf8'), 'c-1 rec3 0 1\nc-2 rec3 1 2\nc-3 rec3 2 3\n');
    const three = await splitDataDir(src, path.join(root, 'split3'), 3);
    assert.deepEqual(three.map((p) => [...p.data.spk2utt.keys()]), [['a'], ['b'], ['c']]);
    await assert.rejects(splitDataDir(src, path.join(root, 'split4'), 4), /src has 3 speakers, fewer than the 4 parts asked for; split into at most 3/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('speakerParts groups whole speakers in C-locale order, parts of similar utterance counts', () => {
  const spk2utt = new Map([['c', ['c-1', 'c-2', 'c-3']], ['a', ['a-1', 'a-2']], ['b', ['b-1']]]);
  assert.deepEqual(speakerParts(spk2utt, 2, 'x'), [['a-1', 'a-2', 'b-1'], ['c-1', 'c-2', 'c-3']]);
  assert.deepEqual(speakerParts(spk2utt, 1, 'x'), [['a-1', 'a-2', 'b-1', 'c-1', 'c-2', 'c-3']]);
  assert.throws(() => speakerParts(spk2utt, 0, 'x'), { message: '0 parts: expected a positive integer' });
  assert.throws(() => speakerParts(spk2utt, 4, 'feats/x'), { message: 'feats/x has 3 speakers, fewer than the 4 parts asked for; split into at most 3' });
});
