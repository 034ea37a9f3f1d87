import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../src/nnet/tfjs/backend.js';
import { trainModel, type EpochStats, type LossConfig, type TrainBatchSource, type TrainOptions } from '../../../src/nnet/train.js';
import { softmaxRows } from '../../../src/nnet/posteriors.js';
import { initDnnWeights } from '../../../src/nnet/weights.js';
import { makeRng, randNormal } from '../../../src/data/random.js';
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

/** `src` with the targets of a fixed random linear teacher (logits x A): soft targets at T and the logits. */
function withTeacher(src: TrainBatchSource, temperature: number): TrainBatchSource {
  const rng = makeRng(11, 'linear-teacher');
  const A = Float32Array.from({ length: src.inputDim * src.numPdfs }, () => randNormal(rng));
  return {
    inputDim: src.inputDim,
    numPdfs: src.numPdfs,
    numFrames: src.numFrames,
    *batches(epoch: number, batchSize: number) {
      for (const b of src.batches(epoch, batchSize)) {
        const z = new Float32Array(b.size * src.numPdfs);
        for (let t = 0; t < b.size; t++) {
          for (let d = 0; d < src.inputDim; d++) for (let j = 0; j < src.numPdfs; j++) z[t * src.numPdfs + j] += b.x[t * src.inputDim + d] * A[d * src.numPdfs + j];
        }
        yield { ...b, soft: softmaxRows(z, src.numPdfs, temperature), teacherLogits: z };
      }
    },
  };
}

// One epoch of each distillation loss from the same initialisation and seed (dropout, max-norm,
// momentum SGD, 13 batches of 32 with a partial last one): the engines agree on the loss curve and
// the weights within 1e-5 (relative to 1 + |w|; measured here: under 1e-6).
const ONE_EPOCH_TOL = 1e-5;
const distillLosses: LossConfig[] = [
  { kind: 'soft-ce', temperature: 3, hardWeight: 0.5, softWeight: 1 },
  { kind: 'logit-mse', temperature: 1, hardWeight: 0.2, softWeight: 0.7 },
];
for (const loss of distillLosses) {
  test(`one epoch of ${loss.kind} from the same init and seed: ort and tfjs agree on the loss curve and the weights within ${ONE_EPOCH_TOL}`, async () => {
    await selectBackend('cpu');
    const o = (engine?: string) =>
      clusterTrainOptions(tmp(), {
        epochs: 1,
        loss,
        train: withTeacher(clusterSource({ numFrames: 400, inputDim: 10, numPdfs: 5, seed: 1 }), loss.temperature),
        dev: withTeacher(clusterSource({ numFrames: 200, inputDim: 10, numPdfs: 5, seed: 2 }), loss.temperature),
        ...(engine ? { engine } : {}),
      });
    const a = await trainModel(o());
    const b = await trainModel(o('ort'));
    assert.equal(a.history[0].engine, 'cpu');
    assert.equal(b.history[0].engine, 'ort');
    for (const k of ['trainLoss', 'devLoss', 'trainAcc', 'devAcc'] as const) {
      const [x, y] = [a.history[0][k]!, b.history[0][k]!];
      assert.ok(Math.abs(x - y) <= ONE_EPOCH_TOL * (1 + Math.abs(x)), `${k}: ort ${y} vs tfjs ${x}`);
    }
    let worst = 0;
    b.weights.layers.forEach((l, i) => {
      const ref = a.weights.layers[i];
      for (let k = 0; k < l.W.length; k++) worst = Math.max(worst, Math.abs(l.W[k] - ref.W[k]) / (1 + Math.abs(ref.W[k])));
      for (let k = 0; k < l.b.length; k++) worst = Math.max(worst, Math.abs(l.b[k] - ref.b[k]) / (1 + Math.abs(ref.b[k])));
    });
    assert.ok(worst <= ONE_EPOCH_TOL, `weights differ by ${worst} (relative)`);
    // The weights did move: the comparison is not of two untouched initialisations.
    const init = initDnnWeights(o().arch, 10, 5, o().seed);
    const moved = Math.max(...a.weights.layers.map((l, i) => Math.max(...l.W.map((w, k) => Math.abs(w - init.layers[i].W[k])))));
    assert.ok(moved > 1e-2, `one epoch moved the weights by at most ${moved}`);
    process.stdout.write(`# ${loss.kind}: largest relative weight difference ort vs tfjs after one epoch ${worst.toExponential(2)}\n`);
  });
}
