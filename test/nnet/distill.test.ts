import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkDistillOptions, distill, isEnsembleDir, type DistillOptions } from '../../src/nnet/distill.js';
import { readDnnModelDir } from '../../src/nnet/model-dir.js';
import { trainDnnDir, type TrainSettings } from '../../src/nnet/train-worker.js';
import { writeSynthCorpusDirs } from './pipeline-fixtures.js';

let root: string;
let data: { featsDir: string; aliDir: string; numPdfs: number; numFrames: number };
let teacher: string;
const settings: TrainSettings = { context: { left: 1, right: 1 }, epochs: 1, batchSize: 32, learningRate: 0.01, optimizer: 'adam', backend: 'cpu' };

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'distill-'));
  data = await writeSynthCorpusDirs(root, { name: 'train', numUtts: 8, dim: 4, seed: 1 });
  teacher = path.join(root, 'teacher');
  await trainDnnDir({ featsDir: data.featsDir, aliDir: data.aliDir, outDir: teacher, arch: { hidden: [{ units: 8 }], activation: 'relu' }, seed: 1, settings, resume: false, label: 't' });
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A labeled distillation into a 6-unit student at T = 2, W = 0.5 (soft-ce); `more` overrides. */
function labeledStudent(name: string, more: Partial<DistillOptions> = {}): DistillOptions {
  return {
    featsDir: data.featsDir,
    aliDir: data.aliDir,
    teacherDir: teacher,
    studentDir: path.join(root, name),
    arch: { hidden: [{ units: 6 }], activation: 'relu' },
    temperature: 2,
    hardWeight: 0.5,
    softTargets: { kind: 'full' },
    loss: 'soft-ce',
    settings,
    seed: 3,
    quiet: true,
    ...more,
  };
}

const base = { aliDir: 'ali', hardWeight: 0.5, temperature: 2, softTargets: { kind: 'full' as const }, loss: 'soft-ce' as const };

test('checkDistillOptions: each bad combination says what to do', () => {
  checkDistillOptions(base);
  assert.throws(() => checkDistillOptions({ ...base, temperature: 0 }), { name: 'InputError', message: '--temperature 0: must be a positive number (the paper tried 1, 2, 5, 10)' });
  assert.throws(() => checkDistillOptions({ ...base, hardWeight: -1 }), { name: 'InputError', message: '--hard-weight -1: must be >= 0 (the paper used 0.5)' });
  assert.throws(() => checkDistillOptions({ ...base, aliDir: null }), {
    name: 'InputError',
    message: "ALI_DIR '-' (unlabeled transfer set) has no hard targets: use --hard-weight 0, or give an alignment directory",
  });
  assert.throws(() => checkDistillOptions({ ...base, loss: 'logit-mse', softTargets: { kind: 'top-k', k: 3 } }), {
    name: 'InputError',
    message: "--loss logit-mse matches the teacher's full logit vector; use --soft-targets full with it",
  });
  assert.throws(() => checkDistillOptions({ ...base, cache: 'x.arrow' }), { name: 'InputError', message: '--cache keeps top-K soft targets; use it with --soft-targets top-k:K' });
  checkDistillOptions({ ...base, transferNoise: 0 });
  checkDistillOptions({ ...base, transferNoise: 0.5 });
  checkDistillOptions({ ...base, transferNoise: 0.5, transferNoiseFrames: 0.5 });
  assert.throws(() => checkDistillOptions({ ...base, transferNoise: 0.5, transferNoiseFrames: 1.5 }), { name: 'InputError', message: '--transfer-noise-frames 1.5: must be a fraction in (0, 1] (e.g. 0.5)' });
  assert.throws(() => checkDistillOptions({ ...base, transferNoiseFrames: 0.5 }), {
    name: 'InputError',
    message: '--transfer-noise-frames says which share of the frames get the noise; give --transfer-noise R too',
  });
  assert.throws(() => checkDistillOptions({ ...base, transferNoise: -1 }), { name: 'InputError', message: '--transfer-noise -1: must be a number >= 0 (e.g. 0.5; 0 = off)' });
  assert.throws(() => checkDistillOptions({ ...base, transferNoise: 0.5, softTargets: { kind: 'top-k', k: 3 } }), {
    name: 'InputError',
    message: "--transfer-noise computes the teacher's targets per batch on the noisy frames, so there is nothing to keep as top-K; use --soft-targets full with it",
  });
  checkDistillOptions({ ...base, transferWarp: 0.1, transferMixup: 0.3 });
  assert.throws(() => checkDistillOptions({ ...base, transferWarp: 0.5 }), { name: 'InputError', message: '--transfer-warp 0.5: must be a fraction in [0, 0.5) (e.g. 0.1 for factors 0.9..1.1; 0 = off)' });
  assert.throws(() => checkDistillOptions({ ...base, transferMixup: 0.8 }), { name: 'InputError', message: '--transfer-mixup 0.8: must be a weight in [0, 0.5] (e.g. 0.3; 0 = off)' });
  assert.throws(() => checkDistillOptions({ ...base, transferMixup: 0.3, softTargets: { kind: 'top-k', k: 3 } }), {
    name: 'InputError',
    message: "--transfer-mixup computes the teacher's targets per batch on the mixed frames, so there is nothing to keep as top-K; use --soft-targets full with it",
  });
});

