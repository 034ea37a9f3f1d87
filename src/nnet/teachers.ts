// The distillation teacher at work: its targets for a batch (in this thread or a worker, teacher-job.ts),
// over a whole corpus (computeTeacherTargets), or batch by batch on perturbed inputs
// (onlineTeacherSource), and its identity (what a soft-target cache is keyed on). The numbers
// themselves come from targets.ts.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { splicedChunks, corpusFrames, perturbedSource, type AsyncBatchSource, type Batch, type BatchSource, type FrameCorpus, type FrameTargets, type InputPerturbation } from './batches.js';
import type { JobRunner } from '../jobs/runner.js';
import { siblingModuleUrl } from '../jobs/module-url.js';
import type { BackendName } from './backend-name.js';
import type { TeacherJobInput, TeacherJobOutput } from './teacher-job.js';
import { AcousticForward, ENSEMBLE_FILE, type AcousticModel } from './ensemble.js';
import { MODEL_META_FILE } from './model-dir.js';
import { MODEL_JSON, WEIGHTS_BIN } from './tfjs/layers-model.js';
import { meanCentredLogits, rowArgmax } from './posteriors.js';
import { DenseTargets, teacherSoftTargets, TopKTargets, topKRow, type SoftTargetMode } from './targets.js';

/** Teacher targets over a corpus, and the teacher's best pdf per frame (labels for an unlabeled set). */
export interface TeacherTargets {
  targets: FrameTargets;
  argmax: Int32Array;
}

/**
 * The teacher's targets for `n` spliced rows: soft = the members' softmax(z_m / T) combined by the
 * model's rule (ensemble.json `combine`) and, with `withLogits`, the mean of the members' centred
 * logits (logit-mse).
 */
export function teacherBatchTargets(fwd: AcousticForward, x: Float32Array, n: number, temperature: number, withLogits: boolean): { soft: Float32Array; logits?: Float32Array } {
  const numPdfs = fwd.numPdfs;
  if (withLogits) {
    const z = fwd.memberLogits(x, n);
    return { soft: teacherSoftTargets(z, numPdfs, temperature, fwd.model.combine), logits: meanCentredLogits(z, numPdfs) };
  }
  return { soft: fwd.posteriors(x, n, temperature) };
}

/** The teacher's targets for `n` spliced rows of `x`, computed here or elsewhere (a worker). */
export type BatchTeacher = (x: Float32Array, n: number) => Promise<{ soft: Float32Array; logits?: Float32Array }>;

/** A BatchTeacher that runs `fwd` in this thread. */
export function localBatchTeacher(fwd: AcousticForward, temperature: number, withLogits: boolean): BatchTeacher {
  return async (x, n) => teacherBatchTargets(fwd, x, n, temperature, withLogits);
}

/** What a worker needs to rebuild the teacher (teacher-job.ts). */
export interface WorkerTeacherSpec {
  teacherDir: string;
  teacherId: string;
  backend: BackendName;
  temperature: number;
  withLogits: boolean;
}

/**
 * A BatchTeacher whose batches run as jobs of `runner` (teacher-job.ts: each worker loads the
 * teacher once). Results are those of localBatchTeacher on the same backend.
 */
export function workerBatchTeacher(runner: JobRunner, spec: WorkerTeacherSpec): BatchTeacher {
  const module = siblingModuleUrl(import.meta.url, 'teacher-job');
  return async (x, n) => {
    const input: TeacherJobInput = { ...spec, x, n };
    const [out] = await runner.run<TeacherJobInput, TeacherJobOutput>([{ module, fn: 'teacherTargetsJob', input }]);
    return out;
  };
}

/** Options of onlineTeacherSource. */
export interface OnlineTeacherOptions {
  /** The teacher's input (spliced) dimension and pdf count, checked against the source's. */
  inputDim: number;
  numPdfs: number;
  withSoft: boolean;
  /**
   * Perturbations applied in order to each batch's inputs before the teacher and the student see
   * them (transfer-noise.ts, transfer-warp.ts), each deterministic in (epoch, batch).
   */
  perturb?: InputPerturbation[];
  /** Replace the batch labels by the teacher's best pdf (unlabeled transfer set: labels only feed the accuracy figures). */
  labelsFromTeacher?: boolean;
  /**
   * Batches whose targets are requested ahead of the one being trained on (default 0). With a
   * worker teacher, 2 per worker keeps the workers busy while the student trains.
   */
  lookahead?: number;
}

