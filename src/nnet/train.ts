// Training loop: epochs over a BatchSource, held-out scoring, newbob schedule, dropout, max-norm,
// per-epoch checkpoints with exact resume, NaN/Inf detection, progress and a JSON-lines log.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { createProgress } from '../jobs/progress.js';
import { describeArch, type ArchConfig } from './arch.js';
import { CHECKPOINT_STATE, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { mixSeed } from './dropout.js';
import { divergenceLimit, lossDivergence } from './divergence.js';
import type { LossConfig } from './distill-loss.js';
import { initDnnWeights, type DnnWeights } from './weights.js';
import { newbobNext, newbobRejects, newbobStart, type NewbobConfig, type NewbobState } from './newbob.js';
import type { StepResult, TrainBatch, Trainer } from './trainer.js';
import { createTrainer } from './engine.js';

export type { LossConfig } from './distill-loss.js';
export type { NewbobConfig } from './newbob.js';

/** Frames for scoring (structurally batches.ts' BatchSource). `batches` must be deterministic per epoch. */
export interface TrainBatchSource {
  inputDim: number;
  numPdfs: number;
  numFrames: number;
  batches(epoch: number, batchSize: number): Iterable<TrainBatch>;
}

/** Frames for training: a TrainBatchSource, or one whose batches arrive asynchronously (batches.ts' AsyncBatchSource). */
export interface TrainingSource {
  inputDim: number;
  numPdfs: number;
  numFrames: number;
  batches(epoch: number, batchSize: number): Iterable<TrainBatch> | AsyncIterable<TrainBatch>;
}

/** Live progress inside an epoch (for callers that draw their own bars, e.g. ensemble workers). */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  framesDone: number;
  framesTotal: number;
  loss: number;
  acc: number;
  framesPerSec: number;
}

export interface TrainOptions {
  arch: ArchConfig;
  inputDim: number;
  numPdfs: number;
  train: TrainingSource;
  /** Held-out frames scored after each epoch; a streamed source (frame-stream.ts) is read batch by batch. */
  dev?: TrainingSource;
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  /** SGD momentum (default 0.9). */
  momentum?: number;
  /**
   * Keep an exponential moving average of the weights with this decay per step (Polyak averaging;
   * optimizer-state.ts): held-out scoring, newbob and the returned model use the average.
   */
  averageDecay?: number;
  /** Needs `dev`; without it the rate stays fixed. */
  newbob?: NewbobConfig;
  loss: LossConfig;
  seed: number;
  /** What the batches are beyond their frame count (e.g. the distillation transfer noise): a resume must see the same. */
  dataKey?: string;
  /** Receives checkpoint/ (every epoch) and train.log.jsonl (one line per epoch). */
  outDir: string;
  /**
   * Continue from outDir/checkpoint (same options required). `true` is an explicit request (CLI
   * --resume): without a checkpoint a warning says that training starts from the first epoch;
   * 'if-present' resumes silently when there is one (ensemble reruns).
   */
  resume?: boolean | 'if-present';
  onEpoch?: (e: EpochStats) => void;
  /** Called about every batch with running figures (additive to the contract). */
  onProgress?: (p: TrainProgress) => void;
  progress?: { label: string; quiet?: boolean };
  /** Initial weights instead of a seeded random init (e.g. fine-tuning; additive). */
  initialWeights?: DnnWeights;
  /** `ort`: train on ONNX Runtime (ort/train-step.ts); absent or a tfjs backend name: TrainStep on the current tfjs backend. */
  engine?: string;
}

export interface EpochStats {
  epoch: number;
  learningRate: number;
  trainLoss: number;
  trainAcc: number;
  devLoss?: number;
  devAcc?: number;
  framesPerSec: number;
  /** Newbob rejected this epoch (held-out accuracy fell): training went on from the previous weights. */
  rejected?: boolean;
  /** The engine that ran the epoch: `ort` or the tfjs backend (an execution detail; checkpoints move between engines). */
  engine?: string;
}

