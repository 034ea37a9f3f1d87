import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnlineCmvn, globalCmvnStats } from '../../src/features/online-cmvn.js';
import { computeCmvnStats, type CmvnAccumulator } from '../../src/features/cmvn-stats.js';
import { makeRng, randNormal } from '../../src/data/random.js';

const dim = 3;
const rng = makeRng(2, 'online-cmvn');
const frames = (n: number, offset: number) => Float32Array.from({ length: n * dim }, (_, i) => offset + (i % dim) + randNormal(rng));

/** Kaldi OnlineCmvn::GetFrame written out per frame: window stats, then SmoothOnlineCmvnStats with the global prior. */
function reference(x: Float32Array, n: number, prior: CmvnAccumulator | null, cmnWindow: number, globalFrames: number, normVars: boolean): Float32Array {
  const out = new Float32Array(n * dim);
  for (let t = 0; t < n; t++) {
    const lo = Math.max(0, t - cmnWindow + 1);
    let count = t - lo + 1;
    const sum = new Array<number>(dim).fill(0);
    const sumSq = new Array<number>(dim).fill(0);
    for (let u = lo; u <= t; u++) for (let d = 0; d < dim; d++) (sum[d] += x[u * dim + d], (sumSq[d] += x[u * dim + d] ** 2));
    if (prior && count < cmnWindow) {
      const extra = Math.min(cmnWindow - count, globalFrames);
      for (let d = 0; d < dim; d++) (sum[d] += (extra / prior.count) * prior.sum[d], (sumSq[d] += (extra / prior.count) * prior.sumSq[d]));
      count += extra;
    }
    for (let d = 0; d < dim; d++) {
      const mean = sum[d] / count;
      const sd = normVars ? Math.sqrt(sumSq[d] / count - mean * mean) : 1;
      out[t * dim + d] = (x[t * dim + d] - mean) / sd;
    }
  }
  return out;
}

test('online CMVN: Kaldi OnlineCmvn (sliding window, prior from global stats), the same in any chunking', () => {
  const train = frames(500, 10);
  const cmvn = computeCmvnStats([
    { uttId: 'a', speakerId: 's1', numFrames: 200, dim, data: train.subarray(0, 200 * dim) },
    { uttId: 'b', speakerId: 's2', numFrames: 300, dim, data: train.subarray(200 * dim) },
  ], 'speaker');
  const prior = globalCmvnStats(cmvn);
  assert.equal(prior.count, 500);
  assert.ok(Math.abs(prior.sum[1] - cmvn.stats.s1.sum[1] - cmvn.stats.s2.sum[1]) < 1e-9);
  const live = frames(40, 12);
  for (const [opts, p] of [[{ cmnWindow: 600, globalFrames: 200, normVars: false }, prior], [{ cmnWindow: 8, globalFrames: 5, normVars: true }, prior], [{ cmnWindow: 10, globalFrames: 200, normVars: false }, null]] as const) {
    const want = reference(live, 40, p, opts.cmnWindow, opts.globalFrames, opts.normVars);
    for (const chunk of [40, 7, 1]) {
      const c = new OnlineCmvn(dim, p, opts);
      const got: number[] = [];
      for (let t = 0; t < 40; t += chunk) got.push(...c.push(live.subarray(t * dim, Math.min(40, t + chunk) * dim), Math.min(chunk, 40 - t)));
      assert.equal(c.framesSeen, 40);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `${JSON.stringify(opts)} chunk ${chunk} value ${i}: ${v} vs ${want[i]}`));
    }
  }
  // Without a prior, frame 0 is normalised by itself alone: zero when only the mean is removed.
  assert.deepEqual(Array.from(new OnlineCmvn(dim, null).push(live, 1)), [0, 0, 0]);
});

test('online CMVN refuses a prior of another dimension or without frames, and a bad window', () => {
  assert.throws(() => new OnlineCmvn(4, { count: 10, sum: [1, 2, 3], sumSq: [1, 2, 3] }), { name: 'InputError', message: /prior statistics have dim 3, the features 4/ });
  assert.throws(() => new OnlineCmvn(3, { count: 0, sum: [0, 0, 0], sumSq: [0, 0, 0] }), { name: 'InputError', message: /count 0/ });
  assert.throws(() => new OnlineCmvn(3, null, { cmnWindow: 0 }), { name: 'InputError', message: /cmnWindow must be an integer >= 1/ });
});
