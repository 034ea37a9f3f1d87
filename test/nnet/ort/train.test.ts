import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../src/nnet/backend.js';
import { trainModel, type EpochStats, type TrainOptions } from '../../../src/nnet/train.js';
import { clusterSource, clusterTrainOptions } from '../synthetic-source.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'ort-train-'));

/** Adam with the weight average and newbob rejecting worse epochs, on top of the tfjs tests' setup. */
function options(outDir: string, over: Partial<TrainOptions> = {}): TrainOptions {
  return clusterTrainOptions(outDir, {
    epochs: 3,
    optimizer: 'adam',
    learningRate: 0.01,
    newbob: { halveWhenGainBelow: 0.01, stopWhenGainBelow: 0.001, maxHalvings: 6, rejectWorse: true },
    averageDecay: 0.99,
    ...over,
  });
}

const curve = (h: EpochStats[]) => h.map(({ framesPerSec: _f, engine: _e, ...rest }) => rest);

// Stated agreement of the engines over whole epochs (float32, different summation orders): weights
// within 1e-4 (relative to 1 + |w|), losses within 1e-4, the same accuracies and learning rates.
const TOL = 1e-4;

for (const optimizer of ['adam', 'sgd'] as const) {
  test(`trainModel on ort (${optimizer}, dropout, max-norm, averaging, newbob): the same loss curve and weights as tfjs; the engine is logged`, async () => {
    await selectBackend('cpu');
    const a = await trainModel(options(tmp(), { optimizer, learningRate: optimizer === 'sgd' ? 0.05 : 0.01 }));
    const dir = tmp();
    const b = await trainModel(options(dir, { optimizer, learningRate: optimizer === 'sgd' ? 0.05 : 0.01, engine: 'ort' }));
    assert.equal(b.history.length, a.history.length);
    curve(b.history).forEach((h, i) => {
      const r = curve(a.history)[i];
      assert.equal(h.learningRate, r.learningRate);
      assert.equal(h.rejected, r.rejected);
      for (const k of ['trainLoss', 'devLoss', 'trainAcc', 'devAcc'] as const) assert.ok(Math.abs(h[k]! - r[k]!) <= TOL, `epoch ${i + 1} ${k}: ${h[k]} vs ${r[k]}`);
    });
    b.weights.layers.forEach((l, i) => {
      const ref = a.weights.layers[i];
      for (let k = 0; k < l.W.length; k++) assert.ok(Math.abs(l.W[k] - ref.W[k]) <= TOL * (1 + Math.abs(ref.W[k])), `layer ${i} W[${k}]: ${l.W[k]} vs ${ref.W[k]}`);
    });
    assert.ok(a.history.every((h) => h.engine === 'cpu'));
    const logged = readFileSync(path.join(dir, 'train.log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpochStats);
    assert.ok(logged.length === b.history.length && logged.every((h) => h.engine === 'ort'));
  });
}

test('trainModel on ort resumes exactly: 1 epoch + resume to 3 equals 3 straight', async () => {
  const straight = await trainModel(options(tmp(), { engine: 'ort' }));
  const dir = tmp();
  await trainModel(options(dir, { engine: 'ort', epochs: 1 }));
  const resumed = await trainModel(options(dir, { engine: 'ort', resume: true }));
  assert.deepEqual(curve(resumed.history), curve(straight.history));
  assert.deepEqual(resumed.weights, straight.weights);
});

test('trainModel on ort stops on a NaN batch with the error of the tfjs path', async () => {
  const train = clusterSource({ numFrames: 400, inputDim: 10, numPdfs: 5, seed: 1, poison: { epoch: 1, batch: 2 } });
  await assert.rejects(trainModel(options(tmp(), { engine: 'ort', train })), (e: Error) => {
    assert.equal(e.name, 'InputError');
    assert.match(e.message, /at epoch 2, batch 3/);
    return true;
  });
});
