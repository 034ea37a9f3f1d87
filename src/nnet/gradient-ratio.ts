// Hinton, Vinyals & Dean 2015, sec. 2.1: at high temperature the soft-target gradient (with the T^2
// factor) approaches the gradient of matching centred logits, (c(z) - c(v)) / N. This measures how
// close the two are on real frames: the student's logits z and the teacher's targets at each T.
import { InputError } from '../errors.js';
import { corpusFrames, loadFrameCorpus, splicedChunks } from './batches.js';
import { distillLoss } from './distill-loss.js';
import { loadAcousticModel } from './ensemble.js';
import { createAcousticForward } from './engine.js';
import { DEFAULT_BACKEND, type BackendName } from './backend-name.js';
import { teacherBatchTargets } from './teachers.js';

/** How the soft-CE gradient at T compares with the centred logit-matching gradient over a set of frames. */
export interface GradientRatio {
  temperature: number;
  /** <g_soft, g_logit> / <g_logit, g_logit>: the soft gradient's component along the logit-matching one (1 in the limit). */
  ratio: number;
  /** ||g_soft|| / ||g_logit||. */
  normRatio: number;
  /** Cosine of the angle between the two gradients (1 in the limit). */
  cosine: number;
}

/** Running sums of the three inner products, accumulated chunk by chunk. */
export class GradientRatioAccumulator {
  private ss = 0;
  private sl = 0;
  private ll = 0;
  constructor(readonly temperature: number) {}
  /**
   * Add `numFrames` frames: student logits `z`, the teacher's soft targets at this T and its
   * centred logits `v` (all `numFrames x numPdfs`). Gradients as distillLoss computes them with
   * hard weight 0 and soft weight 1.
   */
  add(z: Float32Array, soft: Float32Array, v: Float32Array, numFrames: number, numPdfs: number): void {
    const T = this.temperature;
    const gs = distillLoss(z, { soft }, numFrames, numPdfs, { kind: 'soft-ce', temperature: T, hardWeight: 0, softWeight: 1 }).grad;
    const gl = distillLoss(z, { teacherLogits: v }, numFrames, numPdfs, { kind: 'logit-mse', temperature: 1, hardWeight: 0, softWeight: 1 }).grad;
    // distillLoss's gradients carry the batch mean's 1/numFrames: undo it, so that every frame
    // weighs the same whatever chunk it came in.
    const f2 = numFrames * numFrames;
    for (let i = 0; i < numFrames * numPdfs; i++) {
      this.ss += f2 * gs[i] * gs[i];
      this.sl += f2 * gs[i] * gl[i];
      this.ll += f2 * gl[i] * gl[i];
    }
  }
  result(): GradientRatio {
    return { temperature: this.temperature, ratio: this.sl / this.ll, normRatio: Math.sqrt(this.ss / this.ll), cosine: this.sl / Math.sqrt(this.ss * this.ll) };
  }
}

/** The temperatures `gradient-ratio` measures unless told (the paper's 1, 2, 5, 10 and 20 beyond). */
export const DEFAULT_RATIO_TEMPERATURES: readonly number[] = [1, 2, 5, 10, 20];
/** Frames `gradient-ratio` uses at most unless told (enough for stable means, seconds of work). */
export const DEFAULT_RATIO_MAX_FRAMES = 20_000;

/** Options of measureGradientRatios. */
export interface GradientRatioOptions {
  studentDir: string;
  /** A model or ensemble directory. */
  teacherDir: string;
  featsDir: string;
  temperatures: number[];
  /** Use at most this many frames (the first utterances of FEATS_DIR). */
  maxFrames?: number;
  chunkFrames?: number;
  /** Engine of both forward passes (engine.ts; default auto). */
  backend?: BackendName;
}

/**
 * The ratio of the two gradients for each temperature on the frames of FEATS_DIR (sec. 2.1). The
 * soft targets follow the teacher's combine rule, as in distill; student and teacher must share the
 * input context (one splicing serves both).
 *
 * @example await measureGradientRatios({ studentDir: 'exp/student', teacherDir: 'exp/ensemble', featsDir: 'exp/feats/dev', temperatures: [1, 2, 5, 10, 20] })
 */
export async function measureGradientRatios(o: GradientRatioOptions): Promise<{ numFrames: number; ratios: GradientRatio[] }> {
  for (const T of o.temperatures) if (!(T > 0) || !Number.isFinite(T)) throw new InputError(`--temperatures: ${T} is not a positive number (e.g. 1,2,5,10,20)`);
  const student = await loadAcousticModel(o.studentDir);
  const teacher = await loadAcousticModel(o.teacherDir);
  if (student.members.length !== 1) throw new InputError(`${o.studentDir}: an ensemble; give the single student DNN`);
  if (student.meta.numPdfs !== teacher.meta.numPdfs) {
    throw new InputError(`${o.studentDir}: ${student.meta.numPdfs} pdfs but the teacher ${o.teacherDir} has ${teacher.meta.numPdfs}; give the student distilled from this teacher`);
  }
  const [sc, tc] = [student.meta.context, teacher.meta.context];
  if (sc.left !== tc.left || sc.right !== tc.right) {
    throw new InputError(`${o.studentDir}: context ${sc.left}:${sc.right} but the teacher's is ${tc.left}:${tc.right}; this measurement splices the frames once for both`);
  }
  const { corpus } = await loadFrameCorpus(o.featsDir, { numPdfs: teacher.meta.numPdfs, normVars: teacher.meta.cmvn.normVars });
  if (corpus.dim !== teacher.meta.featDim) throw new InputError(`${o.featsDir}: features of dim ${corpus.dim} but the teacher expects ${teacher.meta.featDim}`);
  const sFwd = await createAcousticForward(student, o.backend ?? DEFAULT_BACKEND);
  const acc = o.temperatures.map((T) => new GradientRatioAccumulator(T));
  const limit = Math.min(o.maxFrames ?? Infinity, corpusFrames(corpus));
  let seen = 0;
  let tFwd: Awaited<ReturnType<typeof createAcousticForward>> | undefined;
  try {
    tFwd = await createAcousticForward(teacher, o.backend ?? DEFAULT_BACKEND);
    for (const { n: chunkN, x: chunkX } of splicedChunks(corpus, tc, o.chunkFrames ?? 1024)) {
      const n = Math.min(chunkN, limit - seen);
      if (n <= 0) break;
      const x = chunkX.subarray(0, n * teacher.meta.inputDim);
      const z = sFwd.memberLogits(x, n)[0];
      for (const a of acc) {
        const t = teacherBatchTargets(tFwd, x, n, a.temperature, true);
        a.add(z, t.soft, t.logits!, n, teacher.meta.numPdfs);
      }
      seen += n;
    }
  } finally {
    sFwd.dispose();
    tFwd?.dispose();
  }
  return { numFrames: seen, ratios: acc.map((a) => a.result()) };
}
