import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { parseArch } from '../../src/nnet/arch.js';
import { describeTraining, scoreFrames, trainModel, type EpochStats, type TrainOptions } from '../../src/nnet/train.js';
import { readCheckpoint } from '../../src/nnet/checkpoint.js';
import { TrainStep } from '../../src/nnet/tfjs/train-step.js';
import { isInputError } from '../../src/errors.js';
import { clusterSource, clusterTrainOptions } from './synthetic-source.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'train-'));
const ce = { kind: 'ce' as const, temperature: 1, hardWeight: 1, softWeight: 0 };

const baseOptions = clusterTrainOptions;

const withoutSpeed = (h: EpochStats[]) => h.map(({ framesPerSec: _f, ...rest }) => rest);

test('trainModel learns separable clusters far above chance, logs each epoch, checkpoints', async () => {
  await selectBackend('wasm');
  const outDir = tmp();
  const seen: number[] = [];
  let progressCalls = 0;
  const { weights, history } = await trainModel(baseOptions(outDir, { onEpoch: (e) => seen.push(e.epoch), onProgress: () => progressCalls++ }));
  assert.deepEqual(seen, history.map((h) => h.epoch));
  assert.equal(progressCalls, history.length * Math.ceil(400 / 32));
  const last = history[history.length - 1];
  assert.ok(last.devAcc! > 0.9, `dev accuracy ${last.devAcc} (chance 0.2)`);
  assert.ok(last.trainLoss < history[0].trainLoss);
  assert.ok(history.every((h) => h.framesPerSec > 0));
  const lines = readFileSync(path.join(outDir, 'train.log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, JSON.parse(JSON.stringify(history)));
  const ck = await readCheckpoint<{ history: EpochStats[] }>(path.join(outDir, 'checkpoint'));
  assert.equal(ck!.epoch, history.length);
  assert.deepEqual(ck!.weights.layers.map((l) => l.W), weights.layers.map((l) => l.W));
  assert.deepEqual(readdirSync(path.join(outDir, 'checkpoint')).sort(), ['state.json', `tensors-${history.length}.bin`]);
  // max-norm holds on every hidden unit's incoming weights
  for (const l of weights.layers.slice(0, -1)) {
    for (let j = 0; j < l.outDim; j++) {
      let s = 0;
      for (let i = 0; i < l.inDim; i++) s += l.W[i * l.outDim + j] ** 2;
      assert.ok(Math.sqrt(s) <= 3 + 1e-4);
    }
  }
  // scoreFrames agrees with the last epoch's dev figures
  const step = new TrainStep(weights, { optimizer: 'sgd', loss: ce });
  const dev = await scoreFrames(step, baseOptions(outDir).dev!);
  step.dispose();
  assert.ok(Math.abs(dev.acc - last.devAcc!) < 1e-9);
  assert.ok(Math.abs(dev.loss - last.devLoss!) < 1e-5);
  assert.match(describeTraining(baseOptions(outDir)), /^10-32x2-5 relu dropout 0.1 max-norm 3, sgd lr 0.05, ce$/);
});

for (const optimizer of ['sgd', 'adam'] as const) {
  test(`cpu, ${optimizer}: a killed run resumed from its checkpoint ends bit-identical to an uninterrupted run`, async () => {
    await selectBackend('cpu');
    const lr = optimizer === 'adam' ? 0.003 : 0.05;
    const full = await trainModel(baseOptions(tmp(), { optimizer, learningRate: lr }));
    const outDir = tmp();
    await assert.rejects(
      trainModel(
        baseOptions(outDir, {
          optimizer,
          learningRate: lr,
          onEpoch: (e) => {
            if (e.epoch === 2) throw new Error('killed');
          },
        }),
      ),
      /killed/,
    );
    const resumed = await trainModel(baseOptions(outDir, { optimizer, learningRate: lr, resume: true }));
    assert.deepEqual(withoutSpeed(resumed.history), withoutSpeed(full.history));
    resumed.weights.layers.forEach((l, i) => {
      assert.deepEqual(l.W, full.weights.layers[i].W);
      assert.deepEqual(l.b, full.weights.layers[i].b);
    });
    assert.equal(readFileSync(path.join(outDir, 'train.log.jsonl'), 'utf8').trim().split('\n').length, full.history.length);
    // killed after the last checkpoint but before its log line: resuming a finished run restores the log
    writeFileSync(path.join(outDir, 'train.log.jsonl'), '');
    const again = await trainModel(baseOptions(outDir, { optimizer, learningRate: lr, resume: true }));
    assert.deepEqual(again.history, resumed.history);
    assert.equal(readFileSync(path.join(outDir, 'train.log.jsonl'), 'utf8').trim().split('\n').length, full.history.length);
  });
}

test('resume refuses a checkpoint written with other options', async () => {
  await selectBackend('cpu');
  const outDir = tmp();
  await trainModel(baseOptions(outDir, { epochs: 1 }));
  await assert.rejects(trainModel(baseOptions(outDir, { epochs: 2, learningRate: 0.01, resume: true })), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal(
      (e as Error).message,
      `${path.join(outDir, 'checkpoint', 'state.json')}: the checkpoint was written with different training options; rerun with the same options, or without --resume to start over`,
    );
    return true;
  });
});

test('a NaN loss stops training with a clear message and keeps the last good checkpoint', async () => {
  await selectBackend('wasm');
  const outDir = tmp();
  const train = clusterSource({ numFrames: 400, inputDim: 10, numPdfs: 5, seed: 1, poison: { epoch: 1, batch: 2 } });
  await assert.rejects(trainModel(baseOptions(outDir, { train, newbob: undefined })), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal(
      (e as Error).message,
      `test: the training loss became NaN at epoch 2, batch 3 (learning rate 0.05); the last good checkpoint (epoch 1) is kept in ${path.join(outDir, 'checkpoint')}. ` +
        'Lower the learning rate (--lr) or check the features for NaN/Inf values.',
    );
    return true;
  });
  const ck = await readCheckpoint<{ history: EpochStats[] }>(path.join(outDir, 'checkpoint'));
  assert.equal(ck!.epoch, 1);
  assert.ok(ck!.weights.layers.every((l) => l.W.every(Number.isFinite)));
  assert.equal(readFileSync(path.join(outDir, 'train.log.jsonl'), 'utf8').trim().split('\n').length, 1);
});

