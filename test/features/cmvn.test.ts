import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyCmvn, CmvnStatsBuilder, computeCmvnStats, computeCmvnStatsOfDir, mergeCmvnStats, readCmvn, subsetCmvnStats, writeCmvn } from '../../src/features/cmvn.js';
import { writeFeatsDir } from '../../src/store/feats-archive.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import type { UttFeats } from '../../src/store/feats-archive.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { isInputError } from '../../src/errors.js';

function utt(uttId: string, speakerId: string, numFrames: number, mean: number[], sd: number, seed: number): UttFeats {
  const rng = makeRng(seed);
  const dim = mean.length;
  const data = new Float32Array(numFrames * dim);
  for (let t = 0; t < numFrames; t++) for (let d = 0; d < dim; d++) data[t * dim + d] = mean[d] + sd * randNormal(rng);
  return { uttId, speakerId, numFrames, dim, data };
}

const utts = [utt('a1', 'a', 200, [10, -3], 2, 1), utt('a2', 'a', 300, [10, -3], 2, 2), utt('b1', 'b', 250, [-4, 7], 0.5, 3)];

test('computeCmvnStats accumulates count, sum and sum of squares per speaker or utterance', () => {
  const spk = computeCmvnStats(utts, 'speaker');
  assert.equal(spk.per, 'speaker');
  assert.equal(spk.dim, 2);
  assert.deepEqual(Object.keys(spk.stats), ['a', 'b']);
  assert.equal(spk.stats.a.count, 500);
  let sum0 = 0;
  let sq1 = 0;
  for (const u of utts.slice(0, 2)) {
    for (let t = 0; t < u.numFrames; t++) {
      sum0 += u.data[2 * t];
      sq1 += u.data[2 * t + 1] ** 2;
    }
  }
  assert.ok(Math.abs(spk.stats.a.sum[0] - sum0) < 1e-6);
  assert.ok(Math.abs(spk.stats.a.sumSq[1] - sq1) < 1e-6);
  const per = computeCmvnStats(utts, 'utterance');
  assert.deepEqual(Object.keys(per.stats), ['a1', 'a2', 'b1']);
  assert.equal(per.stats.a2.count, 300);
});

test('applyCmvn subtracts the mean (always) and divides by the deviation (normVars)', () => {
  const cmvn = computeCmvnStats(utts, 'speaker');
  const b = utts[2];
  const meanOnly = applyCmvn(b, cmvn);
  const normed = applyCmvn(b, cmvn, { normVars: true });
  assert.notEqual(meanOnly, b.data);
  for (let d = 0; d < 2; d++) {
    let m = 0;
    let v = 0;
    let rawVar = 0;
    for (let t = 0; t < b.numFrames; t++) {
      m += meanOnly[t * 2 + d] / b.numFrames;
      v += normed[t * 2 + d] ** 2 / b.numFrames;
      rawVar += meanOnly[t * 2 + d] ** 2 / b.numFrames;
    }
    assert.ok(Math.abs(m) < 1e-5, `mean ${m}`);
    assert.ok(Math.abs(v - 1) < 1e-4, `variance ${v}`);
    assert.ok(Math.abs(rawVar - 0.25) < 0.05, 'mean-only keeps the variance');
  }
  // A constant dimension: variance floored at 1e-20 rather than dividing by zero.
  const flat: UttFeats = { uttId: 'f', speakerId: 'f', numFrames: 3, dim: 1, data: Float32Array.of(2, 2, 2) };
  const flatNormed = applyCmvn(flat, computeCmvnStats([flat], 'utterance'), { normVars: true });
  assert.deepEqual(Array.from(flatNormed), [0, 0, 0]);
});

