// Specialist models trained end to end (Hinton, Vinyals & Dean 2015, sec. 5): cluster the pdfs by
// the covariance of a model's predictions on held-out frames (sec. 5.2), then train one specialist
// per cluster from the generalist's weights on its cluster's pdfs plus a dustbin class, half of its
// frames from its cluster, and correct the dustbin's logit for that biased sampling (sec. 5.1).
// Each specialist learns its hard labels (the paper's specialists) or, given a teacher, the
// teacher's soft targets mapped to its classes plus the dustbin with distill's loss (sec. 6, last
// paragraph: soft targets might keep specialists from overfitting).
// The pure parts are in specialists.ts; this file loads, trains (on whichever engine trainModel
// runs: ONNX Runtime or TensorFlow.js) and writes OUT/spec-NN/ + OUT/specialists.json (its format in
// specialists-manifest.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { createBatchSource, splicedChunks, spliceFrames, corpusFrames, frameUtterances, type FrameCorpus } from './batches.js';
import type { DnnWeights } from './weights.js';
import { DEFAULT_BACKEND, type BackendName } from './backend-name.js';
import { loadAcousticModel, type AcousticForward, type AcousticModel } from './ensemble.js';
import { createAcousticForward, selectEngine } from './engine.js';
import { loadEvalCorpus } from './eval.js';
import { saveDnn } from './tfjs/layers-model.js';
import { countPdfs, logPriors } from './priors.js';
import { writeSpecialistsManifest, type SpecialistEntry, type SpecialistsManifest } from './specialists-manifest.js';
import { clusterPdfsByCovariance, coverageHistogram, overlappingPdfClusters, predictionCovariance, dustbinLabels, dustbinSoftTargets, fitDustbinUnit, type ClusterMatrix, dustbinMap, shiftDustbinLogit, specialistInitWeights, specialistTrainingSet } from './specialists.js';
import { CHECKPOINT_DIR, trainModel, type EpochStats, type LossConfig } from './train.js';
import { checkDistillOptions } from './distill.js';
import { DEFAULT_HARD_WEIGHT } from './distill-loss.js';
import { computeTeacherTargets, teacherIdentity } from './teachers.js';
import { DEFAULT_SOFT_TARGETS, DenseTargets } from './targets.js';

/**
 * Soft targets for the specialists (sec. 6, last paragraph), with distill's loss and settings:
 * T^2 x CE(q_T, softmax(z / T)) + W x CE(label, softmax(z)), where q_T is the teacher's
 * distribution at T (members combined by the ensemble's rule, as distill) summed onto the
 * specialist's pdfs plus its dustbin.
 */
export interface SpecialistSoftTargets {
  /** The teacher: a model or an ensemble over the generalist's pdfs (e.g. the ensemble the generalist belongs to). */
  teacherDir: string;
  /** distill's --temperature. */
  temperature: number;
  /** distill's --hard-weight (default DEFAULT_HARD_WEIGHT, 0.5, the paper's). */
  hardWeight?: number;
}

/** Defaults of trainSpecialists: a few epochs at a small rate, since each specialist starts from the generalist (sec. 5.1: its weights are "slightly modified"). */
export const SPECIALIST_DEFAULTS = { epochs: 3, learningRate: 0.0005, optimizer: 'adam', batchSize: 256, cover: 1, maxClusterFrames: 50_000, maxFitFrames: 8000, clusterMatrix: 'correlation' as ClusterMatrix } as const;

