import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDataDirTables, writeDataDirTables } from '../../src/data/data-dir-tables.js';
import { loadUtteranceAudio } from '../../src/data/audio.js';
import { isInputError } from '../../src/errors.js';
import { writeToolsFixture } from './data-dir-fixture.js';

test('a selection keeps its segments, recordings, durations and genders; wav.scp still points at the audio', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dd-tables-'));
  try {
    const src = await writeToolsFixture(path.join(root, 'src'));
    const tables = await readDataDirTables(src);
    const out = path.join(root, 'elsewhere', 'sel');
    const r = await writeDataDirTables(out, [{ tables, uttIds: ['a-2', 'c-1'] }]);
    assert.deepEqual(r.dropped, []);
    assert.deepEqual(r.data.utterances.map((u) => [u.uttId, u.speakerId, u.recordingId, u.segment?.startSec, u.words?.join(' ')]), [
      ['a-2', 'a', 'rec1', 1, 'TWO THREE'],
      ['c-1', 'c', 'rec3', 0, 'FIVE'],
    ]);
    const read = (f: string) => fs.readFile(path.join(out, f), 'utf8');
    assert.equal(await read('wav.scp'), `rec1 ../../src/wav/rec1.wav\nrec3 cd ${src} && cat wav/rec3.wav |\n`);
    assert.equal(await read('segments'), 'a-2 rec1 1.0 2.5\nc-1 rec3 0 1\n');
    assert.equal(await read('utt2dur'), 'a-2 1.5\nc-1 1.0\n');
    assert.equal(await read('spk2gender'), 'a f\nc f\n');
    assert.equal(await read('spk2utt'), 'a a-2\nc c-1\n');
    // Both the relative path and the piped command still load the audio from the new place.
    for (const u of r.data.utterances) assert.equal((await loadUtteranceAudio(u, { sampleRate: 16000 })).length, 16000 * (u.uttId === 'a-2' ? 1.5 : 1));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('an empty selection and a duplicate id in an extra file are InputErrors', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dd-tables-'));
  try {
    const src = await writeToolsFixture(path.join(root, 'src'));
    const tables = await readDataDirTables(src);
    await assert.rejects(writeDataDirTables(path.join(root, 'none'), [{ tables, uttIds: [] }]), /the selection is empty; nothing to write/);
    await assert.rejects(writeDataDirTables(path.join(root, 'x'), [{ tables, uttIds: ['zz'] }]), new RegExp(`${src}: no utterance zz`));
    await fs.appendFile(path.join(src, 'utt2dur'), 'a-1 9.0\n');
    await assert.rejects(readDataDirTables(src), (e: unknown) => isInputError(e) && /utt2dur line 7: duplicate id a-1; each id must appear once/.test((e as Error).message));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