test('applyCmvn errors name the missing speaker / utterance and insufficient counts', () => {
  const cmvn = computeCmvnStats(utts.slice(0, 2), 'speaker');
  assert.throws(() => applyCmvn(utts[2], cmvn), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal((e as Error).message, 'cmvn.json has no stats for speaker b (utterance b1); re-run `asr-distill compute-cmvn` on the features you are using');
    return true;
  });
  const empty: UttFeats = { uttId: 'e', speakerId: 'e', numFrames: 0, dim: 2, data: new Float32Array(0) };
  assert.throws(() => applyCmvn(empty, computeCmvnStats([empty], 'utterance')), {
    message: 'cmvn.json: insufficient stats for utterance e: count = 0 (Kaldi apply-cmvn needs >= 1)',
  });
  const oneDim: UttFeats = { uttId: 'a1', speakerId: 'a', numFrames: 1, dim: 1, data: Float32Array.of(1) };
  assert.throws(() => applyCmvn(oneDim, cmvn), { message: 'utterance a1: dim 1 but cmvn.json has dim 2; re-run compute-cmvn' });
  assert.throws(() => computeCmvnStats([utts[0], oneDim], 'speaker'), {
    message: 'utterance a1: dim 1 differs from 2; all features must come from one config',
  });
});

test('writeCmvn / readCmvn round-trip and readCmvn reports missing or bad files', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cmvn-'));
  await assert.rejects(readCmvn(dir), { message: `${path.join(dir, 'cmvn.json')} not found; run \`asr-distill compute-cmvn ${dir}\` first` });
  const cmvn = computeCmvnStats(utts, 'utterance');
  await writeCmvn(dir, cmvn);
  assert.deepEqual(await readCmvn(dir), cmvn);
  writeFileSync(path.join(dir, 'cmvn.json'), JSON.stringify({ ...cmvn, dim: 3 }));
  await assert.rejects(readCmvn(dir), { message: `${path.join(dir, 'cmvn.json')}: stats of a1 do not have dim 3; re-run asr-distill compute-cmvn` });
  writeFileSync(path.join(dir, 'cmvn.json'), JSON.stringify({ per: 'global' }));
  await assert.rejects(readCmvn(dir), {
    message: `${path.join(dir, 'cmvn.json')}: expected { per: "utterance"|"speaker", dim, stats }; re-run asr-distill compute-cmvn`,
  });
});

test('mergeCmvnStats sums the stats of a speaker split over sources; subsetCmvnStats keeps the given keys', () => {
  const whole = computeCmvnStats(utts, 'speaker');
  // Speaker a's utterances in two sources: the sums add up to the stats of the whole.
  const merged = mergeCmvnStats([computeCmvnStats([utts[0]], 'speaker'), computeCmvnStats(utts.slice(1), 'speaker')], ['x', 'y']);
  assert.equal(merged.stats.a.count, 500);
  for (let d = 0; d < 2; d++) assert.ok(Math.abs(merged.stats.a.sum[d] - whole.stats.a.sum[d]) < 1e-9 && Math.abs(merged.stats.a.sumSq[d] - whole.stats.a.sumSq[d]) < 1e-6);
  assert.deepEqual(merged.stats.b, whole.stats.b);
  assert.throws(() => mergeCmvnStats([whole, computeCmvnStats(utts, 'utterance')], ['x', 'y']), {
    message: 'y: cmvn.json has stats per utterance of dim 2 but x per speaker of dim 2; run compute-cmvn the same way on every directory',
  });
  assert.deepEqual(subsetCmvnStats(whole, ['b', 'zz']), { per: 'speaker', dim: 2, stats: { b: whole.stats.b } });
});

test('computeCmvnStatsOfDir streams the archive and gives computeCmvnStats\'s numbers exactly, a speaker spread over shards too', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cmvn-dir-'));
  // Speaker a in both shards.
  await writeFeatsDir(dir, defaultFbankConfig(), 10, [[utts[0], utts[2]], [utts[1]]]);
  for (const per of ['speaker', 'utterance'] as const) {
    const { info, cmvn } = await computeCmvnStatsOfDir(dir, per);
    assert.equal(info.numFrames, 750);
    assert.deepEqual(cmvn, computeCmvnStats([utts[0], utts[2], utts[1]], per));
  }
  const b = new CmvnStatsBuilder('speaker');
  b.add(utts[0]);
  assert.throws(() => b.add({ ...utts[1], dim: 3, data: new Float32Array(9), numFrames: 3 }), { message: 'utterance a2: dim 3 differs from 2; all features must come from one config' });
  assert.equal(b.stats().stats.a.count, 200);
  rmSync(dir, { recursive: true, force: true });
});