export interface TrainSpecialistsOptions {
  /** A single DNN (model directory): the specialists start from its weights. */
  generalistDir: string;
  /** Training features and alignments (the generalist's training set). */
  featsDir: string;
  aliDir: string;
  /** Held-out features and alignments: the frames whose predictions are clustered, and the specialists' held-out scoring. */
  clusterOn: { featsDir: string; aliDir: string };
  /** Model or ensemble whose predictions are clustered (default the generalist; the paper clusters the generalist's). */
  clusterWithDir?: string;
  outDir: string;
  /** K: clusters per clustering. */
  numClusters: number;
  /** k-means on the columns of the predictions' covariance (the paper's) or correlation (default: balanced clusters on speech states; specialists.ts). */
  clusterMatrix?: ClusterMatrix;
  /** Clusterings with different k-means seeds (default 1): with N > 1 each pdf is covered by up to N specialists (identical clusters are trained once). */
  cover?: number;
  /**
   * S: overlapping clusters, each k-means centre taking the S pdfs nearest to it among those with
   * held-out frames (overlappingPdfClusters), so that a pdf is covered by 0..K x cover specialists
   * (Table 4's curve over coverage). Default: off, a partition per clustering.
   */
  clusterSize?: number;
  epochs?: number;
  learningRate?: number;
  optimizer?: 'sgd' | 'adam';
  momentum?: number;
  batchSize?: number;
  seed: number;
  backend?: BackendName;
  /** Frames of `clusterOn` used for the covariance at most (default 50,000; the first ones, in corpus order). */
  maxClusterFrames?: number;
  /** Training frames the dustbin unit's starting weights are fitted on at most (default 8000, evenly spaced). */
  maxFitFrames?: number;
  /** Keep the epoch (0 = the starting weights) of the lowest loss on the held-out frames (default true). */
  earlyStopping?: boolean;
  /** Train on a teacher's soft targets (mapped to each specialist's classes) instead of the hard labels alone. */
  softTargets?: SpecialistSoftTargets;
  allowFeatureMismatch?: boolean;
  quiet?: boolean;
}

/** The posteriors (combined, at T = 1) of `model` on the first `maxFrames` frames of `corpus`. */
export async function modelPosteriors(model: AcousticModel, corpus: FrameCorpus, backend: BackendName, maxFrames = Infinity): Promise<{ posteriors: Float32Array; numFrames: number }> {
  const numPdfs = model.meta.numPdfs;
  const total = Math.min(maxFrames, corpusFrames(corpus));
  const out = new Float32Array(total * numPdfs);
  const fwd = await createAcousticForward(model, backend);
  try {
    for (const { start, n, x } of splicedChunks(corpus, model.meta.context, 1024)) {
      if (start >= total) break;
      const k = Math.min(n, total - start);
      out.set(fwd.posteriors(x.subarray(0, k * model.meta.inputDim), k).subarray(0, k * numPdfs), start * numPdfs);
    }
  } finally {
    fwd.dispose();
  }
  return { posteriors: out, numFrames: total };
}

/**
 * The clusters of `cover` k-means runs (seeds seed, seed+1, ...) on the columns of the
 * predictions' covariance or correlation (`matrix`); a cluster found again in a later run is kept
 * once, and K = 1 (a cluster of every pdf, no dustbin) is refused. With `overlap`, each centre
 * takes the `size` nearest `usable` pdfs (overlappingPdfClusters) instead of a partition of all.
 */
export function specialistClusters(posteriors: Float32Array, numFrames: number, numPdfs: number, k: number, cover: number, seed: number, matrix: ClusterMatrix = 'covariance', overlap?: { size: number; usable: ArrayLike<boolean> }): Int32Array[] {
  if (!Number.isInteger(cover) || cover < 1) throw new InputError(`--cover ${cover}: give a positive number of clusterings`);
  if (k < 2) throw new InputError(`--num ${k}: a specialist needs pdfs outside its cluster (its dustbin); give --num 2 or more`);
  const seen = new Set<string>();
  const out: Int32Array[] = [];
  // One covariance for every clustering: only the k-means seed differs between them.
  const cov = predictionCovariance(posteriors, numFrames, numPdfs);
  for (let c = 0; c < cover; c++) {
    const clusters = overlap
      ? overlappingPdfClusters(cov, numPdfs, k, overlap.size, seed + c, matrix, overlap.usable)
      : clusterPdfsByCovariance(cov, numPdfs, k, seed + c, matrix);
    for (const cluster of clusters) {
      const key = cluster.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(cluster);
    }
  }
  return out;
}

