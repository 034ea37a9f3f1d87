import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { splitFeatsDir } from '../../src/features/split-feats.js';
import { combineFeatsDirs } from '../../src/features/combine-feats.js';
import { computeCmvnStats, readCmvn, writeCmvn } from '../../src/features/cmvn.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { readFeatsDir, readFeatsInfo, writeFeatsDir, type UttFeats } from '../../src/store/feats-archive.js';
import { readDataDir } from '../../src/data/data-dir.js';
import { splitDataDir } from '../../src/data/split-data.js';
import { writeToolsFixture } from '../data/data-dir-fixture.js';

function utt(uttId: string, speakerId: string, numFrames: number, seed: number): UttFeats {
  return { uttId, speakerId, numFrames, dim: 3, data: Float32Array.from({ length: numFrames * 3 }, (_, i) => Math.sin(seed * 100 + i)) };
}

// Speakers a (2 utts), b (1), c (3), as the data-dir fixture; two source shards.
const UTTS = [utt('a-1', 'a', 5, 1), utt('a-2', 'a', 7, 2), utt('b-1', 'b', 4, 3), utt('c-1', 'c', 6, 4), utt('c-2', 'c', 3, 5), utt('c-3', 'c', 8, 6)];

async function withTmp(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'split-feats-'));
  try {
    await fn(root);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

test('splitFeatsDir splits by speaker like split-data, with the parts\' cmvn stats and bad_utts; combineFeatsDirs puts them back', () =>
  withTmp(async (root) => {
    const src = path.join(root, 'feats');
    await writeFeatsDir(src, defaultFbankConfig(), 10, [UTTS.slice(0, 3), UTTS.slice(3)]);
    await writeCmvn(src, computeCmvnStats(UTTS, 'speaker'));
    await fs.writeFile(path.join(src, 'bad_utts'), 'c-9 too short\nb-7 no audio\n');
    // A budget of 4 frames over 2 parts: a shard per 2 frames, i.e. one per utterance.
    const infos = await splitFeatsDir(src, path.join(root, 'split2'), 2, { maxMemoryFrames: 4 });
    assert.deepEqual(infos.map((i) => [i.numUtts, i.numFrames, i.shards.length]), [[3, 16, 3], [3, 17, 3]]);
    const part1 = await readFeatsDir(path.join(root, 'split2', '1'));
    assert.deepEqual([...part1.utts.keys()], ['a-1', 'a-2', 'b-1']);
    assert.deepEqual(part1.utts.get('a-2')!.data, UTTS[1].data);
    assert.deepEqual(await readCmvn(path.join(root, 'split2', '2')), computeCmvnStats(UTTS.slice(3), 'speaker'));
    assert.equal(await fs.readFile(path.join(root, 'split2', '1', 'bad_utts'), 'utf8'), '');
    assert.equal(await fs.readFile(path.join(root, 'split2', '2', 'bad_utts'), 'utf8'), '');
    assert.equal((await readFeatsInfo(path.join(root, 'split2', '1'))).configHash, (await readFeatsInfo(src)).configHash);

    const back = await combineFeatsDirs(path.join(root, 'back'), [path.join(root, 'split2', '1'), path.join(root, 'split2', '2')]);
    assert.equal(back.cmvn, true);
    assert.deepEqual(back.dropped, []);
    const again = await readFeatsDir(path.join(root, 'back'));
    assert.deepEqual([...again.utts.values()], UTTS);
    assert.equal(again.info.shards.length, 6);
    // Summed stats equal stats computed on the whole: cmvn is additive.
    assert.deepEqual(await readCmvn(path.join(root, 'back')), computeCmvnStats(UTTS, 'speaker'));
  }));

test('splitFeatsDir with a data directory gives the parts of split-data, skipping utterances without features', () =>
  withTmp(async (root) => {
    const data = await writeToolsFixture(path.join(root, 'data'));
    const src = path.join(root, 'feats');
    const noB = UTTS.filter((u) => u.uttId !== 'b-1'); // b-1 failed extraction
    await writeFeatsDir(src, defaultFbankConfig(), 10, [noB]);
    await fs.writeFile(path.join(src, 'bad_utts'), 'b-1 no audio\n');
    const dd = await readDataDir(data);
    const parts = await splitFeatsDir(src, path.join(root, 'split3'), 3, { spk2utt: dd.spk2utt, dataDir: data });
    const dataParts = await splitDataDir(data, path.join(root, 'dsplit3'), 3);
    assert.deepEqual(
      parts.map((p) => p.numUtts),
      dataParts.map((d) => d.data.utterances.filter((u) => u.uttId !== 'b-1').length),
    );
    assert.equal(parts[1].numUtts, 0);
    assert.equal(await fs.readFile(path.join(root, 'split3', '2', 'bad_utts'), 'utf8'), 'b-1 no audio\n');
    // An utterance the data directory lacks is refused.
    const other = path.join(root, 'feats2');
    await writeFeatsDir(other, defaultFbankConfig(), 10, [[utt('z-1', 'z', 2, 9)]]);
    await assert.rejects(splitFeatsDir(other, path.join(root, 'x'), 1, { spk2utt: dd.spk2utt, dataDir: data }), {
      message: `${path.join(other, 'feats.1.arrow')}: utterance z-1 is not in ${data}; split with the data directory the features were made from`,
    });
    await assert.rejects(splitFeatsDir(src, path.join(root, 'y'), 4), { message: `${src} has 2 speakers, fewer than the 4 parts asked for; split into at most 2` });
  }));

test('combineFeatsDirs refuses another configuration and duplicate utterances, and drops a cmvn.json only some sources have', () =>
  withTmp(async (root) => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    const c = path.join(root, 'c');
    await writeFeatsDir(a, defaultFbankConfig(), 10, [UTTS.slice(0, 2)]);
    await writeFeatsDir(b, { ...defaultFbankConfig(), lowFreq: 300 }, 10, [UTTS.slice(2, 4)]);
    await writeFeatsDir(c, defaultFbankConfig(), 10, [UTTS.slice(1, 3)]);
    await assert.rejects(combineFeatsDirs(path.join(root, 'o1'), [a, b]), (e: Error) => {
      assert.match(e.message, new RegExp(`^${b}: made with another feature configuration than ${a} \\(lowFreq: ${a} 20, ${b} 300; configHash sha256:\\w+ vs sha256:\\w+\\); combine only features extracted with the same config$`));
      return true;
    });
    await assert.rejects(combineFeatsDirs(path.join(root, 'o2'), [a, c]), {
      message: `utterance a-2 is in both ${a} and ${c}; combine feature directories of disjoint utterances (the parts of split-data or split-feats)`,
    });
    // ditherSeed only picks the noise: the same configuration.
    const d = path.join(root, 'd');
    await writeFeatsDir(d, { ...defaultFbankConfig(), ditherSeed: 77 }, 10, [UTTS.slice(4)]);
    await writeCmvn(a, computeCmvnStats(UTTS.slice(0, 2), 'utterance'));
    const r = await combineFeatsDirs(path.join(root, 'o3'), [a, d]);
    assert.equal(r.info.numUtts, 4);
    assert.equal(r.cmvn, false);
    assert.deepEqual(r.dropped, [`cmvn.json (missing in ${d}; run compute-cmvn on the result)`]);
    await assert.rejects(combineFeatsDirs(path.join(root, 'o4'), []), { message: 'give at least one feature directory to combine' });
  }));