test('a diverging learning rate is caught as a non-finite loss', async () => {
  await selectBackend('wasm');
  const outDir = tmp();
  await assert.rejects(
    trainModel(baseOptions(outDir, { arch: parseArch('2x32'), learningRate: 1e6, newbob: undefined })),
    (e: unknown) => isInputError(e) && /^test: the training loss (became (NaN|Infinity)|reached \S+, more than 10 times its start \(limit \S+\)) at epoch 1, batch \d+ \(learning rate 1000000\); no epoch had completed, so there is no checkpoint\./.test((e as Error).message),
  );
  assert.equal(existsSync(path.join(outDir, 'checkpoint', 'state.json')), false);
});

test('adam at lr 1e9 stops as diverged (a huge finite loss, not only NaN)', async () => {
  await selectBackend('wasm');
  const outDir = tmp();
  // The loss stays finite (6e18 per frame at batch 2): before the divergence check, this wrote a model.
  await assert.rejects(trainModel(baseOptions(outDir, { optimizer: 'adam', learningRate: 1e9, newbob: undefined })), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.match(
      (e as Error).message,
      /^test: the training loss reached \S+e\+\d+, more than 10 times its start \(limit \S+\) at epoch 1, batch \d+ \(learning rate 1000000000\); no epoch had completed, so there is no checkpoint\. Lower the learning rate/,
    );
    return true;
  });
  assert.equal(existsSync(path.join(outDir, 'checkpoint', 'state.json')), false);
});

