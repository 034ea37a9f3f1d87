// Monophone GMM-HMM training from a flat start (Kaldi steps/train_mono.sh): global-statistics
// initial GMMs, equal alignment, then iterations of [re-align with Viterbi] -> accumulate ->
// re-estimate GMMs and transitions -> split Gaussians toward the target total. The average
// per-frame log-likelihood of each iteration's accumulation is reported (it should rise).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeRng } from '../data/random.js';
import { InputError } from '../errors.js';
import { readFeatsInfo, type FeatsDirInfo } from '../store/feats-archive.js';
import { createJobRunner, type JobRunner } from '../jobs/runner.js';
import { createProgress } from '../jobs/progress.js';
import { readLangDir, type LangDir } from '../lang/lang-dir.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { FailedUtt } from './ali-archive.js';
import { estimateGmms, initGmmSet, mixUp, numComponents, pdfOccupancy, type GmmSet } from './gmm.js';
import { concatGmmCorpora, forEachUttGmmFeats, withGmmScratch, loadGmmCorpus, newCorpusTids, withCorpusTids, type CorpusTids, type GmmCorpus, type GmmCorpusStorage } from './gmm-corpus.js';
import { defaultGmmFeatureTransform, lifterCoeffs, type GmmFeatureTransform } from './gmm-feats.js';
import { DEFAULT_BOUNDARY_REFINE, type BoundaryRefineOptions } from './boundary-refine.js';
import { writeGmmModel, type GmmModelInfo } from './gmm-model.js';
import { runPass, type ViterbiPassOptions } from './shard-pass.js';
import { buildTransitionModel, defaultTopology, type Topology } from './topology.js';
import type { TransitionModel } from './transition-model.js';
import { buildTransitionIndex, estimateTransitions } from './transitions.js';

export interface TrainMonoOptions extends ViterbiPassOptions {
  /** Training iterations (Kaldi num_iters 40). */
  iters?: number;
  /** Target number of Gaussians over all pdfs (Kaldi totgauss 1000). */
  totalGauss?: number;
  /** Iterations that re-align; default Kaldi's list (1-10, then every 2nd to 20, then every 3rd). */
  realignIters?: number[];
  /** Variance floor as a fraction of the global variance (HTK HCompV -f 0.01). */
  varFloorFactor?: number;
  /**
   * Refine the boundaries of every training realignment before accumulating (boundary-refine.ts),
   * so the models are re-estimated on them. trainMonoCore: off unless given; trainMono: default
   * DEFAULT_BOUNDARY_REFINE (windowFrames 0 = off). `dimWeights` weigh the leading feature columns
   * compared (trainMono sets the unliftered static cepstra).
   */
  refineInTraining?: BoundaryRefineOptions & { dimWeights?: number[] };
  /** Mixup allocation exponent (Kaldi --power 0.2). */
  power?: number;
  seed?: number;
  /** Print nothing (tests); otherwise progress on stderr. */
  quiet?: boolean;
  /**
   * Start from these GMMs and this alignment (transition ids over the corpus; `usable`: the
   * utterances it covers) instead of a flat start: iteration 0 accumulates on it (train-tri).
   */
  init?: { gmm: GmmSet; tids: CorpusTids; usable: number[] };
  /** Progress label (default `train-mono`). */
  label?: string;
  /** Called with each log line (iteration summaries, notes). */
  log?: (line: string) => void;
}

export interface IterationStats {
  iter: number;
  mode: 'equal' | 'viterbi' | 'fixed';
  avgLogLike: number;
  numFrames: number;
  numUtts: number;
  numGauss: number;
  failed: number;
  retried: number;
  seconds: number;
}

export interface TrainMonoResult {
  gmm: GmmSet;
  transitionModel: TransitionModel;
  iterations: IterationStats[];
  /** Utterances not used by the final iterations (input problems, or failed at the last alignment). */
  failed: FailedUtt[];
  /** The last alignment, as transition ids per frame of the corpus (a scratch file for a spilled corpus). */
  tids: CorpusTids;
}

/** Kaldi train_mono.sh realign_iters, limited to `iters`. */
export function defaultRealignIters(iters: number): number[] {
  const k = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 23, 26, 29, 32, 35, 38];
  return k.filter((x) => x < iters);
}