/**
 * A training source whose batches carry the teacher's targets computed when the batch is made,
 * on the batch's (optionally perturbed) inputs. Needed when the inputs change every epoch (a
 * transfer set with noise); deterministic per (epoch, batch) like the base source, so resume is
 * exact, whether the teacher runs here or in workers. The base may be streamed (frame-stream.ts:
 * an AsyncBatchSource, which then applies the perturbations itself).
 */
export function onlineTeacherSource(base: BatchSource | AsyncBatchSource, teacher: BatchTeacher, o: OnlineTeacherOptions): AsyncBatchSource {
  if (base.inputDim !== o.inputDim || base.numPdfs !== o.numPdfs) {
    throw new InputError(`teacher expects ${o.inputDim}-dim inputs and ${o.numPdfs} pdfs, the transfer set gives ${base.inputDim} and ${base.numPdfs}; distill with the teacher's --context`);
  }
  const lookahead = Math.max(0, o.lookahead ?? 0);
  return {
    inputDim: base.inputDim,
    numPdfs: base.numPdfs,
    numFrames: base.numFrames,
    async *batches(epoch: number, batchSize: number): AsyncIterable<Batch> {
      const raw = base.batches(epoch, batchSize);
      let it: Iterator<Batch> | AsyncIterator<Batch>;
      if (Symbol.asyncIterator in raw) {
        if ((o.perturb ?? []).length > 0) throw new Error('onlineTeacherSource: a streamed base applies the perturbations itself (createStreamingBatchSource perturb)');
        it = raw[Symbol.asyncIterator]();
      } else {
        // Generators start lazily: the unused `raw` never ran.
        it = perturbedSource(base as BatchSource, o.perturb ?? []).batches(epoch, batchSize)[Symbol.iterator]();
      }
      // Each entry: the next batch with its targets, or undefined once the base is exhausted.
      const queue: Promise<Batch | undefined>[] = [];
      const request = (): void => {
        const p = Promise.resolve(it.next()).then(async (r) => {
          if (r.done) return undefined;
          const b = r.value;
          const t = await teacher(b.x, b.size);
          if (o.labelsFromTeacher) for (let i = 0; i < b.size; i++) b.labels[i] = rowArgmax(t.soft, i, base.numPdfs);
          return { ...b, soft: o.withSoft ? t.soft : undefined, teacherLogits: t.logits };
        });
        // A batch abandoned by a failing trainer must not surface as an unhandled rejection.
        p.catch(() => undefined);
        queue.push(p);
      };
      try {
        for (let i = 0; i <= lookahead; i++) request();
        while (queue.length > 0) {
          const b = await queue.shift()!;
          if (b === undefined) break;
          request();
          yield b;
        }
      } finally {
        await Promise.allSettled(queue);
        // A streamed base releases its windows (broken off early, or after its last batch).
        await it.return?.();
      }
    },
  };
}

/**
 * Run the teacher over every frame of `corpus` (spliced `chunkFrames` at a time) and keep its soft
 * targets at temperature T: mean over members of softmax(z / T). `withLogits` also keeps the mean
 * of the members' centred logits (for logit-mse); `mode` top-k keeps K per frame.
 *
 * With `helper` (a BatchTeacher in a worker: workerBatchTeacher), the chunks are shared between
 * this thread and the helper, up to 3 queued there while this thread computes one: on two cores
 * the pass takes about 1/1.5 of the time (the two wasm threads slow each other). Chunk boundaries
 * do not depend on who computes a chunk, and the helper runs the same teacher on the same backend,
 * so the targets are identical.
 */
