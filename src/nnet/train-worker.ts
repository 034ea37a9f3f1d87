// Training one DNN into a model directory: load the corpus (CMVN applied, labels from ALI_DIR),
// build the batch sources, run trainModel (train.ts), then write the self-describing model dir
// (weights + asr-distill.json with priors + transition model and lang copies). Used in-process by
// `asr-distill train` and, through the job runner, by `asr-distill ensemble` (export `trainJob`).
import * as path from 'node:path';
import { checkFeatureMatch } from '../features/feature-match.js';
import { InputError } from '../errors.js';
import type { JobContext } from '../jobs/runner.js';
import { readAlignments } from '../hmm/ali-archive.js';
import { readAliPdfIds } from '../hmm/ali-labels.js';
import type { BackendName } from './backend-name.js';
import { selectEngine } from './engine.js';
import type { ArchConfig } from './arch.js';
import { createBatchSource, loadFrameCorpus, perturbedSource, splitCorpus, type FrameCorpus, type LoadedCmvn, type LoadedCorpus } from './batches.js';
import { createStreamingBatchSource, DEFAULT_MAX_MEMORY_FRAMES, loadShardWindow, planFrameStream, planPdfCounts, splitFramePlan, streamFeatureStd } from './frame-stream.js';
import { readFeatsInfo } from '../store/feats-archive.js';
import { featureStd, TransferNoise } from './transfer-noise.js';
import { splicedDim, type SpliceContext } from './splice.js';
import { countPdfs, logPriors } from './priors.js';
import type { NewbobConfig } from './newbob.js';
import { writeDnnModelDir, type DnnModelMeta } from './model-dir.js';
import { trainModel, type EpochStats, type LossConfig, type TrainingSource, type TrainOptions, type TrainProgress } from './train.js';

/** The held-out set: another FEATS_DIR + ALI_DIR, or a seeded split of the training utterances. */
export type DevSpec = { featsDir: string; aliDir: string } | { split: number };

/** Defaults of the training options not in TrainSettings' types (train, ensemble, distill). */
export const TRAIN_DEFAULTS = { epochs: 10, batchSize: 256, optimizer: 'sgd', seed: 1 } as const;

/** Training settings shared by every model of a run (ensemble members differ only by seed/arch). */
export interface TrainSettings {
  context: SpliceContext;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'sgd' | 'adam';
  momentum?: number;
  /** Halve the rate when held-out accuracy gains less than this, stop below the other (needs a dev set). */
  newbob?: NewbobConfig;
  backend: BackendName;
  dev?: DevSpec;
  /** apply-cmvn --norm-vars. */
  normVars?: boolean;
  /**
   * Gaussian noise added to every training input, as a fraction of each feature dimension's
   * standard deviation (0 or absent: none). The same perturbation as `distill --transfer-noise`,
   * with the hard labels kept, so members and student can be trained on the same inputs.
   */
  inputNoise?: number;
  /** Score, schedule and save an exponential moving average of the weights, decay per step (absent: none). */
  averageDecay?: number;
  /**
   * Go on (with a warning) when held-out or transfer features were made with another feature
   * configuration than the training features or the teacher (--allow-feature-mismatch).
   */
  allowFeatureMismatch?: boolean;
  /**
   * Training frames held in memory at most (--max-memory-frames; default DEFAULT_MAX_MEMORY_FRAMES):
   * a bigger FEATS_DIR is streamed shard by shard (frame-stream.ts) instead of loaded whole.
   */
  maxMemoryFrames?: number;
}

/** Input of trainJob / trainDnnDir. */
export interface TrainJobInput {
  featsDir: string;
  aliDir: string;
  outDir: string;
  arch: ArchConfig;
  seed: number;
  settings: TrainSettings;
  resume: TrainOptions['resume'];
  /** Progress label. */
  label: string;
  /** In-process only: let trainModel draw its own progress bar (true) or print nothing. */
  ownProgress?: boolean;
}

/** Progress message a training job reports (about every batch). */
export interface TrainJobMessage {
  doneFrames: number;
  totalFrames: number;
  fields: Record<string, string | number>;
}

/** What a training job returns. */
export interface TrainJobResult {
  outDir: string;
  backend: string;
  history: EpochStats[];
  numFrames: number;
  skipped: number;
  /** One line: final train/dev accuracy and speed. */
  summary: string;
}