/** What a checkpoint's `meta` holds besides weights and optimizer slots. */
interface RunMeta {
  fingerprint: string;
  schedule: NewbobState;
  history: EpochStats[];
  /** The run's first batch loss, the start divergence is measured from (absent in older checkpoints). */
  startLoss?: number;
}

export const CHECKPOINT_DIR = 'checkpoint';
export const TRAIN_LOG = 'train.log.jsonl';

/** The options that must not change between a run and its resumption. */
function fingerprint(o: TrainOptions): string {
  return JSON.stringify({
    arch: o.arch,
    inputDim: o.inputDim,
    numPdfs: o.numPdfs,
    numFrames: o.train.numFrames,
    batchSize: o.batchSize,
    optimizer: o.optimizer,
    momentum: o.momentum ?? 0.9,
    learningRate: o.learningRate,
    newbob: o.newbob ?? null,
    loss: o.loss,
    seed: o.seed,
    // Only when set, so that checkpoints written before the field existed still resume.
    ...(o.dataKey !== undefined ? { dataKey: o.dataKey } : {}),
    ...(o.averageDecay !== undefined ? { averageDecay: o.averageDecay } : {}),
  });
}

function checkOptions(o: TrainOptions): void {
  const bad = (what: string): never => {
    throw new InputError(`train: ${what}`);
  };
  if (!Number.isInteger(o.epochs) || o.epochs < 1) bad(`epochs must be a positive integer, got ${o.epochs}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) bad(`batch size must be a positive integer, got ${o.batchSize}`);
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate)) bad(`learning rate must be a positive number, got ${o.learningRate}`);
  if (o.train.inputDim !== o.inputDim || o.train.numPdfs !== o.numPdfs) {
    bad(`training data has inputDim ${o.train.inputDim} and ${o.train.numPdfs} pdfs, the model ${o.inputDim} and ${o.numPdfs}`);
  }
  if (o.dev && (o.dev.inputDim !== o.inputDim || o.dev.numPdfs !== o.numPdfs)) {
    bad(`held-out data has inputDim ${o.dev.inputDim} and ${o.dev.numPdfs} pdfs, the model ${o.inputDim} and ${o.numPdfs}`);
  }
  if (o.train.numFrames < 1) bad('no training frames');
  if (o.loss.kind !== 'ce' && !(o.loss.temperature > 0)) bad(`temperature must be positive, got ${o.loss.temperature}`);
  if (o.averageDecay !== undefined && !(o.averageDecay > 0 && o.averageDecay < 1)) bad(`the weight-average decay must be between 0 and 1, got ${o.averageDecay}`);
}

function accumulate(acc: { loss: number; frames: number; correct: number; labeled: number }, r: StepResult): void {
  acc.loss += r.loss * r.frames;
  acc.frames += r.frames;
  acc.correct += r.correct;
  acc.labeled += r.labeled;
}

/** Score `source` without dropout: mean cross-entropy on labels and frame accuracy (a streamed source batch by batch). */
export async function scoreFrames(step: Trainer, source: TrainingSource, batchSize = 1024): Promise<{ loss: number; acc: number; frames: number }> {
  const acc = { loss: 0, frames: 0, correct: 0, labeled: 0 };
  for await (const batch of source.batches(0, batchSize)) accumulate(acc, step.evaluate(batch));
  return { loss: acc.loss / Math.max(1, acc.frames), acc: acc.correct / Math.max(1, acc.labeled), frames: acc.frames };
}

async function writeLog(outDir: string, history: EpochStats[]): Promise<void> {
  // Rewritten whole each epoch so that it always matches the checkpoint (also after a resume).
  await writeFileAtomic(path.join(outDir, TRAIN_LOG), history.map((h) => JSON.stringify(h)).join('\n') + (history.length ? '\n' : ''));
}

/**
 * Train a DNN frame classifier (Hinton et al. 2015 sec. 4 setup: ReLU DNN over HMM states, SGD
 * with momentum or Adam, optional dropout/max-norm, newbob schedule on held-out accuracy).
 * Each epoch ends with `outDir/checkpoint/` and a line in `outDir/train.log.jsonl`; with
 * `resume: true` a killed run continues from the last completed epoch and ends with bit-identical
 * weights (batches and dropout masks depend only on seed, epoch and batch index). A diverged run
 * (a NaN/Inf batch loss, or an epoch's running loss above divergenceLimit: 10x its start, see
 * divergence.ts) throws an InputError naming the epoch and batch; the last good checkpoint stays on disk.
 * Runs on the current tfjs backend (see selectBackend); safe to run in several worker threads.
 */
export async function trainModel(opts: TrainOptions): Promise<{ weights: DnnWeights; history: EpochStats[] }> {
  checkOptions(opts);
  const ckDir = path.join(opts.outDir, CHECKPOINT_DIR);
  await fs.mkdir(opts.outDir, { recursive: true });
  const fp = fingerprint(opts);
  const label = opts.progress?.label ?? 'train';

  let weights = opts.initialWeights ?? initDnnWeights(opts.arch, opts.inputDim, opts.numPdfs, opts.seed);
  let schedule = newbobStart(opts.learningRate);
  let history: EpochStats[] = [];
  let startEpoch = 0;
  let startLoss: number | undefined;
  const resumed = opts.resume ? await readCheckpoint<RunMeta>(ckDir) : undefined;
  if (resumed) {
    if (resumed.meta.fingerprint !== fp) {
      throw new InputError(
        `${path.join(ckDir, 'state.json')}: the checkpoint was written with different training options; rerun with the same options, or without --resume to start over`,
      );
    }
    weights = resumed.weights;
    schedule = resumed.meta.schedule;
    history = resumed.meta.history;
    startEpoch = resumed.epoch;
    // Checkpoints from before startLoss was kept: the first epoch's mean (lower, so stricter, but
    // divergenceLimit's floor of ln(numPdfs) keeps a healthy run clear of it).
    startLoss = resumed.meta.startLoss ?? history[0]?.trainLoss;
    // The log may lag the checkpoint by one epoch if the run was killed between the two writes.
    await writeLog(opts.outDir, history);
  } else {
    // Not an error: scripts (recipes/digits/run.sh) pass --resume on every run so that a killed
    // one continues; but a user who expected to resume must not be left thinking it did.
    if (opts.resume === true) process.stderr.write(`warning: ${label}: --resume: no checkpoint at ${path.join(ckDir, CHECKPOINT_STATE)}; training starts from the first epoch\n`);
    await fs.rm(ckDir, { recursive: true, force: true });
  }

  const stepOpts = { optimizer: opts.optimizer, momentum: opts.momentum, loss: opts.loss, averageDecay: opts.averageDecay };
  const { trainer: step, engine } = await createTrainer(opts.engine, weights, stepOpts);
  // With newbob's rejectWorse: the last accepted weights and optimizer slots (what a checkpoint holds).
  let accepted: { weights: DnnWeights; optimizer: ReturnType<Trainer['optimizerState']> } | undefined;
  try {
    if (resumed) step.setOptimizerState(resumed.optimizer);
    if (opts.newbob?.rejectWorse) accepted = { weights: step.weights(), optimizer: step.optimizerState() };
    for (let epoch = startEpoch; epoch < opts.epochs && !schedule.stopped; epoch++) {
      const lr = schedule.learningRate;
      const bar = createProgress({
        label: `${label} epoch ${epoch + 1}/${opts.epochs}`,
        total: opts.train.numFrames,
        unit: 'frames',
        quiet: opts.progress?.quiet,
      });
      const acc = { loss: 0, frames: 0, correct: 0, labeled: 0 };
      const t0 = performance.now();
      let k = 0;
      for await (const batch of opts.train.batches(epoch, opts.batchSize)) {
        const r = step.step(batch, lr, mixSeed(opts.seed, epoch, k));
        if (startLoss === undefined && Number.isFinite(r.loss)) startLoss = r.loss;
        if (Number.isFinite(r.loss)) accumulate(acc, r);
        // NaN/Inf in this batch, or the epoch's running mean far above the start (one noisy batch cannot trip it).
        const diverged = lossDivergence(Number.isFinite(r.loss) ? acc.loss / Math.max(1, acc.frames) : r.loss, divergenceLimit(startLoss ?? NaN, opts.numPdfs));
        if (diverged) {
          bar.stop();
          const kept = history.length
            ? `the last good checkpoint (epoch ${history.length}) is kept in ${ckDir}`
            : 'no epoch had completed, so there is no checkpoint';
          throw new InputError(
            `${label}: the training loss ${diverged} at epoch ${epoch + 1}, batch ${k + 1} (learning rate ${lr}); ${kept}. ` +
              'Lower the learning rate (--lr) or check the features for NaN/Inf values.',
          );
        }
        k++;
        const sec = (performance.now() - t0) / 1000;
        const fields = { loss: acc.loss / acc.frames, acc: acc.correct / Math.max(1, acc.labeled), 'frames/s': Math.round(acc.frames / sec) };
        bar.update(acc.frames, fields);
        opts.onProgress?.({
          epoch: epoch + 1,
          epochs: opts.epochs,
          framesDone: acc.frames,
          framesTotal: opts.train.numFrames,
          loss: fields.loss,
          acc: fields.acc,
          framesPerSec: fields['frames/s'],
        });
      }
      const trainSec = (performance.now() - t0) / 1000;
      const stats: EpochStats = {
        epoch: epoch + 1,
        learningRate: lr,
        trainLoss: acc.loss / Math.max(1, acc.frames),
        trainAcc: acc.correct / Math.max(1, acc.labeled),
        framesPerSec: acc.frames / trainSec,
        engine,
      };
      if (opts.dev) {
        const dev = await scoreFrames(step, opts.dev, Math.max(opts.batchSize, 1024));
        stats.devLoss = dev.loss;
        stats.devAcc = dev.acc;
        if (opts.newbob) {
          if (accepted && newbobRejects(schedule, dev.acc, opts.newbob)) {
            step.setWeights(accepted.weights);
            step.setOptimizerState(accepted.optimizer);
            stats.rejected = true;
          }
          schedule = newbobNext(schedule, dev.acc, opts.newbob, epoch + 1);
        }
      }
      // Read out of the backend once: the checkpoint, and with rejectWorse the accepted state.
      const state = stats.rejected && accepted ? accepted : { weights: step.weights(), optimizer: step.optimizerState() };
      if (accepted) accepted = state;
      history = [...history, stats];
      bar.stop(
        `${label} epoch ${stats.epoch}: lr ${lr} train loss ${stats.trainLoss.toFixed(4)} acc ${(100 * stats.trainAcc).toFixed(2)}%` +
          (stats.devAcc !== undefined ? ` dev loss ${stats.devLoss!.toFixed(4)} acc ${(100 * stats.devAcc).toFixed(2)}%` : '') +
          ` ${Math.round(stats.framesPerSec)} frames/s` +
          (stats.rejected ? ' (rejected: back to the previous weights)' : '') +
          (schedule.stopped ? ` (stopping: ${schedule.reason})` : ''),
      );
      await writeCheckpoint<RunMeta>(ckDir, {
        epoch: epoch + 1,
        weights: state.weights,
        optimizer: state.optimizer,
        meta: { fingerprint: fp, schedule, history, ...(startLoss !== undefined ? { startLoss } : {}) },
      });
      await writeLog(opts.outDir, history);
      opts.onEpoch?.(stats);
    }
    return { weights: step.modelWeights(), history };
  } finally {
    step.dispose();
  }
}

/** One-line description of a training setup for logs: `440-1024x4-500 relu, sgd lr 0.01, ce`. */
export function describeTraining(o: Pick<TrainOptions, 'arch' | 'inputDim' | 'numPdfs' | 'optimizer' | 'learningRate' | 'loss'>): string {
  const loss = o.loss.kind === 'ce' ? 'ce' : `${o.loss.kind} T=${o.loss.temperature} hard ${o.loss.hardWeight} soft ${o.loss.softWeight}`;
  return `${describeArch(o.arch, o.inputDim, o.numPdfs)}, ${o.optimizer} lr ${o.learningRate}, ${loss}`;
}
