// The teacher's side of distillation as a job-runner job: one batch of (spliced, possibly noisy)
// transfer frames in, the teacher's targets out. With --transfer-noise the targets must be computed
// batch by batch, and the forward passes of an ensemble cost more than the student's training step;
// run as jobs, they go to the other core(s) while the student trains on the batches before (wasm is
// single-threaded per worker, so this is how distillation uses a second core).
import { InputError } from '../errors.js';
import type { BackendName } from './backend-name.js';
import { createAcousticForward } from './engine.js';
import { AcousticForward, loadAcousticModel } from './ensemble.js';
import { teacherBatchTargets, teacherIdentity } from './teachers.js';

/** Input of teacherTargetsJob. */
export interface TeacherJobInput {
  teacherDir: string;
  /** teacherIdentity() seen by the caller: a teacher changed on disk mid-run is refused. */
  teacherId: string;
  backend: BackendName;
  temperature: number;
  withLogits: boolean;
  /** `n` x inputDim spliced rows. */
  x: Float32Array;
  n: number;
}

/** Output of teacherTargetsJob: what teacherBatchTargets returns. */
export interface TeacherJobOutput {
  soft: Float32Array;
  logits?: Float32Array;
}

// One teacher per worker thread, loaded by the first batch and kept for the rest of the run.
let loaded: { key: string; fwd: Promise<AcousticForward> } | undefined;

async function loadTeacher(input: TeacherJobInput): Promise<AcousticForward> {
  const model = await loadAcousticModel(input.teacherDir);
  const id = await teacherIdentity(model);
  if (id !== input.teacherId) {
    throw new InputError(`${input.teacherDir}: the teacher changed on disk while distilling (its files no longer match what the run started with); rerun distill`);
  }
  return createAcousticForward(model, input.backend);
}

/** Job: the teacher's targets for one batch (see teacherBatchTargets). */
export async function teacherTargetsJob(input: TeacherJobInput): Promise<TeacherJobOutput> {
  const key = `${input.teacherDir}\n${input.teacherId}\n${input.backend}`;
  if (loaded?.key !== key) {
    if (loaded) (await loaded.fwd.catch(() => undefined))?.dispose();
    loaded = { key, fwd: loadTeacher(input) };
  }
  let fwd: AcousticForward;
  try {
    fwd = await loaded.fwd;
  } catch (e) {
    loaded = undefined;
    throw e;
  }
  return teacherBatchTargets(fwd, input.x, input.n, input.temperature, input.withLogits);
}
