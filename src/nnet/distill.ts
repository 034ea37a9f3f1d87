// Distilling a teacher (one DNN or an ensemble) into a student DNN (Hinton, Vinyals & Dean 2015,
// sec. 4): soft targets at temperature T from the teacher, hard targets from the alignment, loss
// T^2 * CE(teacher_T, student_T) + W * CE(label, student_1) (train.ts / distill-loss.ts), or the
// Caruana-style logit matching. With ALI_DIR '-' and W = 0 the transfer set is unlabeled; the
// student then takes the pdf set, transition model and priors from the teacher.
import { pathExists } from '../store/paths.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readFeatsInfo } from '../store/feats-archive.js';
import { InputError } from '../errors.js';
import { readAlignments } from '../hmm/ali-archive.js';
import { concatFramePlans, createStreamingBatchSource, DEFAULT_MAX_MEMORY_FRAMES, loadShardWindow, planPdfCounts, splitFramePlan, streamFeatureStd, type FrameStreamPlan } from './frame-stream.js';
import { aliPdfMismatch, checkTransferData, distillMemoryBudget, planTransferStream, targetFloatsPerFrame } from './distill-stream.js';
import { createProgress } from '../jobs/progress.js';
import { createJobRunner, defaultJobs, type JobRunner, type RunnerBackend } from '../jobs/runner.js';
import { createAcousticForward, selectEngine } from './engine.js';
import { concatFrameCorpora, corpusFrames, createBatchSource, loadFrameCorpus, splitCorpus, type FrameCorpus, type FrameTargets } from './batches.js';
import { AcousticForward, loadAcousticModel, type AcousticModel } from './ensemble.js';
import { modelKind } from './model-kind.js';
import { readDnnModelDir, writeDnnModelDir, MODEL_LANG_DIR, type DnnModel, type DnnModelMeta } from './model-dir.js';
import { describeArch, layerSizes, type ArchConfig } from './arch.js';
import { countPdfs, logPriors } from './priors.js';
import { computeTeacherTargets, localBatchTeacher, onlineTeacherSource, workerBatchTeacher, teacherIdentity, type TeacherTargets, type BatchTeacher } from './teachers.js';
import { formatSoftTargets, TopKTargets, type SoftTargetMode } from './targets.js';
import { cachedWindowTargets, readSoftTargetCache, topKArgmax, writeSoftTargetCache } from './soft-target-cache.js';
import { splicedDim, type SpliceContext } from './splice.js';
import { trainModel, type EpochStats, type LossConfig, type TrainingSource } from './train.js';
import { featureStd, TransferNoise } from './transfer-noise.js';
import { TransferWarp } from './transfer-warp.js';
import { TransferMixup } from './transfer-mixup.js';
import { summarizeHistory, type TrainSettings } from './train-worker.js';
import { outputPathOf } from '../store/output-dir.js';
import { applyDistillSetup, type DistillSetupName } from './distill-setup.js';