test('distill on an unlabeled transfer set takes pdfs, priors and transition model from the teacher; the top-K cache is reused', async () => {
  const student = path.join(root, 'student');
  const cache = path.join(root, 'soft.arrow');
  const o: DistillOptions = {
    featsDir: data.featsDir,
    aliDir: null,
    teacherDir: teacher,
    studentDir: student,
    arch: { hidden: [{ units: 6 }], activation: 'relu' },
    temperature: 2,
    hardWeight: 0,
    softTargets: { kind: 'top-k', k: 4 },
    loss: 'soft-ce',
    cache,
    settings: { ...settings, context: { left: 0, right: 2 }, dev: { split: 0.25 } },
    seed: 3,
    quiet: true,
  };
  const r1 = await distill(o);
  assert.equal(r1.cacheUsed, false);
  // the held-out split of an unlabeled set is scored against the teacher's choices
  assert.ok(r1.history[0].devAcc! > 0, `dev acc ${r1.history[0].devAcc}`);
  await fs.access(cache);
  const t = await readDnnModelDir(teacher);
  const s = await readDnnModelDir(student);
  assert.deepEqual(s.meta.priors, t.meta.priors);
  assert.deepEqual(s.meta.context, { left: 0, right: 2 });
  assert.equal(s.meta.inputDim, 12);
  assert.equal(s.meta.numPdfs, t.meta.numPdfs);
  assert.equal(s.meta.trainedOn.ali, null);
  assert.deepEqual(s.meta.trainedOn.teacher, { dir: path.resolve(teacher), id: r1.teacherId, temperature: 2, loss: 'soft-ce', hardWeight: 0, softTargets: 'top-k:4', transferNoise: 0 });
  assert.deepEqual(s.transitionModel, t.transitionModel);
  await fs.access(path.join(student, 'lang', 'phones.txt'));
  const w1 = await fs.readFile(path.join(student, 'weights.bin'));

  // Same T and teacher: the cache is read, and the student is the same.
  const r2 = await distill(o);
  assert.equal(r2.cacheUsed, true);
  assert.deepEqual(await fs.readFile(path.join(student, 'weights.bin')), w1);
  // Another temperature: the cache is rejected.
  await assert.rejects(distill({ ...o, temperature: 5 }), { name: 'InputError', message: `${cache}: computed at temperature 2, not 5; delete it to recompute, or choose another --cache file` });
  // Another engine (the cache was written on cpu): rejected, not silently reused.
  await assert.rejects(distill({ ...o, settings: { ...o.settings, backend: 'ort' } }), {
    name: 'InputError',
    message: `${cache}: computed on engine cpu, not ort; engines round differently, so the targets would not be the ones this run computes; delete it to recompute, or choose another --cache file`,
  });
});