/** The training and held-out corpora of a run. */
export interface TrainingData {
  train: LoadedCorpus;
  dev?: FrameCorpus;
  transitionModel: Awaited<ReturnType<typeof readAlignments>>['transitionModel'];
  langDir: string;
  aliDir: string;
}

/** Load FEATS_DIR + ALI_DIR (and the dev set) for training. */
export async function loadTrainingData(featsDir: string, aliDir: string, settings: Pick<TrainSettings, 'dev' | 'normVars' | 'allowFeatureMismatch'>, seed: number): Promise<TrainingData> {
  const ali = await readAlignments(aliDir);
  const train = await loadFrameCorpus(featsDir, { alignments: ali.alis, numPdfs: ali.info.numPdfs, normVars: settings.normVars, aliDir });
  let dev: FrameCorpus | undefined;
  if (settings.dev && 'split' in settings.dev) {
    const s = splitCorpus(train.corpus, settings.dev.split, seed);
    train.corpus = s.train;
    dev = s.heldOut;
  } else if (settings.dev) {
    dev = await loadDevDirs(settings.dev, settings, { featsDir, aliDir, numPdfs: ali.info.numPdfs, dim: train.corpus.dim, featureConfig: train.featureConfig, cmvn: train.cmvn });
  }
  return { train, dev, transitionModel: ali.transitionModel, langDir: path.join(aliDir, 'lang'), aliDir };
}

/** A `--dev FEATS_DIR,ALI_DIR` held-out set in memory, checked against the training data it is scored with. */
async function loadDevDirs(
  dev: { featsDir: string; aliDir: string },
  settings: Pick<TrainSettings, 'normVars' | 'allowFeatureMismatch'>,
  train: { featsDir: string; aliDir: string; numPdfs: number; dim: number; featureConfig: unknown; cmvn: LoadedCmvn },
): Promise<FrameCorpus> {
  const devAli = await readAlignments(dev.aliDir);
  if (devAli.info.numPdfs !== train.numPdfs) {
    throw new InputError(`--dev ${dev.aliDir}: ${devAli.info.numPdfs} pdfs but ${train.aliDir} has ${train.numPdfs}; align the dev data with the same model`);
  }
  const d = await loadFrameCorpus(dev.featsDir, { alignments: devAli.alis, numPdfs: train.numPdfs, normVars: settings.normVars, aliDir: dev.aliDir });
  checkFeatureMatch(
    { role: 'training features', source: train.featsDir, config: train.featureConfig },
    { role: 'dev', source: `--dev ${dev.featsDir}`, config: d.featureConfig },
    { allowMismatch: settings.allowFeatureMismatch },
  );
  if (d.corpus.dim !== train.dim) {
    throw new InputError(`--dev ${dev.featsDir}: features of dim ${d.corpus.dim} but the training features have dim ${train.dim}; extract both with the same config`);
  }
  if (d.cmvn.per !== train.cmvn.per) {
    throw new InputError(`--dev ${dev.featsDir}: CMVN is '${d.cmvn.per}' there but '${train.cmvn.per}' for ${train.featsDir}; normalise both the same way (asr-distill compute-cmvn)`);
  }
  return d.corpus;
}

/** What a model records of the data it was trained on, whether held in memory or streamed. */
export interface TrainDataSummary {
  dim: number;
  numPdfs: number;
  numUtts: number;
  numFrames: number;
  featureConfig: unknown;
  frameShiftMs: number;
  cmvn: LoadedCmvn;
  /** Frames per pdf of the training labels (the priors). */
  pdfCounts: Float64Array;
}

/** The batch sources of one training run and what the model records of them. */
interface PreparedData {
  train: TrainingSource;
  dev?: TrainingSource;
  summary: TrainDataSummary;
  skipped: number;
  transitionModel: TrainingData['transitionModel'];
  langDir: string;
  /** Set when streamed: streamed batches differ from in-memory ones, so a resume must not switch (train.ts dataKey). */
  streamKey?: string;
}