test('trainModel validates its options', async () => {
  await assert.rejects(trainModel(baseOptions(tmp(), { epochs: 0 })), (e: unknown) => isInputError(e) && (e as Error).message === 'train: epochs must be a positive integer, got 0');
  await assert.rejects(
    trainModel(baseOptions(tmp(), { numPdfs: 6 })),
    (e: unknown) => isInputError(e) && (e as Error).message === 'train: training data has inputDim 10 and 5 pdfs, the model 10 and 6',
  );
});

test('newbob rejectWorse: an epoch that lowers held-out accuracy is undone, training goes on from the best weights, resume stays exact', async () => {
  await selectBackend('cpu');
  // A rate high enough that held-out accuracy falls in epoch 2 (0.28 -> 0.21 on these clusters).
  const noisy = (outDir: string, epochs: number, rejectWorse: boolean, resume = false) =>
    baseOptions(outDir, {
      arch: parseArch('{"hidden":[32,32]}'),
      train: clusterSource({ numFrames: 400, inputDim: 10, numPdfs: 5, seed: 1, noise: 2 }),
      dev: clusterSource({ numFrames: 200, inputDim: 10, numPdfs: 5, seed: 2, noise: 2 }),
      epochs,
      learningRate: 0.5,
      newbob: { halveWhenGainBelow: 0.01, stopWhenGainBelow: -1, maxHalvings: 6, ...(rejectWorse ? { rejectWorse } : {}) },
      resume,
    });
  const plain = await trainModel(noisy(tmp(), 2, false));
  assert.ok(plain.history[1].devAcc! < plain.history[0].devAcc!, 'the setup must lower held-out accuracy in epoch 2');
  assert.equal(plain.history[1].rejected, undefined);
  const one = await trainModel(noisy(tmp(), 1, true));
  const outDir = tmp();
  const rejected = await trainModel(noisy(outDir, 2, true));
  assert.equal(rejected.history[1].rejected, true);
  assert.equal(rejected.history[1].devAcc, plain.history[1].devAcc, 'the rejected epoch is logged as measured');
  // the model (and its checkpoint) are epoch 1's
  assert.deepEqual(rejected.weights, one.weights);
  assert.deepEqual((await readCheckpoint(path.join(outDir, 'checkpoint')))!.weights, one.weights);
  // epoch 3 starts from epoch 1's weights at half the rate (no gain counts as a stall)
  const full = await trainModel(noisy(tmp(), 3, true));
  assert.deepEqual(full.history.map((h) => h.learningRate), [0.5, 0.5, 0.25]);
  const resumed = await trainModel(noisy(outDir, 3, true, true));
  assert.deepEqual(resumed.weights, full.weights);
  assert.deepEqual(withoutSpeed(resumed.history), withoutSpeed(full.history));
});