/** Options of distill. */
export interface DistillOptions {
  featsDir: string;
  /** null = unlabeled transfer set (ALI_DIR `-`): requires hardWeight 0. */
  aliDir: string | null;
  teacherDir: string;
  studentDir: string;
  arch: ArchConfig;
  temperature: number;
  /** The named setup this student follows (distill-setup.ts), recorded in its meta; options already resolved by applyDistillSetup. */
  setup?: DistillSetupName;
  /** Weight of the hard-label CE (the paper: 0.5). */
  hardWeight: number;
  softTargets: SoftTargetMode;
  loss: 'soft-ce' | 'logit-mse';
  /** Top-K soft-target cache file (Arrow); reused when T and teacher match, rejected otherwise. */
  cache?: string;
  /**
   * Gaussian noise added to every transfer frame, fresh each epoch, as a fraction of each feature
   * dimension's standard deviation; the teacher's targets are computed on the noisy frames
   * (transfer-noise.ts). 0 or absent: the paper's setup (the training frames as they are).
   */
  transferNoise?: number;
  /** Fraction of transfer frames perturbed each epoch (default 1: all). */
  transferNoiseFrames?: number;
  /**
   * Largest relative frequency warp of the transfer frames (VTLP, transfer-warp.ts): each frame is
   * warped by a factor from [1 - R, 1 + R], fresh each epoch, before the teacher labels it. 0 or
   * absent: off.
   */
  transferWarp?: number;
  /**
   * Largest partner weight of within-batch mixup of the transfer frames (transfer-mixup.ts), in
   * (0, 0.5]; the teacher labels the mixed frames. 0 or absent: off.
   */
  transferMixup?: number;
  /**
   * Unlabeled feature directories added to the transfer set (sec. 2: the transfer set may be
   * unlabeled data): the student learns the teacher's soft targets there, with no hard-label term.
   */
  transferExtra?: string[];
  /**
   * Job-runner workers for the teacher's forward passes (default: cores - 1; 0 = this thread only).
   * With perturbed transfer frames they compute the next batches' targets while the student
   * trains; otherwise they share the one pass over the transfer set (and dev) with this thread.
   * The results are identical either way.
   */
  teacherJobs?: number;
  /**
   * Start the student from this model's weights instead of a random init (e.g. the baseline, as
   * Kaldi teacher-student recipes often do): same layer sizes and context required.
   */
  initFrom?: string;
  /** Runner backend for teacherJobs (tests use 'inline'). */
  runner?: RunnerBackend;
  /** `context` defaults to the teacher's. */
  settings: Omit<TrainSettings, 'context'> & { context?: SpliceContext };
  seed: number;
  resume?: boolean;
  quiet?: boolean;
}

/** Result of distill. */
export interface DistillResult {
  studentDir: string;
  history: EpochStats[];
  summary: string;
  teacherId: string;
  cacheUsed: boolean;
  numFrames: number;
}

/** Check the option combination before any work (messages say what to do). */
export function checkDistillOptions(o: Pick<DistillOptions, 'aliDir' | 'hardWeight' | 'temperature' | 'softTargets' | 'loss' | 'cache' | 'transferNoise' | 'transferNoiseFrames' | 'transferWarp' | 'transferMixup'>): void {
  if (!(o.temperature > 0) || !Number.isFinite(o.temperature)) throw new InputError(`--temperature ${o.temperature}: must be a positive number (the paper tried 1, 2, 5, 10)`);
  if (!(o.hardWeight >= 0)) throw new InputError(`--hard-weight ${o.hardWeight}: must be >= 0 (the paper used 0.5)`);
  if (o.aliDir === null && o.hardWeight !== 0) {
    throw new InputError(`ALI_DIR '-' (unlabeled transfer set) has no hard targets: use --hard-weight 0, or give an alignment directory`);
  }
  if (o.loss === 'logit-mse' && o.softTargets.kind === 'top-k') {
    throw new InputError(`--loss logit-mse matches the teacher's full logit vector; use --soft-targets full with it`);
  }
  if (o.cache && o.softTargets.kind !== 'top-k') throw new InputError(`--cache keeps top-K soft targets; use it with --soft-targets top-k:K`);
  const noise = o.transferNoise ?? 0;
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new InputError(`--transfer-noise ${noise}: must be a number >= 0 (e.g. 0.5; 0 = off)`);
  const warp = o.transferWarp ?? 0;
  if (!(warp >= 0 && warp < 0.5)) throw new InputError(`--transfer-warp ${warp}: must be a fraction in [0, 0.5) (e.g. 0.1 for factors 0.9..1.1; 0 = off)`);
  const mixup = o.transferMixup ?? 0;
  if (!(mixup >= 0 && mixup <= 0.5)) throw new InputError(`--transfer-mixup ${mixup}: must be a weight in [0, 0.5] (e.g. 0.3; 0 = off)`);
  for (const [flag, value, frames] of [['--transfer-noise', noise, 'noisy'], ['--transfer-warp', warp, 'warped'], ['--transfer-mixup', mixup, 'mixed']] as const) {
    if (value > 0 && o.softTargets.kind === 'top-k') {
      throw new InputError(`${flag} computes the teacher's targets per batch on the ${frames} frames, so there is nothing to keep as top-K; use --soft-targets full with it`);
    }
  }
  const frames = o.transferNoiseFrames;
  if (frames !== undefined) {
    if (!(frames > 0 && frames <= 1)) throw new InputError(`--transfer-noise-frames ${frames}: must be a fraction in (0, 1] (e.g. 0.5)`);
    if (!(noise > 0)) throw new InputError(`--transfer-noise-frames says which share of the frames get the noise; give --transfer-noise R too`);
  }
}