/** In memory (the corpus fits the budget): today's path, bit for bit. */
async function prepareInMemory(input: TrainJobInput, inputNoise: number): Promise<PreparedData> {
  const s = input.settings;
  const data = await loadTrainingData(input.featsDir, input.aliDir, s, input.seed);
  const c = data.train.corpus;
  const train = perturbedSource(
    createBatchSource(c, { context: s.context, seed: input.seed }),
    inputNoise > 0 ? [new TransferNoise(inputNoise, featureStd(c), input.seed)] : [],
  );
  const dev = data.dev ? createBatchSource(data.dev, { context: s.context, seed: input.seed, shuffle: false }) : undefined;
  const summary: TrainDataSummary = {
    dim: c.dim,
    numPdfs: c.numPdfs,
    numUtts: c.uttIds.length,
    numFrames: c.uttStart[c.uttIds.length],
    featureConfig: data.train.featureConfig,
    frameShiftMs: data.train.frameShiftMs,
    cmvn: data.train.cmvn,
    pdfCounts: countPdfs([{ pdfIds: c.labels }], c.numPdfs),
  };
  return { train, dev, summary, skipped: data.train.skipped.length, transitionModel: data.transitionModel, langDir: data.langDir };
}

/**
 * Streamed (frame-stream.ts): shard windows of at most half the budget. A `--dev-split` held-out
 * set over half the budget is scored streamed too, after each epoch, in corpus order (the batches
 * it would give in memory); a smaller one, and `--dev` directories, are held in memory.
 */
async function prepareStreamed(input: TrainJobInput, inputNoise: number, maxMemoryFrames: number): Promise<PreparedData> {
  const s = input.settings;
  // Pdf ids only: the phone ids of a big alignment would double what it holds.
  const ali = await readAliPdfIds(input.aliDir);
  const numPdfs = ali.info.numPdfs;
  let plan = await planFrameStream(input.featsDir, { alignments: ali.alis, numPdfs, normVars: s.normVars, aliDir: input.aliDir });
  let devCorpus: FrameCorpus | undefined;
  let devStream: TrainingSource | undefined;
  if (s.dev && 'split' in s.dev) {
    const split = splitFramePlan(plan, s.dev.split, input.seed);
    plan = split.train;
    if (split.heldOut.numFrames > maxMemoryFrames / 2) devStream = createStreamingBatchSource(split.heldOut, { context: s.context, seed: input.seed, maxMemoryFrames, shuffle: false });
    else devCorpus = await loadShardWindow(split.heldOut, split.heldOut.shards);
  } else if (s.dev) {
    devCorpus = await loadDevDirs(s.dev, s, { featsDir: input.featsDir, aliDir: input.aliDir, numPdfs, dim: plan.dim, featureConfig: plan.info.config, cmvn: plan.cmvn });
  }
  const perturb = inputNoise > 0 ? [new TransferNoise(inputNoise, await streamFeatureStd(plan), input.seed)] : [];
  const train = createStreamingBatchSource(plan, { context: s.context, seed: input.seed, maxMemoryFrames, perturb });
  const summary: TrainDataSummary = {
    dim: plan.dim,
    numPdfs,
    numUtts: plan.numUtts,
    numFrames: plan.numFrames,
    featureConfig: plan.info.config,
    frameShiftMs: plan.info.frameShiftMs,
    cmvn: plan.cmvn,
    pdfCounts: planPdfCounts(plan),
  };
  return {
    train,
    dev: devCorpus ? createBatchSource(devCorpus, { context: s.context, seed: input.seed, shuffle: false }) : devStream,
    summary,
    skipped: plan.skipped.length,
    transitionModel: ali.transitionModel,
    langDir: path.join(input.aliDir, 'lang'),
    streamKey: `streamed ${maxMemoryFrames}`,
  };
}

/** Model metadata for a network trained on the data `d` summarises (priors from its label counts). */
export function modelMeta(arch: ArchConfig, d: TrainDataSummary, context: SpliceContext, trainedOn: DnnModelMeta['trainedOn']): DnnModelMeta {
  return {
    type: 'dnn',
    arch,
    context,
    inputDim: splicedDim(d.dim, context),
    numPdfs: d.numPdfs,
    featDim: d.dim,
    features: d.featureConfig,
    frameShiftMs: d.frameShiftMs,
    cmvn: d.cmvn,
    priors: logPriors(d.pdfCounts),
    trainedOn,
  };
}