test('distill with labels and logit-mse', async () => {
  const student = path.join(root, 'student-mse');
  const r = await distill(labeledStudent('student-mse', { temperature: 1, loss: 'logit-mse' }));
  assert.equal(r.history.length, 1);
  assert.ok(Number.isFinite(r.history[0].trainLoss));
  const s = await readDnnModelDir(student);
  assert.equal(s.meta.trainedOn.teacher!.loss, 'logit-mse');
  assert.equal(s.meta.trainedOn.ali, path.resolve(data.aliDir));
  assert.equal(await isEnsembleDir(teacher), false);
});

test('distill with transfer noise: the teacher runs on the noisy batches; a resumed run ends with the same weights; the noise is recorded', async () => {
  const o = labeledStudent('student-noise', { transferNoise: 0.5, settings: { ...settings, epochs: 2 } });
  const full = await distill({ ...o, teacherJobs: 1 });
  assert.equal(full.history.length, 2);
  const s = await readDnnModelDir(o.studentDir);
  assert.equal(s.meta.trainedOn.teacher!.transferNoise, 0.5);
  const w = await fs.readFile(path.join(o.studentDir, 'weights.bin'));
  // Without noise the student differs (the batches and targets are other).
  const clean = path.join(root, 'student-clean');
  await distill({ ...o, studentDir: clean, transferNoise: 0, teacherJobs: 0 });
  assert.notDeepEqual(await fs.readFile(path.join(clean, 'weights.bin')), w);
  // The one teacher pass over the clean frames, given to a worker: the same student.
  const cleanShared = path.join(root, 'student-clean-shared');
  await distill({ ...o, studentDir: cleanShared, transferNoise: 0, teacherJobs: 1 });
  assert.deepEqual(await fs.readFile(path.join(cleanShared, 'weights.bin')), await fs.readFile(path.join(clean, 'weights.bin')));
  // One epoch, then resume to two, with the teacher in this thread instead of a worker: identical
  // to the uninterrupted run.
  const split = path.join(root, 'student-noise-resumed');
  await distill({ ...o, studentDir: split, settings: { ...o.settings, epochs: 1 } });
  await distill({ ...o, studentDir: split, resume: true, teacherJobs: 0 });
  assert.deepEqual(await fs.readFile(path.join(split, 'weights.bin')), w);
  // Warp and mixup on top: other batches again, recorded, and a resume is exact with them too.
  const both = path.join(root, 'student-warp-mixup');
  await distill({ ...o, studentDir: both, transferWarp: 0.1, transferMixup: 0.3 });
  const wb = await fs.readFile(path.join(both, 'weights.bin'));
  assert.notDeepEqual(wb, w);
  const sb = await readDnnModelDir(both);
  assert.equal(sb.meta.trainedOn.teacher!.transferWarp, 0.1);
  assert.equal(sb.meta.trainedOn.teacher!.transferMixup, 0.3);
  const bothSplit = path.join(root, 'student-warp-mixup-resumed');
  await distill({ ...o, studentDir: bothSplit, transferWarp: 0.1, transferMixup: 0.3, settings: { ...o.settings, epochs: 1 } });
  await distill({ ...o, studentDir: bothSplit, transferWarp: 0.1, transferMixup: 0.3, resume: true, teacherJobs: 0 });
  assert.deepEqual(await fs.readFile(path.join(bothSplit, 'weights.bin')), wb);
  // Resuming with another noise strength is refused (the checkpoint saw other batches).
  await assert.rejects(distill({ ...o, studentDir: split, transferNoise: 0.3, settings: { ...o.settings, epochs: 3 }, resume: true }), {
    name: 'InputError',
    message: `${path.join(split, 'checkpoint', 'state.json')}: the checkpoint was written with different training options; rerun with the same options, or without --resume to start over`,
  });
});

