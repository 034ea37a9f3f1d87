import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { buildFrameCorpus, corpusFrames } from '../../src/nnet/batches.js';
import { readSoftTargetCache, writeSoftTargetCache } from '../../src/nnet/soft-target-cache.js';
import { TopKTargets } from '../../src/nnet/targets.js';
import { synthUtterances } from './pipeline-fixtures.js';

test('the soft-target cache is written in record batches of bounded size and read back batch by batch', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'soft-cache-'));
  const corpus = buildFrameCorpus(synthUtterances({ numUtts: 6, dim: 2, numPdfs: 6, seed: 5, minFrames: 4, maxFrames: 9 }), 2, 6);
  const k = 2;
  const n = corpusFrames(corpus);
  const ids = Int32Array.from({ length: n * k }, (_, i) => i % 6);
  const probs = Float32Array.from({ length: n * k }, (_, i) => (i % 7) / 7);
  const t = new TopKTargets(6, k, ids, probs);
  const key = { temperature: 2, teacherId: 'a'.repeat(64), teacherDir: '/teacher', engine: 'cpu' };
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

test('a soft-target cache records its engine, K and input features: written on one engine, it is refused on another, with another K or other features', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'soft-cache-engine-'));
  const corpus = buildFrameCorpus(synthUtterances({ numUtts: 2, dim: 2, numPdfs: 6, seed: 5, minFrames: 3, maxFrames: 4 }), 2, 6);
  const n = corpusFrames(corpus);
  const t = new TopKTargets(6, 2, Int32Array.from({ length: n * 2 }, (_, i) => i % 6), Float32Array.from({ length: n * 2 }, () => 0.5));
  const key = { temperature: 2, teacherId: 'b'.repeat(64), teacherDir: '/teacher', engine: 'ort', k: 2 };
  const file = path.join(tmp, 'soft.arrow');
  await writeSoftTargetCache(file, corpus, t, key);
  const meta = JSON.parse(tableFromIPC(await fs.readFile(file)).schema.metadata.get('asr_distill_soft_targets')!);
  assert.equal(meta.engine, 'ort');
  assert.equal((await readSoftTargetCache(file, corpus, key)).k, 2);
  await assert.rejects(readSoftTargetCache(file, corpus, { ...key, engine: 'wasm' }), {
    name: 'InputError',
    message: `${file}: computed on engine ort, not wasm; engines round differently, so the targets would not be the ones this run computes; delete it to recompute, or choose another --cache file`,
  });
  await assert.rejects(readSoftTargetCache(file, corpus, { ...key, k: 3 }), {
    name: 'InputError',
    message: `${file}: keeps the top 2 pdfs per frame, not 3; delete it to recompute, or choose another --cache file`,
  });
  // K above the pdf count keeps every pdf: a cache of top-6 of 6 pdfs serves top-20.
  await writeSoftTargetCache(file, corpus, new TopKTargets(6, 6, new Int32Array(n * 6), new Float32Array(n * 6)), key);
  assert.equal((await readSoftTargetCache(file, corpus, { ...key, k: 20 })).k, 6);
  // Other feature values for an utterance (e.g. CMVN recomputed): refused, naming the utterance.
  await writeSoftTargetCache(file, corpus, t, key);
  const changed = { ...corpus, feats: corpus.feats.slice() };
  changed.feats[corpus.uttStart[1] * corpus.dim] += 0.5;
  await assert.rejects(readSoftTargetCache(file, changed, key), {
    name: 'InputError',
    message: `${file}: utterance ${corpus.uttIds[1]} had other features when the cache was written (features or CMVN changed since); delete it to recompute`,
  });
  // A cache from before the engine was recorded is refused, not trusted.
  const { engine: _engine, ...old } = key;
  await writeSoftTargetCache(file, corpus, t, old as typeof key);
  await assert.rejects(readSoftTargetCache(file, corpus, key), {
    name: 'InputError',
    message: `${file}: computed on an unrecorded engine (written before caches recorded it), not ort; engines round differently, so the targets would not be the ones this run computes; delete it to recompute, or choose another --cache file`,
  });
  await fs.rm(tmp, { recursive: true });
});
