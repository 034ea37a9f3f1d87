import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { rm } from 'node:fs/promises';
import { concatGmmCorpora, gatherGmmCorpus, loadCmvn, loadGmmCorpus, makeGmmCorpus, newCorpusTids, shardByFrames, uttGmmFeats, withCorpusTids } from '../../src/hmm/gmm-corpus.js';
import { defaultGmmFeatureTransform } from '../../src/hmm/gmm-feats.js';
import { corpusMeanVar, globalMeanVar } from '../../src/hmm/train-mono.js';
import { readFeatsDir } from '../../src/store/feats-archive.js';
import { withTmp } from './helpers.js';
import { writeFileCorpus } from './file-corpus.js';

test('makeGmmCorpus packs features into shared memory; shardByFrames balances frames', () => {
  const c = makeGmmCorpus(
    [
      { uttId: 'a', feats: Float32Array.of(1, 2, 3, 4), numFrames: 2, slots: [] },
      { uttId: 'b', feats: Float32Array.of(5, 6), numFrames: 1, slots: [] },
    ],
    2,
  );
  assert.ok(c.feats.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(Array.from(c.offsets), [0, 2]);
  assert.deepEqual(Array.from(c.feats), [1, 2, 3, 4, 5, 6]);
  assert.equal(c.totalFrames, 3);
  assert.throws(() => makeGmmCorpus([{ uttId: 'x', feats: new Float32Array(3), numFrames: 2, slots: [] }], 2), { message: 'utterance x: 3 values is not 2 x 2' });
  assert.deepEqual(shardByFrames(Int32Array.of(10, 10, 10, 10), 2), [[0, 1], [2, 3]]);
  assert.deepEqual(shardByFrames(Int32Array.of(30, 1, 1, 1), 2), [[0], [1, 2, 3]]);
  assert.deepEqual(shardByFrames(Int32Array.of(5), 4), [[0]]);
});

test('concatGmmCorpora joins corpora in order with their failures, in memory or spilled to a scratch file; refuses duplicate ids and mixed dims', async () => {
  const slot = [{ phones: [1], optional: false }] as never;
  const a = makeGmmCorpus([{ uttId: 'a1', feats: Float32Array.of(1, 2, 3, 4), numFrames: 2, slots: slot }], 2, [{ uttId: 'a9', reason: 'no features' }]);
  const b = makeGmmCorpus(
    [
      { uttId: 'b1', feats: Float32Array.of(5, 6), numFrames: 1, slots: [] },
      { uttId: 'b2', feats: Float32Array.of(7, 8, 9, 10), numFrames: 2, slots: [] },
    ],
    2,
    [{ uttId: 'b9', reason: 'OOV' }],
  );
  const c = await concatGmmCorpora([a, b]);
  assert.deepEqual(c.uttIds, ['a1', 'b1', 'b2']);
  assert.deepEqual(Array.from(c.feats), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(Array.from(c.offsets), [0, 2, 3]);
  assert.deepEqual(Array.from(c.numFrames), [2, 1, 2]);
  assert.equal(c.totalFrames, 5);
  assert.ok(c.feats.buffer instanceof SharedArrayBuffer);
  assert.equal(c.slots[0], slot);
  assert.deepEqual(c.failed.map((f) => f.uttId), ['a9', 'b9']);
  await assert.rejects(() => concatGmmCorpora([a, a]), { message: 'utterance a1 is in two of the training sets; utterance ids must be unique across them' });
  const d3 = makeGmmCorpus([{ uttId: 'c1', feats: Float32Array.of(1, 2, 3), numFrames: 1, slots: [] }], 3);
  await assert.rejects(() => concatGmmCorpora([a, d3]), { message: 'cannot train on feature sets of dims 2 and 3 together; extract every set with the same feature config' });
  await withTmp(async (dir) => {
    // Over a budget of 4 frames: the 5 frames go to a scratch file, read back utterance by utterance.
    const s = await concatGmmCorpora([a, b], { scratchDir: path.join(dir, 'scratch'), maxMemoryFrames: 4 });
    assert.equal(s.feats.length, 0);
    assert.ok(s.featsFile?.startsWith(path.join(dir, 'scratch')));
    assert.deepEqual([0, 1, 2].map((i) => Array.from(uttGmmFeats(s, i))), [[1, 2, 3, 4], [5, 6], [7, 8, 9, 10]]);
    assert.deepEqual(Array.from(s.offsets), [0, 2, 3]);
    // Statistics read utterance by utterance are those of the corpus in memory.
    assert.deepEqual(corpusMeanVar(s), globalMeanVar(c.feats, c.totalFrames, 2));
    assert.deepEqual(corpusMeanVar(c), globalMeanVar(c.feats, c.totalFrames, 2));
    // From a spilled part, a subset stays spilled; in memory again under the budget only when no part is spilled.
    const sub = await gatherGmmCorpus([{ corpus: s, rows: [2] }], [], { scratchDir: path.join(dir, 'scratch') });
    assert.deepEqual(Array.from(uttGmmFeats(sub, 0)), [7, 8, 9, 10]);
    const tids = await newCorpusTids(s);
    assert.ok(!(tids instanceof Int32Array));
    await withCorpusTids(tids, (read, write) => {
      write(2, Int32Array.of(5, 6));
      assert.deepEqual(Array.from(read(0, 5)), [0, 0, 5, 6, 0]);
    });
    assert.ok((await newCorpusTids(c)) instanceof Int32Array);
  });
});

test('loadGmmCorpus lists unusable utterances; loadCmvn falls back to computed statistics with a note', async () => {
  await withTmp(async (dir) => {
    const fc = await writeFileCorpus(dir, 6);
    const tr = defaultGmmFeatureTransform();
    const { corpus, featsInfo } = await loadGmmCorpus(fc.dataDir, fc.featsDir, fc.lang, tr);
    assert.equal(featsInfo.dim, 40);
    assert.equal(corpus.dim, 39);
    assert.equal(corpus.uttIds.length, 7, '6 good + the too-short one (found later, by the aligner)');
    assert.deepEqual(corpus.failed.map((f) => f.uttId), [fc.bad.oov, fc.bad.noFeats]);
    const notes: string[] = [];
    await rm(path.join(fc.featsDir, 'cmvn.json'));
    const { utts } = await readFeatsDir(fc.featsDir);
    const c = await loadCmvn(fc.featsDir, utts.values(), 'speaker', (m) => notes.push(m));
    assert.equal(c.per, 'speaker');
    assert.deepEqual(Object.keys(c.stats), ['spk0', 'spk1', 'spk2']);
    assert.deepEqual(notes, [`${fc.featsDir}/cmvn.json not found; computing per-speaker statistics from the features (run 'asr-distill compute-cmvn' to store them)`]);
  });
});
