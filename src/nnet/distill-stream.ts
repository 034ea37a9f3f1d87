// A streamed transfer set for distill (issue 25): over the memory budget the transfer set is read a
// window of feature shards at a time (frame-stream.ts, as `train` streams), and the teacher's
// targets are computed per window when it is read, over its frames in corpus order, so that no
// per-frame table of the whole transfer set is ever held (a soft target row costs numPdfs floats a
// frame, often more than the features themselves).
import { InputError } from '../errors.js';
import { readAliPdfIds } from '../hmm/ali-labels.js';
import { checkFeatureMatch } from '../features/feature-match.js';
import type { AcousticModel } from './ensemble.js';
import type { LoadedCmvn } from './batches.js';
import { planFrameStream, type FrameStreamPlan } from './frame-stream.js';
import type { SoftTargetMode } from './targets.js';

/**
 * Floats a transfer frame costs beside its features while its teacher targets are held (per
 * window when streamed, for the whole set in memory): numPdfs for full soft targets, 2K for top-K
 * (ids and probabilities), numPdfs more for logit-mse's logits; 0 when the targets are computed per
 * batch (perturbed transfer frames).
 *
 * @example targetFloatsPerFrame({ kind: 'top-k', k: 10 }, 'soft-ce', 2000, false) // 20
 */
export function targetFloatsPerFrame(mode: SoftTargetMode, loss: 'soft-ce' | 'logit-mse', numPdfs: number, perBatch: boolean): number {
  if (perBatch) return 0;
  if (loss === 'logit-mse') return numPdfs;
  return mode.kind === 'top-k' ? 2 * Math.min(mode.k, numPdfs) : numPdfs;
}

/**
 * Whether a transfer set of `numFrames` frames of `dim` features streams under `--max-memory-frames
 * maxMemoryFrames`, and the budget its stream gets. It streams when its frames exceed the budget,
 * as `train`'s corpus does (so every transfer set distill held in memory before streaming existed
 * is held, and distilled, exactly as before); a streamed frame also holds its targets while its
 * window is in memory, costing (dim + targetFloats) / dim of a feature frame, so the stream's
 * windows shrink by that factor: the bytes held stay those of the budget.
 *
 * @example distillMemoryBudget(7_200_000, 40, 12, 4_000_000) // { streamed: true, streamFrames: 3076923 }
 */
export function distillMemoryBudget(numFrames: number, dim: number, targetFloats: number, maxMemoryFrames: number): { streamed: boolean; streamFrames: number } {
  if (!(maxMemoryFrames > 0)) throw new InputError(`--max-memory-frames ${maxMemoryFrames}: expected a positive number of frames`);
  return { streamed: numFrames > maxMemoryFrames, streamFrames: Math.max(1, Math.floor((maxMemoryFrames * dim) / (dim + targetFloats))) };
}

/**
 * The checks of a transfer set against the teacher (feature configuration, CMVN, dim) whether it
 * is loaded or streamed; `allowMismatch` turns a different feature configuration into a warning.
 */
export function checkTransferData(teacher: AcousticModel, featsDir: string, d: { featureConfig: unknown; cmvn: LoadedCmvn; dim: number }, allowMismatch: boolean): void {
  checkFeatureMatch({ role: 'teacher', source: teacher.dir, config: teacher.meta.features }, { role: 'features', source: featsDir, config: d.featureConfig }, { allowMismatch });
  if (d.cmvn.per !== teacher.meta.cmvn.per) {
    throw new InputError(`${featsDir}: CMVN is '${d.cmvn.per}' here but the teacher ${teacher.dir} was trained with '${teacher.meta.cmvn.per}'; compute CMVN the same way`);
  }
  if (d.dim !== teacher.meta.featDim) {
    throw new InputError(`${featsDir}: features of dim ${d.dim} but the teacher ${teacher.dir} expects ${teacher.meta.featDim}; extract them with the teacher's config`);
  }
}

/** The error when an alignment's pdf set is not the teacher's. */
export function aliPdfMismatch(aliDir: string, aliPdfs: number, teacher: AcousticModel): InputError {
  return new InputError(`${aliDir}: ${aliPdfs} pdfs but the teacher ${teacher.dir} has ${teacher.meta.numPdfs}; use the alignment the teacher was trained on`);
}

/**
 * Plan streaming FEATS_DIR (+ ALI_DIR, or null: unlabeled) for the teacher: one pass over the
 * shards (frame-stream.ts planFrameStream, the skipping rules of the in-memory load), with the
 * checks of loading it. Only the alignment's pdf ids are kept (4 bytes a frame).
 */
export async function planTransferStream(teacher: AcousticModel, featsDir: string, aliDir: string | null, allowMismatch: boolean): Promise<FrameStreamPlan> {
  let alignments: Map<string, { pdfIds: Int32Array }> | undefined;
  if (aliDir) {
    const ali = await readAliPdfIds(aliDir);
    if (ali.info.numPdfs !== teacher.meta.numPdfs) throw aliPdfMismatch(aliDir, ali.info.numPdfs, teacher);
    alignments = ali.alis;
  }
  const plan = await planFrameStream(featsDir, { alignments, numPdfs: teacher.meta.numPdfs, normVars: teacher.meta.cmvn.normVars, aliDir: aliDir ?? undefined });
  checkTransferData(teacher, featsDir, { featureConfig: plan.info.config, cmvn: plan.cmvn, dim: plan.dim }, allowMismatch);
  return plan;
}