/** Mean and variance of every dimension over all frames. */
export function globalMeanVar(feats: Float32Array, numFrames: number, dim: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(dim);
  const variance = new Float64Array(dim);
  addFrameSums(mean, variance, feats, numFrames, dim);
  return finishMeanVar(mean, variance, numFrames);
}

/**
 * globalMeanVar of a corpus's features, utterance by utterance (a spilled corpus is never in
 * memory whole); the frames are summed in the same order, so the numbers are the same.
 */
export function corpusMeanVar(corpus: GmmCorpus): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(corpus.dim);
  const variance = new Float64Array(corpus.dim);
  forEachUttGmmFeats(corpus, (f, i) => addFrameSums(mean, variance, f, corpus.numFrames[i], corpus.dim));
  return finishMeanVar(mean, variance, corpus.totalFrames);
}

function addFrameSums(sum: Float64Array, sumSq: Float64Array, feats: Float32Array, numFrames: number, dim: number): void {
  for (let t = 0; t < numFrames; t++) {
    for (let d = 0; d < dim; d++) {
      const x = feats[t * dim + d];
      sum[d] += x;
      sumSq[d] += x * x;
    }
  }
}

function finishMeanVar(mean: Float64Array, variance: Float64Array, numFrames: number): { mean: Float64Array; variance: Float64Array } {
  const dim = mean.length;
  for (let d = 0; d < dim; d++) {
    mean[d] /= Math.max(1, numFrames);
    variance[d] = Math.max(variance[d] / Math.max(1, numFrames) - mean[d] * mean[d], 1e-10);
  }
  return { mean, variance };
}

/**
 * Train on an in-memory corpus (the numeric core of `trainMono`; takes any job runner).
 */
export async function trainMonoCore(corpus: GmmCorpus, tm0: TransitionModel, runner: JobRunner, opts: TrainMonoOptions = {}): Promise<TrainMonoResult> {
  const iters = opts.iters ?? 40;
  const totalGauss = opts.totalGauss ?? 1000;
  const realign = new Set(opts.realignIters ?? defaultRealignIters(iters));
  const log = opts.log ?? (() => {});
  const rng = makeRng(opts.seed ?? 1, 'mixup');
  const { mean, variance } = corpusMeanVar(corpus);
  const varFloor = variance.map((v) => v * (opts.varFloorFactor ?? 0.01));
  let gmm = opts.init?.gmm ?? initGmmSet(tm0.numPdfs, mean, variance);
  let tm = tm0;
  const idx = buildTransitionIndex(tm);
  // Kaldi: numgauss starts at the number of pdfs and grows linearly over max_iter_inc = 30 of 40 iterations.
  const maxIterInc = Math.max(1, Math.floor(iters * 0.75));
  let numGauss = tm.numPdfs;
  const incGauss = Math.max(0, Math.floor((totalGauss - numGauss) / maxIterInc));
  // train-tri's converted alignment (newCorpusTids: shared memory or a scratch file) is used in place.
  const tids = opts.init?.tids ?? (await newCorpusTids(corpus));
  const all = corpus.uttIds.map((_, i) => i);
  let usable = opts.init?.usable ?? all;
  let lastFailed: FailedUtt[] = [];
  const iterations: IterationStats[] = [];
  const rt = opts.refineInTraining;
  const refine = rt && rt.windowFrames > 0 ? { ...rt, dimWeights: rt.dimWeights ?? new Array<number>(corpus.dim).fill(1) } : undefined;
  for (let x = 0; x < iters; x++) {
    const t0 = performance.now();
    const mode = x === 0 ? (opts.init ? 'fixed' : 'equal') : realign.has(x) ? 'viterbi' : 'fixed';
    const which = mode === 'fixed' ? usable : all;
    const progress = createProgress({ label: `${opts.label ?? 'train-mono'} iter ${x}/${iters} (${mode === 'fixed' ? 'accumulate' : mode === 'equal' ? 'equal align' : 'align'})`, total: which.length, unit: 'utts', quiet: opts.quiet });
    const r = await runPass(runner, corpus, which, gmm, tm, tids, {
      mode,
      accumulate: true,
      beam: opts.beam,
      retryBeam: opts.retryBeam,
      acousticScale: opts.acousticScale,
      graph: opts.graph,
      ...(refine && mode === 'viterbi' ? { refine } : {}),
      progress,
    });
    progress.stop();
    if (mode !== 'fixed') {
      const bad = new Set(r.failed.map((f) => f.uttId));
      usable = all.filter((i) => !bad.has(corpus.uttIds[i]));
      lastFailed = r.failed;
    }
    const stats = r.stats!;
    const avgLogLike = stats.numFrames > 0 ? stats.totLogLike / stats.numFrames : NaN;
    // Kaldi uses --min-gaussian-occupancy=3 at iteration 0 (gmm-est after align-equal).
    gmm = estimateGmms(gmm, stats, { varFloor, minGaussOcc: x === 0 ? 3 : 10 });
    tm = estimateTransitions(tm, idx, r.transCounts!);
    if (numGauss > numComponents(gmm)) gmm = mixUp(gmm, pdfOccupancy(gmm, stats), numGauss, rng, { power: opts.power ?? 0.2 });
    if (x <= maxIterInc) numGauss = Math.min(totalGauss, numGauss + incGauss);
    const it: IterationStats = {
      iter: x,
      mode,
      avgLogLike,
      numFrames: stats.numFrames,
      numUtts: which.length - (mode === 'fixed' ? 0 : r.failed.length),
      numGauss: numComponents(gmm),
      failed: mode === 'fixed' ? lastFailed.length : r.failed.length,
      retried: r.retried.length,
      seconds: (performance.now() - t0) / 1000,
    };
    iterations.push(it);
    log(
      `iter ${x}: ${mode === 'fixed' ? 'accumulate' : mode === 'equal' ? 'equal alignment' : 'realign'}; avg log-likelihood per frame ${avgLogLike.toFixed(4)} over ${it.numFrames} frames` +
        `; ${it.numGauss} Gaussians; ${it.failed} failed${it.retried ? `, ${it.retried} needed the retry beam` : ''} (${it.seconds.toFixed(1)} s)`,
    );
  }
  return { gmm, transitionModel: tm, iterations, failed: [...corpus.failed, ...lastFailed], tids };
}