test('averageDecay: scored and returned model is the moving average; a killed run resumes bit-identically', async () => {
  await selectBackend('cpu');
  const opts = (outDir: string, over: Partial<TrainOptions> = {}) => baseOptions(outDir, { averageDecay: 0.99, epochs: 3, ...over });
  const full = await trainModel(opts(tmp()));
  const plain = await trainModel(baseOptions(tmp(), { epochs: 3 }));
  assert.ok(full.history[2].devAcc! > 0.5, `dev accuracy ${full.history[2].devAcc}`);
  const outDir = tmp();
  await assert.rejects(
    trainModel(opts(outDir, { onEpoch: (e) => { if (e.epoch === 2) throw new Error('killed'); } })),
    /killed/,
  );
  const ck = (await readCheckpoint(path.join(outDir, 'checkpoint')))!;
  // the checkpoint holds the trained weights to go on from; the averages ride in the optimizer slots
  assert.equal(ck.optimizer.slots[0].length, 2);
  const resumed = await trainModel(opts(outDir, { resume: true }));
  assert.deepEqual(resumed.weights, full.weights);
  assert.deepEqual(withoutSpeed(resumed.history), withoutSpeed(full.history));
  // the same seed trains the same weights; only what is scored and returned differs
  assert.equal(full.history[0].trainLoss, plain.history[0].trainLoss);
  assert.notDeepEqual(full.weights.layers[0].W, plain.weights.layers[0].W);
  const step = new TrainStep(full.weights, { optimizer: 'sgd', loss: ce });
  assert.ok(Math.abs((await scoreFrames(step, opts(tmp()).dev!)).acc - full.history[2].devAcc!) < 1e-9, 'the returned model is the one scored');
  step.dispose();
  // averaging is part of the fingerprint: a plain run does not resume an averaged checkpoint
  await assert.rejects(trainModel(baseOptions(outDir, { epochs: 3, resume: true })), /different training options/);
  await assert.rejects(trainModel(opts(tmp(), { averageDecay: 1 })), /between 0 and 1/);
});

test('newbob minEpochs: training does not stop before that many epochs', async () => {
  await selectBackend('cpu');
  const stall = { halveWhenGainBelow: 1, stopWhenGainBelow: 1, maxHalvings: 6 };
  const early = await trainModel(baseOptions(tmp(), { newbob: stall }));
  assert.deepEqual(early.history.map((h) => h.learningRate), [0.05, 0.05, 0.025]);
  const min = await trainModel(baseOptions(tmp(), { newbob: { ...stall, minEpochs: 4 } }));
  assert.deepEqual(min.history.map((h) => h.learningRate), [0.05, 0.05, 0.025, 0.025]);
});

test('--resume with no checkpoint does not start over silently: a warning names the missing checkpoint', async () => {
  await selectBackend('wasm');
  const run = async (resume: TrainOptions['resume']) => {
    const outDir = tmp();
    const write = process.stderr.write.bind(process.stderr);
    let stderr = '';
    process.stderr.write = ((s: string | Uint8Array, ...rest: any[]) => (typeof s === 'string' ? ((stderr += s), true) : write(s, ...rest))) as typeof process.stderr.write;
    try {
      const { history } = await trainModel(baseOptions(outDir, { epochs: 1, resume }));
      assert.equal(history.length, 1);
    } finally {
      process.stderr.write = write;
    }
    return { outDir, stderr };
  };
  const explicit = await run(true);
  assert.equal(explicit.stderr, `warning: test: --resume: no checkpoint at ${path.join(explicit.outDir, 'checkpoint', 'state.json')}; training starts from the first epoch\n`);
  assert.equal((await run('if-present')).stderr, '', 'ensemble reruns: nothing to say');
  assert.equal((await run(false)).stderr, '');
});

test('the loss divergence is measured from is kept in the checkpoint, so --resume measures from the same start', async () => {
  await selectBackend('wasm');
  const outDir = tmp();
  await trainModel(baseOptions(outDir, { epochs: 1, newbob: undefined }));
  const ck = await readCheckpoint<{ startLoss?: number; history: EpochStats[] }>(path.join(outDir, 'checkpoint'));
  // The first minibatch's loss of a fresh 5-class model: near ln 5 = 1.6, above the epoch's mean.
  assert.ok(ck!.meta.startLoss! > ck!.meta.history[0].trainLoss && ck!.meta.startLoss! < 10, `startLoss ${ck!.meta.startLoss}`);
  const resumed = await trainModel(baseOptions(outDir, { epochs: 2, newbob: undefined, resume: true }));
  assert.equal(resumed.history.length, 2);
  const ck2 = await readCheckpoint<{ startLoss?: number }>(path.join(outDir, 'checkpoint'));
  assert.equal(ck2!.meta.startLoss, ck!.meta.startLoss);
});
