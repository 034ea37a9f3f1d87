import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createJobRunner } from '../../src/jobs/runner.js';
import { siblingModuleUrl } from '../../src/jobs/module-url.js';
import { readDnnModelDir, readDnnModelMeta } from '../../src/nnet/model-dir.js';
import { createBatchSource } from '../../src/nnet/batches.js';
import { scoreFrames } from '../../src/nnet/train.js';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { TrainStep } from '../../src/nnet/tfjs/train-step.js';
import { countPdfs, logPriors } from '../../src/nnet/priors.js';
import { loadTrainingData, summarizeHistory, trainDnnDir, type TrainJobInput, type TrainJobMessage, type TrainJobResult, type TrainSettings } from '../../src/nnet/train-worker.js';
import { writeSynthCorpusDirs } from './pipeline-fixtures.js';

let root: string;
let train: { featsDir: string; aliDir: string; numPdfs: number; numFrames: number };
let dev: { featsDir: string; aliDir: string };
const settings: TrainSettings = { context: { left: 1, right: 1 }, epochs: 2, batchSize: 32, learningRate: 0.01, optimizer: 'adam', backend: 'cpu' };

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'train-worker-'));
  train = await writeSynthCorpusDirs(root, { name: 'train', numUtts: 10, dim: 4, seed: 1 });
  dev = await writeSynthCorpusDirs(root, { name: 'dev', numUtts: 4, dim: 4, seed: 2, cmvn: false });
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('loadTrainingData: CMVN mode, dev split, dev dirs; a dev set normalised differently is refused', async () => {
  const d = await loadTrainingData(train.featsDir, train.aliDir, { dev: { split: 0.2 } }, 3);
  assert.deepEqual(d.train.cmvn, { per: 'speaker', normVars: false });
  assert.equal(d.train.corpus.uttIds.length + d.dev!.uttIds.length, 10);
  assert.equal(d.dev!.uttIds.length, 2);
  assert.equal(d.langDir, path.join(train.aliDir, 'lang'));
  const d2 = await loadTrainingData(train.featsDir, train.aliDir, { dev: { featsDir: train.featsDir, aliDir: train.aliDir } }, 3);
  assert.equal(d2.dev!.uttIds.length, 10);
  await assert.rejects(loadTrainingData(train.featsDir, train.aliDir, { dev: { featsDir: dev.featsDir, aliDir: dev.aliDir } }, 3), {
    name: 'InputError',
    message: `--dev ${dev.featsDir}: CMVN is 'none' there but 'speaker' for ${train.featsDir}; normalise both the same way (asr-distill compute-cmvn)`,
  });
});

test('trainDnnDir writes a complete model dir with priors from the training labels', async () => {
  const outDir = path.join(root, 'dnn');
  const msgs: TrainJobMessage[] = [];
  const input: TrainJobInput = { featsDir: train.featsDir, aliDir: train.aliDir, outDir, arch: { hidden: [{ units: 8 }], activation: 'relu' }, seed: 4, settings, resume: false, label: 'test' };
  const r = await trainDnnDir(input, (m) => msgs.push(m));
  assert.equal(r.history.length, 2);
  assert.equal(r.numFrames, train.numFrames);
  assert.equal(r.backend, 'cpu');
  assert.equal(r.summary, summarizeHistory(r.history));
  const meta = await readDnnModelMeta(outDir);
  assert.equal(meta.inputDim, 12);
  assert.equal(meta.trainedOn.seed, 4);
  const d = await loadTrainingData(train.featsDir, train.aliDir, {}, 4);
  assert.deepEqual(meta.priors, logPriors(countPdfs([{ pdfIds: d.train.corpus.labels }], train.numPdfs)));
  for (const f of ['model.json', 'weights.bin', 'transition-model.json', 'train.log.jsonl', 'lang/phones.txt']) await fs.access(path.join(outDir, f));
  // progress messages count frames over all epochs and end at the total
  assert.ok(msgs.length > 0);
  assert.equal(msgs[msgs.length - 1].doneFrames, 2 * train.numFrames);
  assert.equal(msgs[msgs.length - 1].totalFrames, 2 * train.numFrames);
});