/**
 * Write a trained GMM-HMM: the model directory (gmm-model.ts), train.json (iterations, failed and
 * `summary`), `failed` and log/COMMAND.log (the log `lines`). Shared by train-mono and train-tri.
 */
export async function writeTrainedModel(
  modelDir: string,
  command: string,
  res: TrainMonoResult,
  o: { transform: GmmFeatureTransform; featsInfo: FeatsDirInfo; lang: LangDir; dataDir: string; lines: string[]; extraTrainingSets?: string[]; summary?: Record<string, unknown> },
): Promise<void> {
  const info: GmmModelInfo = {
    type: 'gmm',
    featureTransform: o.transform,
    feats: o.featsInfo.config,
    inputDim: o.featsInfo.dim,
    dim: res.gmm.dim,
    numPdfs: res.gmm.numPdfs,
    numGauss: numComponents(res.gmm),
    frameShiftMs: o.featsInfo.frameShiftMs,
    cmvn: o.transform.cmvn,
    trainedOn: path.resolve(o.dataDir),
    ...(o.extraTrainingSets ? { extraTrainingSets: o.extraTrainingSets } : {}),
  };
  await writeGmmModel(modelDir, info, res.gmm, res.transitionModel, o.lang);
  await writeFileAtomic(path.join(modelDir, 'train.json'), JSON.stringify({ ...o.summary, iterations: res.iterations, failed: res.failed }, null, 1) + '\n');
  await writeFileAtomic(path.join(modelDir, 'failed'), res.failed.map((f) => `${f.uttId} ${f.reason}\n`).join(''));
  await fs.mkdir(path.join(modelDir, 'log'), { recursive: true });
  await writeFileAtomic(path.join(modelDir, 'log', `${command}.log`), o.lines.join('\n') + '\n');
}

/**
 * `asr-distill train-mono DATA_DIR FEATS_DIR LANG_DIR MODEL_DIR`: load, train, write MODEL_DIR
 * (model.json, gmm.json, transition-model.json, lang/, train.json, failed, log/train-mono.log).
 */