/**
 * Load a corpus for the student, checked against the teacher (feature configuration, dim, CMVN,
 * pdfs); `allowFeatureMismatch` turns a different feature configuration into a warning.
 */
async function loadForTeacher(teacher: AcousticModel, featsDir: string, aliDir: string | null, allowFeatureMismatch = false): Promise<FrameCorpus> {
  let alignments: Map<string, { pdfIds: Int32Array }> | undefined;
  if (aliDir) {
    const ali = await readAlignments(aliDir);
    if (ali.info.numPdfs !== teacher.meta.numPdfs) throw aliPdfMismatch(aliDir, ali.info.numPdfs, teacher);
    alignments = ali.alis;
  }
  const loaded = await loadFrameCorpus(featsDir, { alignments, numPdfs: teacher.meta.numPdfs, normVars: teacher.meta.cmvn.normVars, aliDir: aliDir ?? undefined });
  checkTransferData(teacher, featsDir, { featureConfig: loaded.featureConfig, cmvn: loaded.cmvn, dim: loaded.corpus.dim }, allowFeatureMismatch);
  return loaded.corpus;
}

/** What a teacher pass keeps for distill's loss: soft targets for soft-ce, the members' mean logits for logit-mse. */
function teacherPassOptions(o: DistillOptions, helper: BatchTeacher | undefined): Parameters<typeof computeTeacherTargets>[2] {
  return { temperature: o.temperature, mode: o.softTargets, withSoft: o.loss === 'soft-ce', withLogits: o.loss === 'logit-mse', helper };
}

async function teacherTargets(
  fwd: AcousticForward,
  corpus: FrameCorpus,
  o: DistillOptions,
  label: string,
  helper: BatchTeacher | undefined,
): Promise<TeacherTargets> {
  const total = corpus.uttStart[corpus.uttIds.length];
  const bar = createProgress({ label, total, unit: 'frames', quiet: o.quiet });
  try {
    return await computeTeacherTargets(fwd, corpus, { ...teacherPassOptions(o, helper), onFrames: (n) => bar.increment(n) });
  } finally {
    bar.stop();
  }
}

/**
 * Fewest frames (transfer set + dev) for which the one teacher pass over them starts worker threads
 * by default: a worker's start (module, wasm backend, the teacher's weights: ~1 s) costs more
 * than it saves on a smaller set. An explicit teacherJobs always applies.
 */
const SHARED_PASS_MIN_FRAMES = 50_000;

/**
 * Distill TEACHER into a student model directory. The teacher runs once over the transfer set
 * (targets kept in memory, or read from / written to the top-K cache); the student then trains on
 * batches carrying those targets. A transfer set over --max-memory-frames (distill-stream.ts)
 * is streamed a window of shards at a time, and the teacher runs over each
 * window as it is read, every epoch (perturbed frames: over each batch, as in memory), or, with
 * --cache (top-K), once per shard: the cache is then a directory of per-shard files.
 */