/**
 * Mean cross-entropy of the network `weights` (shaped like `like`'s members: same input, its own
 * outputs) on the labelled `frames` of `corpus`, run on `backend`'s engine.
 */
export async function meanFrameLoss(weights: DnnWeights, like: AcousticModel, corpus: FrameCorpus, frames: Int32Array, backend: BackendName): Promise<number> {
  const meta = { ...like.meta, numPdfs: weights.numPdfs, priors: new Array<number>(weights.numPdfs).fill(0) };
  const model: AcousticModel = { kind: 'dnn', dir: like.dir, combine: 'arithmetic', members: [{ ...like.members[0], meta, weights }], meta };
  const fwd = await createAcousticForward(model, backend);
  const frameUtt = frameUtterances(corpus);
  const chunk = 1024;
  const x = new Float32Array(chunk * meta.inputDim);
  let [sum, count] = [0, 0];
  try {
    for (let s = 0; s < frames.length; s += chunk) {
      const n = Math.min(chunk, frames.length - s);
      const idx = frames.subarray(s, s + n);
      spliceFrames(corpus, frameUtt, idx, n, meta.context, x);
      const p = fwd.posteriors(x.subarray(0, n * meta.inputDim), n);
      for (let i = 0; i < n; i++) {
        const y = corpus.labels[idx[i]];
        if (y < 0) continue;
        sum -= Math.log(Math.max(p[i * meta.numPdfs + y], 1e-30));
        count++;
      }
    }
  } finally {
    fwd.dispose();
  }
  return count > 0 ? sum / count : NaN;
}

/**
 * The last hidden layer's activations (after the ReLU) of the single DNN `model` on `frames` of
 * `corpus`: the network without its output layer run on `backend`'s engine, whose "logits" are
 * then the last hidden layer's pre-activations.
 */
export async function lastHiddenActivations(model: AcousticModel, corpus: FrameCorpus, frames: Int32Array, backend: BackendName): Promise<Float32Array> {
  const w = model.members[0].weights;
  const hidden = w.layers.slice(0, -1);
  const units = hidden[hidden.length - 1].outDim;
  const trunk: DnnWeights = { arch: { ...w.arch, hidden: w.arch.hidden.slice(0, -1) }, inputDim: w.inputDim, numPdfs: units, layers: hidden };
  const meta = { ...model.meta, numPdfs: units, priors: new Array<number>(units).fill(0) };
  const fwd = await createAcousticForward({ kind: 'dnn', dir: model.dir, combine: 'arithmetic', members: [{ ...model.members[0], meta, weights: trunk }], meta }, backend);
  const out = new Float32Array(frames.length * units);
  const frameUtt = frameUtterances(corpus);
  const chunk = 1024;
  const x = new Float32Array(chunk * meta.inputDim);
  try {
    for (let s = 0; s < frames.length; s += chunk) {
      const n = Math.min(chunk, frames.length - s);
      spliceFrames(corpus, frameUtt, frames.subarray(s, s + n), n, meta.context, x);
      const z = fwd.memberLogits(x.subarray(0, n * meta.inputDim), n)[0];
      for (let i = 0; i < n * units; i++) out[s * units + i] = Math.max(0, z[i]);
    }
  } finally {
    fwd.dispose();
  }
  return out;
}

/**
 * The teacher's soft targets at T over every frame of FEATS_DIR + ALI_DIR (numFrames x numPdfs), as
 * distill computes them (teachers.ts computeTeacherTargets: the members' softmax(z / T) combined by
 * the ensemble's rule), on the data loaded as the teacher expects it (its CMVN, its features
 * checked); rows in the order of `like`, the generalist's view of the same data. `open`: the
 * teacher's forward pass when the caller keeps one for several sets (else built and disposed here).
 */
