import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArch } from '../../src/nnet/arch.js';
import { createAcousticForward, createTrainer, tfjsAcousticForward } from '../../src/nnet/engine.js';
import { AcousticForward, loadAcousticModel } from '../../src/nnet/ensemble.js';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { TrainStep } from '../../src/nnet/tfjs/train-step.js';
import { OrtTrainStep } from '../../src/nnet/ort/train-step.js';
import { initDnnWeights } from '../../src/nnet/weights.js';
import { tinyTransitionModel, writeRandomEnsemble } from './pipeline-fixtures.js';

test('createTrainer: OrtTrainStep for ort, else TrainStep on the current tfjs backend, named as the log records it', async () => {
  await selectBackend('cpu');
  const w = initDnnWeights(parseArch('1x4'), 3, 2, 1);
  const opts = { optimizer: 'sgd' as const, momentum: 0.9, loss: { kind: 'ce' as const, temperature: 1, hardWeight: 1, softWeight: 0 } };
  const tfjs = await createTrainer(undefined, w, opts);
  assert.equal(tfjs.engine, 'cpu');
  assert.ok(tfjs.trainer instanceof TrainStep);
  const named = await createTrainer('wasm', w, opts);
  assert.equal(named.engine, 'cpu', 'a tfjs name trains on the backend this thread selected');
  const ort = await createTrainer('ort', w, opts);
  assert.equal(ort.engine, 'ort');
  assert.ok(ort.trainer instanceof OrtTrainStep);
  // Both start from the given weights.
  assert.deepEqual(ort.trainer.weights().layers[0].W, w.layers[0].W);
  for (const t of [tfjs, named, ort]) t.trainer.dispose();
});

test('tfjsAcousticForward and createAcousticForward run every member; AcousticForward needs one net per member', async () => {
  await selectBackend('cpu');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'engine-'));
  await writeRandomEnsemble(dir, { featDim: 2, left: 0, right: 0, tm: tinyTransitionModel(2, 2), seeds: [1, 2] });
  const model = await loadAcousticModel(dir);
  const x = Float32Array.of(0.5, -1, 2, 0.25);
  const a = tfjsAcousticForward(model);
  const b = await createAcousticForward(model, 'ort');
  assert.equal(a.memberLogits(x, 2).length, 2);
  const pa = a.posteriors(x, 2);
  const pb = b.posteriors(x, 2);
  pa.forEach((p, i) => assert.ok(Math.abs(p - pb[i]) < 1e-5, `${p} vs ${pb[i]}`));
  assert.throws(() => new AcousticForward(model, []), /AcousticForward: 0 forward passes for 2 members/);
  a.dispose();
  b.dispose();
  await fs.rm(dir, { recursive: true });
});