export async function distill(o: DistillOptions): Promise<DistillResult> {
  checkDistillOptions(o);
  // A setup's options were resolved by the caller; this rejects a caller that departed from it.
  if (o.setup) applyDistillSetup(o.setup, o);
  const engine = await selectEngine(o.settings.backend);
  const teacher = await loadAcousticModel(o.teacherDir);
  const context = o.settings.context ?? teacher.meta.context;
  const allowMismatch = o.settings.allowFeatureMismatch ?? false;
  const extra = o.transferExtra ?? [];
  const noise = o.transferNoise ?? 0;
  const warp = o.transferWarp ?? 0;
  const mixup = o.transferMixup ?? 0;
  // Perturbed transfer frames: the teacher's targets are computed per batch, none are held per frame.
  const perturbed = noise > 0 || warp > 0 || mixup > 0;
  const withLogits = o.loss === 'logit-mse';
  // The transfer set (extra directories included) is held in memory while its frames fit
  // --max-memory-frames, else streamed a window of shards at a time (distill-stream.ts).
  const featsInfo = await readFeatsInfo(o.featsDir);
  let transferFrames = featsInfo.numFrames;
  for (const dir of extra) transferFrames += (await readFeatsInfo(dir)).numFrames;
  const targetFloats = targetFloatsPerFrame(o.softTargets, o.loss, teacher.meta.numPdfs, perturbed);
  const memBudget = distillMemoryBudget(transferFrames, featsInfo.dim, targetFloats, o.settings.maxMemoryFrames ?? DEFAULT_MAX_MEMORY_FRAMES);
  if (memBudget.streamed && o.cache && (perturbed || o.loss !== 'soft-ce')) {
    process.stderr.write(`warning: distill: the transfer set is streamed (over --max-memory-frames) with ${perturbed ? 'perturbed transfer frames' : `--loss ${o.loss}`}; the teacher's targets are not top-K soft targets kept per shard, so the cache ${o.cache} is neither read nor written\n`);
  }
  // A streamed set's cache is a directory of per-shard files (soft-target-cache.ts cachedWindowTargets).
  if (memBudget.streamed && o.cache && (await pathExists(o.cache)) && !(await fs.stat(o.cache)).isDirectory()) {
    throw new InputError(`--cache ${o.cache}: a file (the cache of a transfer set held in memory), but this transfer set is streamed (over --max-memory-frames) and keeps its cache in a directory, one file per shard; give another --cache path, or delete ${o.cache}`);
  }
  // Held in memory (corpus) or streamed (plan); dev likewise (a streamed one only from --dev-split).
  let corpus: FrameCorpus | undefined;
  let plan: FrameStreamPlan | undefined;
  let dev: FrameCorpus | undefined;
  let devPlan: FrameStreamPlan | undefined;
  // Priors (for decoding) come from the labeled frames only; extra frames keep label -1, which
  // masks their hard-label term (tfjs/train-step.ts) and leaves them out of the accuracy figures.
  let labeledCounts: () => Float64Array;
  const devSpec = o.settings.dev;
  if (!memBudget.streamed) {
    corpus = await loadForTeacher(teacher, o.featsDir, o.aliDir, allowMismatch);
    if (devSpec && 'split' in devSpec) {
      const s = splitCorpus(corpus, devSpec.split, o.seed);
      corpus = s.train;
      dev = s.heldOut;
    } else if (devSpec) {
      dev = await loadForTeacher(teacher, devSpec.featsDir, devSpec.aliDir, allowMismatch);
    }
    const labeled = corpus;
    labeledCounts = () => countPdfs([{ pdfIds: labeled.labels }], labeled.numPdfs);
    if (extra.length > 0) {
      const parts = [corpus];
      for (const dir of extra) parts.push(await loadForTeacher(teacher, dir, null, allowMismatch));
      corpus = concatFrameCorpora(parts);
    }
  } else {
    plan = await planTransferStream(teacher, o.featsDir, o.aliDir, allowMismatch);
    if (devSpec && 'split' in devSpec) {
      const s = splitFramePlan(plan, devSpec.split, o.seed);
      plan = s.train;
      // A held-out set over half the window budget is scored streamed (in corpus order); a smaller one is loaded.
      if (s.heldOut.numFrames > memBudget.streamFrames / 2) devPlan = s.heldOut;
      else dev = await loadShardWindow(s.heldOut, s.heldOut.shards);
    } else if (devSpec) {
      dev = await loadForTeacher(teacher, devSpec.featsDir, devSpec.aliDir, allowMismatch);
    }
    const labeled = plan;
    labeledCounts = () => planPdfCounts(labeled);
    if (extra.length > 0) {
      const parts = [plan];
      for (const dir of extra) parts.push(await planTransferStream(teacher, dir, null, allowMismatch));
      plan = concatFramePlans(parts);
    }
  }
  const featDim = corpus ? corpus.dim : plan!.dim;
  const numUtts = corpus ? corpus.uttIds.length : plan!.numUtts;
  const numFrames = corpus ? corpusFrames(corpus) : plan!.numFrames;
  const teacherId = await teacherIdentity(teacher);
  const key = { temperature: o.temperature, teacherId, teacherDir: path.resolve(o.teacherDir), engine, k: o.softTargets.kind === 'top-k' ? o.softTargets.k : undefined };
  const inputDim = splicedDim(featDim, context);
  // Checked before the teacher runs over the transfer set.
  let initialWeights: DnnModel['weights'] | undefined;
  if (o.initFrom) {
    const init = await readDnnModelDir(o.initFrom);
    const want = layerSizes(o.arch, inputDim, teacher.meta.numPdfs).join('-');
    const got = layerSizes(init.meta.arch, init.meta.inputDim, init.meta.numPdfs).join('-');
    const sameContext = init.meta.context.left === context.left && init.meta.context.right === context.right;
    if (want !== got || !sameContext || init.meta.arch.activation !== o.arch.activation) {
      throw new InputError(
        `--init-from ${o.initFrom}: a ${describeArch(init.meta.arch, init.meta.inputDim, init.meta.numPdfs)} model with context ${init.meta.context.left}:${init.meta.context.right}, ` +
          `but the student is ${describeArch(o.arch, inputDim, teacher.meta.numPdfs)} with context ${context.left}:${context.right}; give a model of the student's shape`,
      );
    }
    initialWeights = init.weights;
  }
  // Teacher and student on the engine --backend resolves to (auto: ONNX Runtime).
  const fwd = await createAcousticForward(teacher, o.settings.backend);
  let cacheUsed = false;
  let train: TrainingSource;
  let runner: JobRunner | undefined;
  let devSource: TrainingSource | undefined;
  try {
    // The teacher's forward passes use the spare core(s): per batch with perturbed transfer frames
    // (the student's step and the teacher's passes then overlap), else shared with this thread in
    // the one pass over the transfer set (in memory) or over each window (streamed).
    const teacherJobs = o.teacherJobs ?? defaultJobs() - 1;
    const onePassFrames = numFrames + (dev ? corpusFrames(dev) : 0);
    if (teacherJobs > 0 && (perturbed || plan || o.teacherJobs !== undefined || onePassFrames >= SHARED_PASS_MIN_FRAMES)) {
      runner = createJobRunner({ jobs: teacherJobs, backend: o.runner ?? 'local', idleTimeoutMs: 60_000 });
    }
    const helper = runner ? workerBatchTeacher(runner, { teacherDir: key.teacherDir, teacherId, backend: o.settings.backend, temperature: o.temperature, withLogits }) : undefined;
    // Streamed: the teacher's targets over each window when it is read, its frames in corpus order
    // (the in-memory pass's chunks when the window is the whole set); an unlabeled set's labels are the teacher's choice.
    const windowPass = (c: FrameCorpus) => computeTeacherTargets(fwd, c, teacherPassOptions(o, helper));
    const windowTargets =
      (unlabeled: boolean) =>
      async (c: FrameCorpus): Promise<FrameTargets> => {
        const t = await windowPass(c);
        if (unlabeled) c.labels = t.argmax;
        return t.targets;
      };
    let devTargets: TeacherTargets | undefined;
    if (dev) devTargets = await teacherTargets(fwd, dev, o, `teacher targets (dev)`, helper);
    // A held-out split of an unlabeled set has no labels either (newbob needs an accuracy to follow).
    if (o.aliDir === null && dev && devSpec && 'split' in devSpec) dev.labels = devTargets!.argmax;
    if (dev) devSource = createBatchSource(dev, { context, seed: o.seed, shuffle: false, targets: devTargets!.targets });
    else if (devPlan) devSource = createStreamingBatchSource(devPlan, { context, seed: o.seed, maxMemoryFrames: memBudget.streamFrames, shuffle: false, windowTargets: windowTargets(o.aliDir === null) });
    if (perturbed) {
      // Targets change with the perturbation every epoch: the teacher runs on each batch as it is made.
      const batchTeacher = helper ?? localBatchTeacher(fwd, o.temperature, withLogits);
      const perturb = [
        ...(warp > 0 ? [new TransferWarp(warp, featDim, o.seed)] : []),
        ...(mixup > 0 ? [new TransferMixup(mixup, o.seed)] : []),
        ...(noise > 0 ? [new TransferNoise(noise, corpus ? featureStd(corpus) : await streamFeatureStd(plan!), o.seed, o.transferNoiseFrames ?? 1)] : []),
      ];
      // A streamed source applies the perturbations itself, batch k of epoch e with (e, k) as perturbedSource does.
      const base = corpus ? createBatchSource(corpus, { context, seed: o.seed }) : createStreamingBatchSource(plan!, { context, seed: o.seed, maxMemoryFrames: memBudget.streamFrames, perturb });
      train = onlineTeacherSource(base, batchTeacher, {
        inputDim: fwd.inputDim,
        numPdfs: fwd.numPdfs,
        withSoft: o.loss === 'soft-ce',
        perturb: corpus ? perturb : undefined,
        labelsFromTeacher: o.aliDir === null,
        lookahead: 2 * Math.max(1, teacherJobs),
      });
    } else if (plan) {
      let trainTargets = windowTargets(o.aliDir === null);
      if (o.cache && o.loss === 'soft-ce') {
        // The teacher runs over each shard once (the first epoch), later epochs and runs read CACHE/shard-N.arrow.
        const shardOf = new Map<string, number>();
        plan.shards.forEach((s, n) => s.uttIds.forEach((u) => shardOf.set(u, n)));
        const cached = cachedWindowTargets(
          o.cache,
          shardOf,
          key,
          // soft-ce: the pass keeps top-K soft targets, no logits.
          async (c) => (await windowPass(c)).targets as TopKTargets,
          () => (cacheUsed = true),
        );
        trainTargets = async (c) => {
          const t = await cached(c);
          // As in memory with a cache: an unlabeled set's labels are the teacher's top pdf.
          if (o.aliDir === null) c.labels = topKArgmax(t);
          return t;
        };
      }
      train = createStreamingBatchSource(plan, { context, seed: o.seed, maxMemoryFrames: memBudget.streamFrames, windowTargets: trainTargets });
    } else {
      const mem = corpus!;
      let trainTargets: TeacherTargets;
      if (o.cache && (await pathExists(o.cache))) {
        const cached = await readSoftTargetCache(o.cache, mem, key);
        // The cache holds soft targets; labels for an unlabeled set are the teacher's top pdf.
        trainTargets = { targets: cached, argmax: topKArgmax(cached) };
        cacheUsed = true;
      } else {
        trainTargets = await teacherTargets(fwd, mem, o, `teacher targets T=${o.temperature}`, helper);
        if (o.cache) await writeSoftTargetCache(o.cache, mem, trainTargets.targets as TopKTargets, key);
      }
      // Unlabeled transfer set: the labels only feed the accuracy figures (W = 0), so use the teacher's choice.
      if (o.aliDir === null) mem.labels = trainTargets.argmax;
      train = createBatchSource(mem, { context, seed: o.seed, targets: trainTargets.targets });
      // The targets are in memory: the helper's core is free while the student trains.
      await runner?.close();
      runner = undefined;
    }
  } catch (e) {
    fwd.dispose();
    await runner?.close();
    throw e;
  }

  const loss: LossConfig = { kind: o.loss, temperature: o.temperature, hardWeight: o.hardWeight, softWeight: 1 };
  let trained: Awaited<ReturnType<typeof trainModel>>;
  try {
    trained = await trainModel({
      arch: o.arch,
      inputDim,
      numPdfs: teacher.meta.numPdfs,
      train,
      dev: devSource,
      epochs: o.settings.epochs,
      batchSize: o.settings.batchSize,
      optimizer: o.settings.optimizer,
      learningRate: o.settings.learningRate,
      momentum: o.settings.momentum,
      newbob: o.settings.newbob,
      averageDecay: o.settings.averageDecay,
      loss,
      seed: o.seed,
      // The perturbations change the batches, not their count: a resume must use the same.
      initialWeights,
      dataKey: [o.initFrom ? `init ${path.resolve(o.initFrom)}` : '', memBudget.streamed ? `streamed ${memBudget.streamFrames}` : '', warp > 0 ? `transfer-warp ${warp}` : '', mixup > 0 ? `transfer-mixup ${mixup}` : '', noise > 0 ? `transfer-noise ${noise}${(o.transferNoiseFrames ?? 1) < 1 ? ` of ${o.transferNoiseFrames} of the frames` : ''}` : '', ...extra.map((d) => `transfer-extra ${path.resolve(d)}`)].filter(Boolean).join(', ') || undefined,
      outDir: o.studentDir,
      resume: o.resume,
      progress: { label: `distill ${path.basename(outputPathOf(o.studentDir))}`, quiet: o.quiet },
      engine,
    });
  } finally {
    fwd.dispose();
    await runner?.close();
  }
  const { weights, history } = trained;
  const priors = o.aliDir ? logPriors(labeledCounts()) : teacher.meta.priors;
  const meta: DnnModelMeta = {
    type: 'dnn',
    arch: o.arch,
    context,
    inputDim,
    numPdfs: teacher.meta.numPdfs,
    featDim,
    // What the student saw: the teacher's configuration unless --allow-feature-mismatch let another in.
    features: featsInfo.config,
    frameShiftMs: teacher.meta.frameShiftMs,
    cmvn: teacher.meta.cmvn,
    priors,
    trainedOn: {
      feats: path.resolve(o.featsDir),
      ali: o.aliDir ? path.resolve(o.aliDir) : null,
      numUtts,
      numFrames,
      date: new Date().toISOString(),
      seed: o.seed,
      epochs: history.length,
      teacher: {
        dir: key.teacherDir,
        id: teacherId,
        temperature: o.temperature,
        loss: o.loss,
        hardWeight: o.hardWeight,
        softTargets: formatSoftTargets(o.softTargets),
        transferNoise: noise,
        ...(warp > 0 ? { transferWarp: warp } : {}),
        ...(mixup > 0 ? { transferMixup: mixup } : {}),
        ...(noise > 0 && (o.transferNoiseFrames ?? 1) < 1 ? { transferNoiseFrames: o.transferNoiseFrames } : {}),
        ...(o.initFrom ? { initFrom: path.resolve(o.initFrom) } : {}),
        ...(o.setup ? { setup: o.setup } : {}),
        ...(extra.length > 0 ? { transferExtra: extra.map((d) => path.resolve(d)) } : {}),
      },
    },
  };
  const teacherLang = path.join(teacher.dir, MODEL_LANG_DIR);
  const memberLang = path.join(teacher.members[0].dir, MODEL_LANG_DIR);
  const langDir = (await pathExists(teacherLang)) ? teacherLang : (await pathExists(memberLang)) ? memberLang : undefined;
  await writeDnnModelDir(o.studentDir, { weights, meta, transitionModel: teacher.members[0].transitionModel, langDir });
  return { studentDir: o.studentDir, history, summary: summarizeHistory(history), teacherId, cacheUsed, numFrames };
}

/** Whether `dir` is an ensemble directory (for messages). */
export async function isEnsembleDir(dir: string): Promise<boolean> {
  return (await modelKind(dir)) === 'ensemble';
}