export async function teacherFrameTargets(teacher: AcousticModel, featsDir: string, aliDir: string, like: FrameCorpus, temperature: number, backend: BackendName, allowFeatureMismatch?: boolean, open?: AcousticForward): Promise<Float32Array> {
  const corpus = await loadEvalCorpus(teacher, featsDir, aliDir, { allowFeatureMismatch });
  const same = corpus.uttIds.length === like.uttIds.length && corpus.uttIds.every((u, i) => u === like.uttIds[i] && corpus.uttStart[i + 1] === like.uttStart[i + 1]);
  if (!same) throw new InputError(`${featsDir}: the teacher ${teacher.dir} and the generalist read different utterances or frames from it; give a teacher with the generalist's features and pdfs`);
  const fwd = open ?? (await createAcousticForward(teacher, backend));
  try {
    const t = await computeTeacherTargets(fwd, corpus, { temperature, mode: DEFAULT_SOFT_TARGETS });
    return (t.targets as DenseTargets).soft!;
  } finally {
    if (!open) fwd.dispose();
  }
}

/** At most `max` of `frames`, evenly spaced (all of them when there are fewer). */
function evenlySpaced(frames: Int32Array, max: number): Int32Array {
  if (frames.length <= max) return frames;
  return Int32Array.from({ length: max }, (_, k) => frames[Math.floor((k * frames.length) / max)]);
}

/** True when some frame of `labels` is one of `cluster`'s pdfs. */
function hasFramesOf(labels: Int32Array, cluster: Int32Array): boolean {
  const s = new Set(cluster);
  return labels.some((l) => s.has(l));
}

/**
 * train-specialists: cluster, then train each specialist (trainModel: the engine of `backend`)
 * into `outDir`/spec-NN and write `outDir`/specialists.json. Clusters none of whose pdfs occurs in
 * the training labels are skipped with a warning.
 */
