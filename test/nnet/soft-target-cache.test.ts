import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { buildFrameCorpus, corpusFrames } from '../../src/nnet/batches.js';
import { readSoftTargetCache, TopKTargets, writeSoftTargetCache } from '../../src/nnet/soft-targets.js';
import { synthUtterances } from './pipeline-fixtures.js';

test('the soft-target cache is written in record batches of bounded size and read back batch by batch', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'soft-cache-'));
  const corpus = buildFrameCorpus(synthUtterances({ numUtts: 6, dim: 2, numPdfs: 6, seed: 5, minFrames: 4, maxFrames: 9 }), 2, 6);
  const k = 2;
  const n = corpusFrames(corpus);
  const ids = Int32Array.from({ length: n * k }, (_, i) => i % 6);
  const probs = Float32Array.from({ length: n * k }, (_, i) => (i % 7) / 7);
  const t = new TopKTargets(6, k, ids, probs);
  const key = { temperature: 2, teacherId: 'a'.repeat(64), teacherDir: '/teacher' };
  const file = path.join(tmp, 'soft.arrow');
  // At most 20 values (10 frames x K=2) per batch: utterances of 4-9 frames give one or two per batch.
  await writeSoftTargetCache(file, corpus, t, key, 20);
  const batches = tableFromIPC(await fs.readFile(file)).batches;
  assert.ok(batches.length >= 3, `${batches.length} batches`);
  assert.equal(batches.reduce((s, b) => s + b.numRows, 0), corpus.uttIds.length);
  const back = await readSoftTargetCache(file, corpus, key);
  assert.deepEqual(back.pdfIds, ids);
  assert.deepEqual(back.probs, probs);
  // The default writes one batch for a cache this small.
  await writeSoftTargetCache(file, corpus, t, key);
  assert.equal(tableFromIPC(await fs.readFile(file)).batches.length, 1);
  // A cache over fewer utterances than the data names the missing one.
  const fewer = buildFrameCorpus(synthUtterances({ numUtts: 7, dim: 2, numPdfs: 6, seed: 5, minFrames: 4, maxFrames: 9 }), 2, 6);
  await assert.rejects(readSoftTargetCache(file, fewer, key), {
    name: 'InputError',
    message: `${file}: no soft targets for utterance utt0006; the cache was computed on other data, delete it to recompute`,
  });
  await assert.rejects(readSoftTargetCache(path.join(tmp, 'none.arrow'), corpus, key), /none\.arrow: cannot read soft-target cache \(ENOENT\); delete it to recompute/);
  await fs.rm(tmp, { recursive: true });
});
