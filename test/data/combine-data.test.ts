import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { combineDataDirs } from '../../src/data/combine-data.js';
import { readDataDirTables, writeDataDirTables } from '../../src/data/data-dir-tables.js';
import { writeToolsFixture } from './data-dir-fixture.js';

test('combineDataDirs: the union, sorted; files not in every source are left out; clashing ids refused', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'combine-'));
  try {
    const x = await writeToolsFixture(path.join(root, 'x'), 'x');
    const y = await writeToolsFixture(path.join(root, 'y'), 'y');
    await fs.rm(path.join(y, 'utt2dur'));
    const r = await combineDataDirs(path.join(root, 'xy'), [y, x]);
    assert.equal(r.data.utterances.length, 12);
    assert.deepEqual(r.dropped, ['utt2dur']);
    assert.deepEqual([...r.data.spk2utt.keys()], ['xa', 'xb', 'xc', 'ya', 'yb', 'yc']);
    assert.equal((await fs.readFile(path.join(root, 'xy', 'wav.scp'), 'utf8')).split('\n')[0], 'xrec1 ../x/wav/xrec1.wav');
    await assert.rejects(fs.access(path.join(root, 'xy', 'utt2dur')));

    // Parts that share a speaker and a recording: fine while their lines agree, refused otherwise.
    const t1 = await readDataDirTables(x);
    const shared = await writeDataDirTables(path.join(root, 'c'), [{ tables: t1, uttIds: ['xc-1'] }, { tables: t1, uttIds: ['xc-2', 'xc-3'] }]);
    assert.deepEqual(shared.data.spk2utt.get('xc'), ['xc-1', 'xc-2', 'xc-3']);
    const t2 = await readDataDirTables(x);
    t2.tables.get('spk2gender')!.set('xc', 'm');
    await assert.rejects(
      writeDataDirTables(path.join(root, 'g'), [{ tables: t1, uttIds: ['xc-1'] }, { tables: t2, uttIds: ['xc-2'] }]),
      /speaker xc has different spk2gender lines in .*x and .*x; ids must mean the same thing in every directory/,
    );
    await assert.rejects(combineDataDirs(path.join(root, 'xx'), [x, path.join(root, 'xy')]), /utterance xa-1 is in both .*x and .*xy; utterance ids must be unique/);
    await assert.rejects(combineDataDirs(path.join(root, 'none'), []), /give at least one source directory/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