export async function trainSpecialists(o: TrainSpecialistsOptions): Promise<SpecialistsManifest> {
  const backend = o.backend ?? DEFAULT_BACKEND;
  const generalist = await loadAcousticModel(o.generalistDir);
  if (generalist.members.length !== 1) throw new InputError(`${o.generalistDir}: an ensemble; the specialists start from one DNN's weights, give a single model (cluster with the ensemble through --cluster-with)`);
  const clusterWith = o.clusterWithDir ? await loadAcousticModel(o.clusterWithDir) : generalist;
  if (clusterWith.meta.numPdfs !== generalist.meta.numPdfs) {
    throw new InputError(`--cluster-with ${o.clusterWithDir}: ${clusterWith.meta.numPdfs} pdfs but the generalist ${o.generalistDir} has ${generalist.meta.numPdfs}; use models over the same pdfs`);
  }
  const opt = { allowFeatureMismatch: o.allowFeatureMismatch };
  const held = await loadEvalCorpus(clusterWith, o.clusterOn.featsDir, o.clusterOn.aliDir, opt);
  const numPdfs = generalist.meta.numPdfs;
  const { posteriors, numFrames } = await modelPosteriors(clusterWith, held, backend, o.maxClusterFrames ?? SPECIALIST_DEFAULTS.maxClusterFrames);
  const cover = o.cover ?? SPECIALIST_DEFAULTS.cover;
  const clusterMatrix = o.clusterMatrix ?? SPECIALIST_DEFAULTS.clusterMatrix;
  // With --cluster-size, the pdfs with frames in the held-out alignment are the ones clustered.
  const usable = o.clusterSize === undefined ? undefined : Array.from(countPdfs([{ pdfIds: held.labels }], numPdfs), (c) => c > 0);
  const clusters = specialistClusters(posteriors, numFrames, numPdfs, o.numClusters, cover, o.seed, clusterMatrix, usable && { size: o.clusterSize!, usable });

  const train = await loadEvalCorpus(generalist, o.featsDir, o.aliDir, opt);
  const dev = clusterWith === generalist ? held : await loadEvalCorpus(generalist, o.clusterOn.featsDir, o.clusterOn.aliDir, opt);
  // With a teacher: its soft targets on the training and held-out frames, computed once (the
  // held-out batches carry them too, as distill's dev batches: a train step of a soft-ce run takes
  // them in every batch; the log's dev loss stays the hard-label CE).
  const st = o.softTargets;
  let soft: { train: Float32Array; dev: Float32Array; loss: LossConfig; manifest: NonNullable<SpecialistsManifest['softTargets']> } | undefined;
  if (st) {
    const hardWeight = st.hardWeight ?? DEFAULT_HARD_WEIGHT;
    checkDistillOptions({ aliDir: o.aliDir, hardWeight, temperature: st.temperature, softTargets: DEFAULT_SOFT_TARGETS, loss: 'soft-ce' });
    const teacher = await loadAcousticModel(st.teacherDir);
    if (teacher.meta.numPdfs !== numPdfs) throw new InputError(`--teacher ${st.teacherDir}: ${teacher.meta.numPdfs} pdfs but the generalist ${o.generalistDir} has ${numPdfs}; use a teacher over the same pdfs`);
    // One forward pass (for an ensemble, a session per member) for the train and dev frames.
    const fwd = await createAcousticForward(teacher, backend);
    let targets: { train: Float32Array; dev: Float32Array };
    try {
      targets = {
        train: await teacherFrameTargets(teacher, o.featsDir, o.aliDir, train, st.temperature, backend, o.allowFeatureMismatch, fwd),
        dev: await teacherFrameTargets(teacher, o.clusterOn.featsDir, o.clusterOn.aliDir, dev, st.temperature, backend, o.allowFeatureMismatch, fwd),
      };
    } finally {
      fwd.dispose();
    }
    soft = {
      ...targets,
      loss: { kind: 'soft-ce', temperature: st.temperature, hardWeight, softWeight: 1 },
      manifest: { teacher: path.resolve(st.teacherDir), teacherId: await teacherIdentity(teacher), temperature: st.temperature, hardWeight },
    };
  }
  const trainFrames = corpusFrames(train);
  const devFrames = corpusFrames(dev);
  const engine = await selectEngine(backend);
  const gw = generalist.members[0].weights;
  const ctx = generalist.meta.context;
  const specialists: SpecialistEntry[] = [];
  for (const [i, cluster] of clusters.entries()) {
    const name = `spec-${String(specialists.length + 1).padStart(2, '0')}`;
    if (!hasFramesOf(train.labels, cluster)) {
      process.stderr.write(`warning: train-specialists: cluster ${i + 1} (pdfs ${cluster.join(',')}) has no training frames; no specialist for it\n`);
      continue;
    }
    const set = specialistTrainingSet(train, cluster, o.seed);
    const devSet = hasFramesOf(dev.labels, cluster) ? specialistTrainingSet(dev, cluster, o.seed) : undefined;
    const dir = path.join(o.outDir, name);
    const classes = cluster.length + 1;
    // The dustbin unit fitted to the generalist's log-sum-exp of the other pdfs on the specialist's
    // own training frames (a sample), so that training starts from the generalist's predictions.
    const fitFrames = evenlySpaced(set.frames, o.maxFitFrames ?? SPECIALIST_DEFAULTS.maxFitFrames);
    const hidden = await lastHiddenActivations(generalist, train, fitFrames, backend);
    const initial = specialistInitWeights(gw, cluster, fitDustbinUnit(hidden, fitFrames.length, gw.layers[gw.layers.length - 1], cluster));
    // The teacher's distribution summed onto the specialist's pdfs and its dustbin (sec. 5.1's classes).
    const map = dustbinMap(cluster, numPdfs);
    const targetsOf = (rows: Float32Array, n: number) => new DenseTargets(classes, dustbinSoftTargets(rows, n, numPdfs, map));
    const trainSource = createBatchSource(set.corpus, { context: ctx, seed: o.seed, frames: set.frames, targets: soft && targetsOf(soft.train, trainFrames) });
    // Held-out scoring in the log, on the same balance (the cluster's frames and as many others).
    const devSource = devSet ? createBatchSource(devSet.corpus, { context: ctx, seed: o.seed, shuffle: false, frames: devSet.frames, targets: soft && targetsOf(soft.dev, devFrames) }) : undefined;
    const epochs = o.epochs ?? SPECIALIST_DEFAULTS.epochs;
    const earlyStopping = (o.earlyStopping ?? true) && devSet !== undefined;
    // Early stopping as the paper's specialists (sec. 6: "than using early stopping"): the epoch,
    // the starting weights included, of the lowest loss on every held-out frame, with the dustbin
    // corrected (the prior the combination sees; the balanced frames would favour any trained
    // epoch over the start). One epoch per call, each continuing from the previous checkpoint.
    const natural = { ...dev, numPdfs: classes, labels: dustbinLabels(dev.labels, map) };
    const naturalFrames = Int32Array.from(Array.from(natural.labels).flatMap((l, g) => (l >= 0 ? [g] : [])));
    const heldLoss = (w: DnnWeights): Promise<number> => meanFrameLoss(w, generalist, natural, naturalFrames, backend);
    const heldOutLoss = earlyStopping ? [await heldLoss(initial)] : [];
    let best = { epoch: 0, weights: initial, loss: heldOutLoss[0] ?? Infinity };
    let history: EpochStats[] = [];
    for (let e = 1; e <= epochs; e++) {
      const r = await trainModel({
        arch: generalist.meta.arch,
        inputDim: generalist.meta.inputDim,
        numPdfs: classes,
        train: trainSource,
        dev: devSource,
        epochs: e,
        batchSize: o.batchSize ?? SPECIALIST_DEFAULTS.batchSize,
        optimizer: o.optimizer ?? SPECIALIST_DEFAULTS.optimizer,
        learningRate: o.learningRate ?? SPECIALIST_DEFAULTS.learningRate,
        momentum: o.momentum,
        loss: soft?.loss ?? { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 },
        seed: o.seed + i,
        outDir: dir,
        resume: e > 1 ? 'if-present' : false,
        initialWeights: initial,
        progress: { label: `${name} (${cluster.length} pdfs)`, quiet: o.quiet },
        engine,
      });
      history = r.history;
      const weights = shiftDustbinLogit(r.weights, set.dustbinShift);
      const loss = earlyStopping ? await heldLoss(weights) : Infinity;
      if (earlyStopping) heldOutLoss.push(loss);
      if (!earlyStopping || loss < best.loss) best = { epoch: e, weights, loss };
    }
    const corrected = best.weights;
    const weightsFiles = await saveDnn(dir, corrected);
    await fs.rm(path.join(dir, CHECKPOINT_DIR), { recursive: true, force: true });
    // Priors of the specialist's classes in the full training set (not the balanced draw).
    const full = countPdfs([{ pdfIds: dustbinLabels(train.labels, map) }], classes);
    specialists.push({
      dir: name,
      pdfs: Array.from(cluster),
      dustbinShift: best.epoch > 0 ? set.dustbinShift : 0,
      trainFrames: set.counts,
      priors: logPriors(full),
      weightsFiles,
      history,
      keptEpoch: best.epoch,
      ...(earlyStopping ? { heldOutLoss } : {}),
    });
  }
  if (specialists.length === 0) throw new InputError(`train-specialists: no cluster has training frames in ${o.aliDir}; is it the generalist's alignment?`);
  const manifest: SpecialistsManifest = {
    type: 'specialists',
    generalist: path.resolve(o.generalistDir),
    clusteredWith: path.resolve(o.clusterWithDir ?? o.generalistDir),
    clusterOn: path.resolve(o.clusterOn.featsDir),
    clusterFrames: numFrames,
    numClusters: o.numClusters,
    clusterMatrix,
    cover,
    ...(usable ? { clusterSize: o.clusterSize, clusterPdfs: usable.filter(Boolean).length, pdfsByCoverage: coverageHistogram(specialists.map((s) => Int32Array.from(s.pdfs)), usable) } : {}),
    seed: o.seed,
    ...(soft ? { softTargets: soft.manifest } : {}),
    specialists,
  };
  await writeSpecialistsManifest(o.outDir, manifest);
  return manifest;
}