test('trainJob through the job runner reports progress and returns the result', async () => {
  const runner = createJobRunner({ backend: 'inline' });
  const outDir = path.join(root, 'job');
  const seen: unknown[] = [];
  const [r] = await runner.run<TrainJobInput, TrainJobResult>(
    [
      {
        module: siblingModuleUrl(new URL('../../src/nnet/x.ts', import.meta.url).href, 'train-worker'),
        fn: 'trainJob',
        input: { featsDir: train.featsDir, aliDir: train.aliDir, outDir, arch: { hidden: [{ units: 8 }], activation: 'relu' }, seed: 4, settings, resume: false, label: 'job' },
      },
    ],
    { onMessage: (_i, m) => seen.push(m) },
  );
  await runner.close();
  assert.equal(r.outDir, outDir);
  assert.ok(seen.length > 0);
  // same seed, same data, same weights as the in-process run above
  assert.deepEqual(await fs.readFile(path.join(outDir, 'weights.bin')), await fs.readFile(path.join(root, 'dnn', 'weights.bin')));
});

test('over --max-memory-frames the corpus is streamed: one shard = one window gives the in-memory weights; a resume may not switch', async () => {
  const arch = { hidden: [{ units: 8 }], activation: 'relu' as const };
  const outDir = path.join(root, 'streamed');
  const streamed = { ...settings, maxMemoryFrames: 10 };
  const r = await trainDnnDir({ featsDir: train.featsDir, aliDir: train.aliDir, outDir, arch, seed: 4, settings: streamed, resume: false, label: 'test' });
  assert.equal(r.numFrames, train.numFrames);
  assert.deepEqual(await fs.readFile(path.join(outDir, 'weights.bin')), await fs.readFile(path.join(root, 'dnn', 'weights.bin')));
  assert.deepEqual((await readDnnModelMeta(outDir)).priors, (await readDnnModelMeta(path.join(root, 'dnn'))).priors);
  // The in-memory run's checkpoint cannot be resumed streamed (other batches once there are several windows).
  await assert.rejects(trainDnnDir({ featsDir: train.featsDir, aliDir: train.aliDir, outDir: path.join(root, 'dnn'), arch, seed: 4, settings: streamed, resume: true, label: 'test' }), {
    name: 'InputError',
    message: /the checkpoint was written with different training options/,
  });
});

test('streamed training over several shards with a dev split and input noise', async () => {
  const sharded = await writeSynthCorpusDirs(root, { name: 'sharded', numUtts: 12, dim: 4, seed: 5, shards: 4 });
  const outDir = path.join(root, 'streamed-sharded');
  const s: TrainSettings = { ...settings, maxMemoryFrames: Math.ceil(sharded.numFrames / 3), dev: { split: 0.25 }, inputNoise: 0.3 };
  const r = await trainDnnDir({ featsDir: sharded.featsDir, aliDir: sharded.aliDir, outDir, arch: { hidden: [{ units: 8 }], activation: 'relu' }, seed: 2, settings: s, resume: false, label: 'test' });
  assert.equal(r.history.length, 2);
  assert.ok(r.history.every((h) => h.devAcc !== undefined && Number.isFinite(h.trainLoss)));
  // 3 of 12 utterances held out: the same ones as in memory, so the same training frames.
  const d = await loadTrainingData(sharded.featsDir, sharded.aliDir, { dev: { split: 0.25 } }, 2);
  assert.equal(r.numFrames, d.train.corpus.labels.length);
  assert.deepEqual((await readDnnModelMeta(outDir)).priors, logPriors(countPdfs([{ pdfIds: d.train.corpus.labels }], sharded.numPdfs)));
  // The held-out set (over half the budget) was scored streamed: the figures of the same set in memory.
  await selectBackend('cpu');
  const step = new TrainStep((await readDnnModelDir(outDir)).weights, { optimizer: 'sgd', loss: { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 } });
  const dev = await scoreFrames(step, createBatchSource(d.dev!, { context: s.context, seed: 2, shuffle: false }), 1024);
  step.dispose();
  assert.ok(Math.abs(dev.acc - r.history[1].devAcc!) < 1e-9, `dev acc ${dev.acc} vs ${r.history[1].devAcc}`);
  assert.ok(Math.abs(dev.loss - r.history[1].devLoss!) < 1e-6, `dev loss ${dev.loss} vs ${r.history[1].devLoss}`);
});

