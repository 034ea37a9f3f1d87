import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobRunner } from '../../src/jobs/runner.js';
import { initGmmSet, numComponents } from '../../src/hmm/gmm.js';
import { processShard } from '../../src/hmm/hmm-worker.js';
import { runPass } from '../../src/hmm/shard-pass.js';
import { buildTransitionIndex } from '../../src/hmm/transitions.js';
import { globalMeanVar } from '../../src/hmm/train-mono.js';
import { syntheticCorpus } from './synthetic.js';

test('processShard: equal alignment, then fixed accumulation gives the same statistics; runPass over workers sums the shards', async () => {
  const s = syntheticCorpus(6, 9);
  const { corpus, tm } = s;
  const { mean, variance } = globalMeanVar(corpus.feats, corpus.totalFrames, corpus.dim);
  const gmm = initGmmSet(tm.numPdfs, mean, variance);
  const tids = new Int32Array(new SharedArrayBuffer(corpus.totalFrames * 4));
  const utts = corpus.uttIds.map((uttId, i) => ({ uttId, offset: corpus.offsets[i], numFrames: corpus.numFrames[i], slots: corpus.slots[i] }));
  const base = { gmm, tm, feats: corpus.feats, dim: corpus.dim, tids, utts };
  const reports: unknown[] = [];
  const eq = processShard({ ...base, mode: 'equal', accumulate: true }, { report: (m) => reports.push(m) });
  assert.deepEqual(reports, [{ done: 6 }]);
  assert.equal(eq.numFrames, corpus.totalFrames);
  const fixed = processShard({ ...base, mode: 'fixed', accumulate: true, stateAccuracy: true });
  assert.deepEqual(fixed.stats!.occ, eq.stats!.occ);
  assert.equal(fixed.totLogLike, eq.totLogLike);
  // All pdfs share one Gaussian: every pdf ties for best, the first one wins.
  const idx = buildTransitionIndex(tm);
  let firstPdf = 0;
  for (let t = 0; t < corpus.totalFrames; t++) if (idx.tidPdf[tids[t]] === 0) firstPdf++;
  assert.equal(fixed.stateCorrect, firstPdf);
  const vit = processShard({ ...base, tids: new Int32Array(corpus.totalFrames), mode: 'viterbi', accumulate: false });
  assert.equal(vit.stats, undefined);
  assert.equal(vit.failed.length, 0);

  const runner = createJobRunner({ jobs: 2 });
  try {
    const r = await runPass(runner, corpus, corpus.uttIds.map((_, i) => i), gmm, tm, tids, { mode: 'fixed', accumulate: true });
    assert.equal(r.numFrames, corpus.totalFrames);
    for (let c = 0; c < numComponents(gmm); c++) assert.ok(Math.abs(r.stats!.occ[c] - fixed.stats!.occ[c]) < 1e-9, `occ ${c}: ${r.stats!.occ[c]} vs ${fixed.stats!.occ[c]}`);
    assert.ok(Math.abs(r.totLogLike - fixed.totLogLike) < 1e-6 * Math.abs(fixed.totLogLike), `${r.totLogLike} vs ${fixed.totLogLike}`);
    assert.deepEqual(Array.from(r.transCounts!), Array.from(fixed.transCounts!));
  } finally {
    await runner.close();
  }
});