export async function computeTeacherTargets(
  fwd: AcousticForward,
  corpus: FrameCorpus,
  opts: { temperature: number; mode: SoftTargetMode; withSoft?: boolean; withLogits?: boolean; chunkFrames?: number; onFrames?: (n: number) => void; helper?: BatchTeacher },
): Promise<TeacherTargets> {
  const { temperature, mode } = opts;
  if (!(temperature > 0)) throw new InputError(`--temperature ${temperature}: must be > 0`);
  const model = fwd.model;
  const numPdfs = model.meta.numPdfs;
  const ctx = model.meta.context;
  const chunk = opts.chunkFrames ?? 1024;
  const total = corpusFrames(corpus);
  const withSoft = opts.withSoft ?? true;
  const withLogits = opts.withLogits ?? false;
  const k = mode.kind === 'top-k' ? Math.min(mode.k, numPdfs) : numPdfs;
  const dense = withSoft && mode.kind === 'full' ? new Float32Array(total * numPdfs) : undefined;
  const topIds = withSoft && mode.kind === 'top-k' ? new Int32Array(total * k) : undefined;
  const topProbs = topIds ? new Float32Array(total * k) : undefined;
  const logits = withLogits ? new Float32Array(total * numPdfs) : undefined;
  const argmax = new Int32Array(total);
  const store = (s: number, n: number, t: { soft: Float32Array; logits?: Float32Array }): void => {
    const soft = t.soft;
    if (logits) logits.set(t.logits!, s * numPdfs);
    for (let i = 0; i < n; i++) {
      argmax[s + i] = rowArgmax(soft, i, numPdfs);
      if (topIds) topKRow(soft.subarray(i * numPdfs, (i + 1) * numPdfs), k, topIds, topProbs!, (s + i) * k);
    }
    if (dense) dense.set(soft, s * numPdfs);
    opts.onFrames?.(n);
  };
  // The helper's chunks in flight, oldest first; `done` is set when a chunk's targets have arrived.
  const away: { start: number; n: number; result: Promise<{ soft: Float32Array; logits?: Float32Array }>; done: boolean }[] = [];
  const collect = async (): Promise<void> => {
    const a = away.shift()!;
    store(a.start, a.n, await a.result);
  };
  for (const { start, n, x } of splicedChunks(corpus, ctx, chunk)) {
    // Chunks queued at the helper keep it busy while this thread computes one.
    if (opts.helper && away.length < 3) {
      // splicedChunks reuses its buffer: the helper gets a copy.
      const a = { start, n, result: opts.helper(x.slice(), n), done: false };
      a.result.then(() => (a.done = true), () => (a.done = true));
      away.push(a);
      continue;
    }
    store(start, n, teacherBatchTargets(fwd, x, n, temperature, withLogits));
    if (away.length > 0) {
      // Let the helper's replies be delivered, then take the finished ones.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (away.length > 0 && away[0].done) await collect();
    }
  }
  while (away.length > 0) await collect();
  const targets: FrameTargets = topIds ? new TopKTargets(numPdfs, k, topIds, topProbs!) : new DenseTargets(numPdfs, dense, logits);
  if (topIds && logits) {
    // Sparse soft targets plus dense logits: serve both.
    const sparse = targets as TopKTargets;
    return {
      argmax,
      targets: {
        numPdfs,
        hasSoft: true,
        hasLogits: true,
        fill(frames, count, s2, l2) {
          sparse.fill(frames, count, s2);
          new DenseTargets(numPdfs, undefined, logits).fill(frames, count, undefined, l2);
        },
      },
    };
  }
  return { targets, argmax };
}

/**
 * The identity of a teacher: sha256 over its manifest / metadata and every member's model.json and
 * weights.bin. A retrained teacher in the same directory gets a new identity.
 */
export async function teacherIdentity(model: AcousticModel): Promise<string> {
  const h = createHash('sha256');
  const files = model.kind === 'ensemble' ? [path.join(model.dir, ENSEMBLE_FILE)] : [];
  for (const m of model.members) files.push(...[MODEL_META_FILE, MODEL_JSON, WEIGHTS_BIN].map((f) => path.join(m.dir, f)));
  for (const f of files) {
    h.update(path.basename(f));
    h.update(await fs.readFile(f));
  }
  return h.digest('hex');
}
