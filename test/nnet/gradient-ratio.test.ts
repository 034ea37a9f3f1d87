import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GradientRatioAccumulator, measureGradientRatios } from '../../src/nnet/gradient-ratio.js';
import { softmaxRows } from '../../src/nnet/posteriors.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { loadAcousticModel } from '../../src/nnet/ensemble.js';
import { tfjsAcousticForward } from '../../src/nnet/engine.js';
import { loadFrameCorpus, splicedChunks } from '../../src/nnet/batches.js';
import { teacherBatchTargets } from '../../src/nnet/teachers.js';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { tinyTransitionModel, writeRandomEnsemble, writeRandomModel, writeSynthCorpusDirs } from './pipeline-fixtures.js';

test('GradientRatioAccumulator: ratio and cosine approach 1 as T grows (sec. 2.1); far from it at T = 1', () => {
  const rng = makeRng(11, 'ratio');
  const frames = 20;
  const n = 12;
  const z = Float32Array.from({ length: frames * n }, () => 3 * randNormal(rng));
  const v = Float32Array.from({ length: frames * n }, () => 3 * randNormal(rng));
  const results = [1, 2, 5, 10, 20, 200].map((T) => {
    const a = new GradientRatioAccumulator(T);
    // Split in two calls: the sums accumulate across chunks.
    const soft = softmaxRows(v, n, T);
    a.add(z.subarray(0, 10 * n), soft.subarray(0, 10 * n), v.subarray(0, 10 * n), 10, n);
    a.add(z.subarray(10 * n), soft.subarray(10 * n), v.subarray(10 * n), 10, n);
    return a.result();
  });
  const gaps = results.map((r) => Math.abs(1 - r.ratio) + Math.abs(1 - r.cosine) + Math.abs(1 - r.normRatio));
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] < gaps[i - 1], `T=${results[i].temperature}: gap ${gaps[i]} >= ${gaps[i - 1]}`);
  assert.ok(gaps[0] > 0.3, `T=1 should be far from the limit (gap ${gaps[0]})`);
  assert.ok(gaps[gaps.length - 1] < 0.02, `T=200 gap ${gaps[gaps.length - 1]}`);
  for (const r of results) assert.ok(r.cosine <= 1 + 1e-9 && r.cosine > 0);
});

test('measureGradientRatios: the accumulator over the frames of FEATS_DIR, capped by maxFrames; mismatches are InputErrors', async () => {
  await selectBackend('cpu');
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradratio-'));
  const c = await writeSynthCorpusDirs(root, { name: 'dev', numUtts: 3, dim: 3, seed: 4, minFrames: 6, maxFrames: 9 });
  const tm = tinyTransitionModel(4, 3);
  assert.equal(tm.numPdfs, c.numPdfs);
  const ens = path.join(root, 'ens');
  await writeRandomEnsemble(ens, { featDim: 3, left: 1, right: 1, tm, seeds: [1, 2] });
  const student = path.join(root, 'student');
  await writeRandomModel(student, { featDim: 3, left: 1, right: 1, tm, seed: 3 });
  const r = await measureGradientRatios({ studentDir: student, teacherDir: ens, featsDir: c.featsDir, temperatures: [2, 10], maxFrames: 10, chunkFrames: 4, backend: 'cpu' });
  assert.equal(r.numFrames, 10);
  // By hand: the first 10 frames, one chunk.
  const teacher = tfjsAcousticForward(await loadAcousticModel(ens));
  const s = tfjsAcousticForward(await loadAcousticModel(student));
  const { corpus } = await loadFrameCorpus(c.featsDir, { numPdfs: c.numPdfs });
  const x = splicedChunks(corpus, { left: 1, right: 1 }, 10).next().value!.x;
  const want = new GradientRatioAccumulator(10);
  const t = teacherBatchTargets(teacher, x, 10, 10, true);
  want.add(s.memberLogits(x, 10)[0], t.soft, t.logits!, 10, c.numPdfs);
  const w = want.result();
  const got = r.ratios[1];
  assert.equal(got.temperature, 10);
  for (const k of ['ratio', 'normRatio', 'cosine'] as const) assert.ok(Math.abs(got[k] - w[k]) < 1e-5, `${k}: ${got[k]} vs ${w[k]}`);
  teacher.dispose();
  s.dispose();

  const wide = path.join(root, 'wide');
  await writeRandomModel(wide, { featDim: 3, left: 2, right: 2, tm, seed: 3 });
  await assert.rejects(measureGradientRatios({ studentDir: wide, teacherDir: ens, featsDir: c.featsDir, temperatures: [2], backend: 'cpu' }), {
    name: 'InputError',
    message: `${wide}: context 2:2 but the teacher's is 1:1; this measurement splices the frames once for both`,
  });
  await assert.rejects(measureGradientRatios({ studentDir: ens, teacherDir: ens, featsDir: c.featsDir, temperatures: [2], backend: 'cpu' }), { name: 'InputError', message: `${ens}: an ensemble; give the single student DNN` });
  await assert.rejects(measureGradientRatios({ studentDir: student, teacherDir: ens, featsDir: c.featsDir, temperatures: [0], backend: 'cpu' }), { name: 'InputError', message: '--temperatures: 0 is not a positive number (e.g. 1,2,5,10,20)' });
});