export async function trainMono(
  dataDir: string,
  featsDir: string,
  langDir: string,
  modelDir: string,
  opts: TrainMonoOptions & {
    topology?: Topology;
    featureTransform?: Partial<GmmFeatureTransform>;
    /**
     * More training sets (data dir + its features) used with DATA_DIR in every iteration, e.g. the
     * varied-words set (corpus/words.ts); LANG_DIR must have their words. Their utterances count
     * like DATA_DIR's; MODEL_DIR/failed lists any left out.
     */
    extra?: { dataDir: string; featsDir: string }[];
  } = {},
): Promise<TrainMonoResult> {
  const lines: string[] = [];
  const log = (l: string) => {
    lines.push(l);
    opts.log?.(l);
  };
  const lang = await readLangDir(langDir);
  const fi = await readFeatsInfo(featsDir);
  const transform: GmmFeatureTransform = { ...defaultGmmFeatureTransform(fi.config, fi.dim), ...opts.featureTransform };
  return withGmmScratch(modelDir, opts.maxMemoryFrames, async (storage) => {
    const main = await loadGmmCorpus(dataDir, featsDir, lang, transform, { silProb: opts.graph?.silProb, note: log, storage });
    const featsInfo = main.featsInfo;
    const parts = [main.corpus];
    for (const x of opts.extra ?? []) {
      const e = await loadGmmCorpus(x.dataDir, x.featsDir, lang, transform, { silProb: opts.graph?.silProb, note: log, expectInputDim: featsInfo.dim, storage });
      if (e.featsInfo.frameShiftMs !== featsInfo.frameShiftMs) {
        throw new InputError(`${x.featsDir}: frame shift ${e.featsInfo.frameShiftMs} ms but ${featsDir} has ${featsInfo.frameShiftMs} ms; extract both with the same feature config`);
      }
      log(`train-mono: extra set ${x.dataDir}: ${e.corpus.uttIds.length} utterances, ${e.corpus.totalFrames} frames, ${e.corpus.failed.length} left out`);
      parts.push(e.corpus);
    }
    const corpus = parts.length > 1 ? await concatGmmCorpora(parts, storage) : main.corpus;
    log(`train-mono: ${corpus.uttIds.length} utterances, ${corpus.totalFrames} frames (${((corpus.totalFrames * featsInfo.frameShiftMs) / 3.6e6).toFixed(2)} h), ${corpus.failed.length} left out, feature dim ${corpus.dim}`);
    for (const f of corpus.failed) log(`  left out ${f.uttId}: ${f.reason}`);
    if (corpus.uttIds.length === 0) {
      throw new InputError(`${dataDir}: no utterance can be used for training (${corpus.failed.length} left out; first: ${corpus.failed[0]?.uttId ?? '-'}: ${corpus.failed[0]?.reason ?? 'empty data dir'})`);
    }
    const tm0 = buildTransitionModel(lang.phones, lang.silencePhones, opts.topology ?? defaultTopology());
    const runner = createJobRunner({ jobs: opts.jobs, backend: opts.backend });
    let res: TrainMonoResult;
    try {
      const rt: BoundaryRefineOptions & { dimWeights?: number[] } = opts.refineInTraining ?? DEFAULT_BOUNDARY_REFINE;
      const staticDims = Math.floor(corpus.dim / (transform.deltaOrder + 1));
      const lift = transform.type === 'mfcc' ? lifterCoeffs(staticDims, transform.cepstralLifter) : new Float64Array(staticDims).fill(1);
      const refineInTraining = { ...rt, dimWeights: rt.dimWeights ?? Array.from(lift, (w) => 1 / w) };
      res = await trainMonoCore(corpus, tm0, runner, { ...opts, log, refineInTraining });
    } finally {
      await runner.close();
    }
    await writeTrainedModel(modelDir, 'train-mono', res, {
      transform,
      featsInfo,
      lang,
      dataDir,
      lines,
      ...(opts.extra?.length ? { extraTrainingSets: opts.extra.map((x) => path.resolve(x.dataDir)) } : {}),
    });
    return res;
  });
}
