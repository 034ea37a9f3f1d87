import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobRunner } from '../../src/jobs/runner.js';
import { defaultRealignIters, globalMeanVar, trainMonoCore } from '../../src/hmm/train-mono.js';
import { buildTransitionIndex } from '../../src/hmm/transitions.js';
import { syntheticCorpus } from './synthetic.js';

test('defaultRealignIters is Kaldi train_mono.sh realign_iters below the iteration count', () => {
  assert.deepEqual(defaultRealignIters(13), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]);
  assert.deepEqual(defaultRealignIters(40).slice(-3), [32, 35, 38]);
});

test('globalMeanVar', () => {
  const { mean, variance } = globalMeanVar(Float32Array.of(1, 10, 3, 10), 2, 2);
  assert.deepEqual(Array.from(mean), [2, 10]);
  assert.equal(variance[0], 1);
  assert.ok(variance[1] > 0 && variance[1] < 1e-9, 'a constant dimension gets a tiny positive variance');
});

test('flat-start training on a synthetic corpus: likelihood rises and the alignment recovers the true states', async () => {
  const s = syntheticCorpus(40, 3);
  const lines: string[] = [];
  const runner = createJobRunner({ jobs: 2 });
  let r;
  try {
    r = await trainMonoCore(s.corpus, s.tm, runner, { iters: 8, totalGauss: 60, quiet: true, log: (l) => lines.push(l) });
  } finally {
    await runner.close();
  }
  const ll = r.iterations.map((i) => i.avgLogLike);
  for (let i = 1; i < ll.length; i++) assert.ok(ll[i] >= ll[i - 1] - 1e-6, `log-likelihood must rise: ${ll.map((x) => x.toFixed(3))}`);
  assert.ok(ll[ll.length - 1] > ll[0] + 3, 'the flat start is far from the trained model');
  // Frames are N(mean, I) in 6 dims: the true model's average log-likelihood is -3 log(2 pi) - 3.
  assert.ok(Math.abs(ll[ll.length - 1] - (-3 * Math.log(2 * Math.PI) - 3)) < 0.2, `final ${ll[ll.length - 1]}`);
  assert.equal(lines.length, 8);
  assert.match(lines[0], /^iter 0: equal alignment; avg log-likelihood per frame -\d+\.\d{4} over \d+ frames; \d+ Gaussians; 0 failed/);
  assert.ok(r.iterations[7].numGauss > s.tm.numPdfs, 'Gaussians were split');
  assert.ok(r.iterations[7].numGauss <= 60);
  const idx = buildTransitionIndex(r.transitionModel);
  let ok = 0;
  let okPhone = 0;
  let n = 0;
  s.corpus.uttIds.forEach((_, i) => {
    for (let t = 0; t < s.corpus.numFrames[i]; t++, n++) {
      const tid = (r.tids as Int32Array)[s.corpus.offsets[i] + t];
      if (idx.tidPdf[tid] === s.truePdfs[i][t]) ok++;
      if (idx.tidPhone[tid] === s.truePhones[i][t]) okPhone++;
    }
  });
  assert.ok(okPhone / n > 0.98, `phone accuracy ${okPhone / n}`);
  // Lower at the state level: the inner states of the 5-state silence are interchangeable.
  assert.ok(ok / n > 0.9, `state accuracy ${ok / n}`);
  assert.deepEqual(r.failed, []);
  // Transition probabilities were re-estimated (Kaldi's initial 0.75 self-loops no longer hold).
  const selfLoop = r.transitionModel.phones[s.lang.phoneIds.get('AA')!]!.states[0].arcs[0];
  assert.equal(selfLoop.to, 0);
  assert.notEqual(selfLoop.logProb, Math.log(0.75));
});
