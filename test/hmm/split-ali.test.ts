import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { splitAliDir } from '../../src/hmm/split-ali.js';
import { combineAliDirs } from '../../src/hmm/combine-ali.js';
import { readAlignments, writeAlignments } from '../../src/hmm/ali-archive.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { readDataDir } from '../../src/data/data-dir.js';
import { splitDataDir } from '../../src/data/split-data.js';
import { writeToolsFixture } from '../data/data-dir-fixture.js';
import { makeLang, withTmp } from './helpers.js';
import { walk } from './ali-fixture.js';

test('splitAliDir gives the parts of split-data (failed utterances included); combineAliDirs restores the archive byte for byte', () =>
  withTmp(async (dir) => {
    const data = await writeToolsFixture(path.join(dir, 'data'));
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const uw = lang.phoneIds.get('UW')!;
    const alis = ['a-1', 'a-2', 'c-1', 'c-2', 'c-3'].map((u, i) => walk(tm, u, uw, 3 + i));
    const src = path.join(dir, 'ali');
    await writeAlignments(src, alis, { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed: [{ uttId: 'b-1', reason: 'OOV' }], avgLogLike: -3 }, tm, lang);
    const spk2utt = (await readDataDir(data)).spk2utt;
    const parts = await splitAliDir(src, path.join(dir, 'split2'), 2, spk2utt, data);
    const dataParts = await splitDataDir(data, path.join(dir, 'dsplit2'), 2);
    for (let p = 0; p < 2; p++) {
      const r = await readAlignments(path.join(dir, 'split2', String(p + 1)));
      const ids = [...r.alis.keys(), ...r.info.failed.map((f) => f.uttId)].sort();
      assert.deepEqual(ids, dataParts[p].data.utterances.map((u) => u.uttId));
      assert.equal(r.info.avgLogLike, undefined, 'a whole-corpus figure is not kept for a part');
    }
    assert.deepEqual(parts.map((p) => p.failed.length), [1, 0]);
    const back = path.join(dir, 'back');
    await combineAliDirs(back, [1, 2].map((p) => path.join(dir, 'split2', String(p))));
    assert.deepEqual(await fs.readFile(path.join(back, 'ali.arrow')), await fs.readFile(path.join(src, 'ali.arrow')));
    assert.equal(await fs.readFile(path.join(back, 'failed'), 'utf8'), 'b-1 OOV\n');

    // An alignment of an utterance the data directory does not have.
    const other = path.join(dir, 'other');
    await writeAlignments(other, [walk(tm, 'q-1', uw, 4)], { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed: [] }, tm, lang);
    await assert.rejects(splitAliDir(other, path.join(dir, 'x'), 2, spk2utt, data), {
      message: `${path.join(other, 'ali.arrow')}: utterance q-1 is not in ${data}; split with the data directory the alignment was made from`,
    });
    await assert.rejects(splitAliDir(src, path.join(dir, 'y'), 4, spk2utt, data), { message: `${data} has 3 speakers, fewer than the 4 parts asked for; split into at most 3` });
  }));