test('summarizeHistory', () => {
  assert.equal(summarizeHistory([]), 'no epochs run');
  assert.equal(
    summarizeHistory([{ epoch: 1, learningRate: 0.1, trainLoss: 1.23456, trainAcc: 0.5, devLoss: 2, devAcc: 0.25, framesPerSec: 1000.4 }]),
    '1 epochs, train acc 50.00% loss 1.2346, dev acc 25.00% loss 2.0000, 1000 frames/s',
  );
});

test('a missing alignment directory is an InputError naming it', async () => {
  await assert.rejects(loadTrainingData(train.featsDir, path.join(root, 'nope'), {}, 1), { name: 'InputError' });
});

test('a run stopped after epoch 1 and resumed ends with the same model as an uninterrupted run', async () => {
  const arch = { hidden: [{ units: 8 }], activation: 'relu' as const };
  const full = path.join(root, 'full');
  const cut = path.join(root, 'cut');
  const input = (outDir: string, epochs: number, resume: boolean): TrainJobInput => ({
    featsDir: train.featsDir,
    aliDir: train.aliDir,
    outDir,
    arch,
    seed: 9,
    settings: { ...settings, epochs, dev: { split: 0.2 } },
    resume,
    label: 'r',
  });
  await trainDnnDir(input(full, 2, false));
  await trainDnnDir(input(cut, 1, false)); // "killed" after its first checkpoint
  const r = await trainDnnDir(input(cut, 2, true));
  assert.equal(r.history.length, 2);
  assert.deepEqual(await fs.readFile(path.join(cut, 'weights.bin')), await fs.readFile(path.join(full, 'weights.bin')));
  assert.equal((await fs.readFile(path.join(cut, 'train.log.jsonl'), 'utf8')).trim().split('\n').length, 2);
});

test('--input-noise trains on perturbed inputs: other weights, resume refuses a changed noise, bad values are InputErrors', async () => {
  const arch = { hidden: [{ units: 8 }], activation: 'relu' as const };
  const input = (outDir: string, inputNoise: number | undefined, resume = false): TrainJobInput => ({
    featsDir: train.featsDir,
    aliDir: train.aliDir,
    outDir,
    arch,
    seed: 4,
    settings: { ...settings, ...(inputNoise !== undefined ? { inputNoise } : {}) },
    resume,
    label: 'n',
  });
  const noisy = path.join(root, 'noisy');
  await trainDnnDir(input(noisy, 0.5));
  const clean = await fs.readFile(path.join(root, 'dnn', 'weights.bin'));
  assert.notDeepEqual(await fs.readFile(path.join(noisy, 'weights.bin')), clean);
  // 0 is "off": the same model as without the option
  const zero = path.join(root, 'zero');
  await trainDnnDir(input(zero, 0));
  assert.deepEqual(await fs.readFile(path.join(zero, 'weights.bin')), clean);
  // deterministic in the seed
  const again = path.join(root, 'noisy-again');
  await trainDnnDir(input(again, 0.5));
  assert.deepEqual(await fs.readFile(path.join(again, 'weights.bin')), await fs.readFile(path.join(noisy, 'weights.bin')));
  await assert.rejects(trainDnnDir(input(noisy, 0.25, true)), { name: 'InputError', message: /the checkpoint was written with different training options/ });
  await assert.rejects(trainDnnDir(input(path.join(root, 'bad'), -1)), { name: 'InputError', message: '--input-noise -1: must be a number >= 0 (e.g. 0.5; 0 = none)' });
});

test('train --dev refuses held-out features made with another configuration (--allow-feature-mismatch goes on)', async () => {
  const { changeFeatsConfig } = await import('./pipeline-fixtures.js');
  const other = await writeSynthCorpusDirs(root, { name: 'dev-other', numUtts: 4, dim: 4, seed: 5 });
  await changeFeatsConfig(other.featsDir, { lowFreq: 300 });
  const devSpec = { featsDir: other.featsDir, aliDir: other.aliDir };
  await assert.rejects(loadTrainingData(train.featsDir, train.aliDir, { dev: devSpec }, 3), (e: unknown) => {
    assert.equal((e as Error).name, 'InputError');
    assert.match((e as Error).message, new RegExp(`^--dev ${other.featsDir} was made with another feature configuration than ${train.featsDir} \\(lowFreq: training features 20, dev 300\\)`));
    return true;
  });
  const d = await loadTrainingData(train.featsDir, train.aliDir, { dev: devSpec, allowFeatureMismatch: true }, 3);
  assert.equal(d.dev!.uttIds.length, 4);
});