test('distill with an unlabeled extra transfer set: soft targets only there, priors from the labeled frames, recorded', async () => {
  const extra = await writeSynthCorpusDirs(root, { name: 'extra', numUtts: 4, dim: 4, seed: 9, uttPrefix: 'x-' });
  const o = labeledStudent('student-extra', { transferExtra: [extra.featsDir] });
  const r = await distill(o);
  assert.equal(r.numFrames, data.numFrames + extra.numFrames);
  const s = await readDnnModelDir(o.studentDir);
  const t = await readDnnModelDir(teacher);
  // The teacher was trained on the same labeled frames, so the priors agree.
  assert.deepEqual(s.meta.priors, t.meta.priors);
  assert.deepEqual(s.meta.trainedOn.teacher!.transferExtra, [path.resolve(extra.featsDir)]);
  // With noise too (targets per batch); the same set twice is refused (repeated utterance ids).
  await distill({ ...o, studentDir: path.join(root, 'student-extra-noise'), transferNoise: 0.5, teacherJobs: 0 });
  await assert.rejects(distill({ ...o, transferExtra: [extra.featsDir, extra.featsDir] }), {
    name: 'InputError',
    message: 'utterance x-utt0000 appears in two of the joined sets; give each set distinct utterance ids',
  });
});

test('distill --setup paper records the setup; a departure from it is refused before any work', async () => {
  const o = labeledStudent('student-paper', { setup: 'paper' });
  await distill(o);
  const s = await readDnnModelDir(o.studentDir);
  assert.equal(s.meta.trainedOn.teacher!.setup, 'paper');
  assert.equal(s.meta.trainedOn.teacher!.transferNoise, 0);
  await assert.rejects(distill(labeledStudent('student-paper-noisy', { setup: 'paper', transferNoise: 0.5 })), {
    name: 'InputError',
    message: /^--setup paper: --transfer-noise is not part of the paper's setup/,
  });
  await assert.rejects(fs.access(path.join(root, 'student-paper-noisy')), { code: 'ENOENT' });
});

test('distill --init-from starts the student from a model of its shape (recorded), and refuses another shape', async () => {
  const o = labeledStudent('student-init', { arch: { hidden: [{ units: 8 }], activation: 'relu' }, initFrom: teacher, settings: { ...settings, learningRate: 1e-9 } });
  await distill(o);
  const s = await readDnnModelDir(o.studentDir);
  const t = await readDnnModelDir(teacher);
  assert.equal(s.meta.trainedOn.teacher!.initFrom, path.resolve(teacher));
  // A negligible learning rate leaves the teacher's weights (the init) nearly as they were.
  const a = s.weights.layers[0].W;
  const b = t.weights.layers[0].W;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff < 1e-4, `max weight change ${maxDiff}`);
  await assert.rejects(distill({ ...o, arch: { hidden: [{ units: 6 }], activation: 'relu' } }), {
    name: 'InputError',
    message: /--init-from .*teacher: a .* model with context 1:1, but the student is .* with context 1:1; give a model of the student's shape/,
  });
});

test('distill refuses transfer features made with another configuration than the teacher\'s', async () => {
  const { changeFeatsConfig } = await import('./pipeline-fixtures.js');
  const other = await writeSynthCorpusDirs(root, { name: 'other-config', numUtts: 4, dim: 4, seed: 9 });
  await changeFeatsConfig(other.featsDir, { preemphasisCoefficient: 0 });
  await assert.rejects(distill(labeledStudent('student-other', { featsDir: other.featsDir, aliDir: other.aliDir })), (e: unknown) => {
    assert.equal((e as Error).name, 'InputError');
    assert.match((e as Error).message, new RegExp(`^${other.featsDir} was made with another feature configuration than ${teacher} \\(preemphasisCoefficient: teacher 0.97, features 0\\)\\. `));
    return true;
  });
});