/** A one-line summary of a training history. */
export function summarizeHistory(h: EpochStats[]): string {
  const last = h[h.length - 1];
  if (!last) return 'no epochs run';
  const dev = last.devAcc !== undefined ? `, dev acc ${(100 * last.devAcc).toFixed(2)}% loss ${last.devLoss?.toFixed(4)}` : '';
  return `${h.length} epochs, train acc ${(100 * last.trainAcc).toFixed(2)}% loss ${last.trainLoss.toFixed(4)}${dev}, ${Math.round(last.framesPerSec)} frames/s`;
}

/**
 * Train one DNN on FEATS_DIR + ALI_DIR into `outDir` (checkpoints and train.log.jsonl there during
 * training; the finished model directory at the end). `resume` continues from outDir/checkpoint/.
 */
export async function trainDnnDir(input: TrainJobInput, report?: (m: TrainJobMessage) => void): Promise<TrainJobResult> {
  const backend = await selectEngine(input.settings.backend);
  const s = input.settings;
  const inputNoise = s.inputNoise ?? 0;
  if (!(inputNoise >= 0 && Number.isFinite(inputNoise))) throw new InputError(`--input-noise ${inputNoise}: must be a number >= 0 (e.g. 0.5; 0 = none)`);
  // feats.json's frame count decides: a corpus over the budget is never loaded whole.
  const maxMemoryFrames = s.maxMemoryFrames ?? DEFAULT_MAX_MEMORY_FRAMES;
  const data =
    (await readFeatsInfo(input.featsDir)).numFrames > maxMemoryFrames
      ? await prepareStreamed(input, inputNoise, maxMemoryFrames)
      : await prepareInMemory(input, inputNoise);
  const { train, dev, summary: c } = data;
  const inputDim = splicedDim(c.dim, s.context);
  let last: EpochStats | undefined;
  let lastReport = 0;
  const onProgress = (p: TrainProgress): void => {
    const now = Date.now();
    if (!report || (now - lastReport < 250 && p.framesDone < p.framesTotal)) return;
    lastReport = now;
    const fields: Record<string, string | number> = { epoch: `${p.epoch}/${p.epochs}`, loss: p.loss.toFixed(3), acc: p.acc.toFixed(3), 'frames/s': p.framesPerSec };
    if (last?.devAcc !== undefined) fields['dev acc'] = last.devAcc.toFixed(3);
    report({ doneFrames: (p.epoch - 1) * p.framesTotal + p.framesDone, totalFrames: p.epochs * p.framesTotal, fields });
  };
  const dataKey = [inputNoise > 0 ? `input-noise ${inputNoise}` : '', data.streamKey ?? ''].filter(Boolean).join(', ');
  const loss: LossConfig = { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 };
  const { weights, history } = await trainModel({
    arch: input.arch,
    inputDim,
    numPdfs: c.numPdfs,
    train,
    dev,
    epochs: s.epochs,
    batchSize: s.batchSize,
    optimizer: s.optimizer,
    learningRate: s.learningRate,
    momentum: s.momentum,
    newbob: s.newbob,
    averageDecay: s.averageDecay,
    loss,
    seed: input.seed,
    // Noise and streaming change the batches, not their count: a resume must use the same.
    dataKey: dataKey || undefined,
    outDir: input.outDir,
    resume: input.resume,
    onEpoch: (e) => (last = e),
    onProgress,
    progress: { label: input.label, quiet: !input.ownProgress },
    engine: backend,
  });
  const meta = modelMeta(input.arch, c, s.context, {
    feats: path.resolve(input.featsDir),
    ali: path.resolve(input.aliDir),
    numUtts: c.numUtts,
    numFrames: c.numFrames,
    date: new Date().toISOString(),
    seed: input.seed,
    epochs: history.length,
  });
  await writeDnnModelDir(input.outDir, { weights, meta, transitionModel: data.transitionModel, langDir: data.langDir });
  return { outDir: input.outDir, backend, history, numFrames: meta.trainedOn.numFrames, skipped: data.skipped, summary: summarizeHistory(history) };
}

/** Job-runner entry point (ensemble members): trainDnnDir with progress sent through `ctx.report`. */
export async function trainJob(input: TrainJobInput, ctx: JobContext): Promise<TrainJobResult> {
  return trainDnnDir({ ...input, ownProgress: false }, (m) => ctx.report(m));
}
