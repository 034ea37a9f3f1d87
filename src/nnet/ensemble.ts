// Ensembles of DNN acoustic models (Hinton, Vinyals & Dean 2015, sec. 4: ten models differing in
// their random initialisation; the ensemble's posterior is the arithmetic mean of the members').
// ENS_DIR/ensemble.json is the manifest the decoder reads; ENS_DIR/ensemble-plan.json records what
// is being trained so that an interrupted run resumes its unfinished members only.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeFeatureDifferences, diffFeatureConfigs } from '../features/feature-match.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { readJsonFile } from '../store/json-file.js';
import { createJobRunner, type RunnerBackend } from '../jobs/runner.js';
import { siblingModuleUrl } from '../jobs/module-url.js';
import { MultiProgress, type Progress } from '../jobs/progress.js';
import { describeArch, type ArchConfig } from './arch.js';
import { combinePosteriors, type CombineRule } from './posteriors.js';
import { copyModelSupport, isCompleteModelDir, readDnnModelDir, MODEL_META_FILE, type DnnModel, type DnnModelMeta } from './model-dir.js';
import type { TrainJobInput, TrainJobMessage, TrainJobResult, TrainSettings } from './train-worker.js';

import { ENSEMBLE_FILE, modelKind } from './model-kind.js';
/** Manifest file of an ensemble directory (model-kind.ts). */
export { ENSEMBLE_FILE };
/** What an ensemble run intends to train (resume checks it). */
export const ENSEMBLE_PLAN_FILE = 'ensemble-plan.json';

/** The paper's ensemble: the mean of the members' probabilities. */
export const DEFAULT_COMBINE: CombineRule = 'arithmetic';

/** ENS_DIR/ensemble.json. */
export interface EnsembleManifest {
  type: 'ensemble';
  combine: CombineRule;
  /** Member model directories, relative to the ensemble directory. */
  members: string[];
}

/** A single DNN or an ensemble, loaded for scoring frames (eval, soft targets). */
export interface AcousticModel {
  kind: 'dnn' | 'ensemble';
  dir: string;
  combine: CombineRule;
  members: DnnModel[];
  /** The metadata shared by all members (that of the first: context, features, CMVN, priors). */
  meta: DnnModelMeta;
}

/** Read ENS_DIR/ensemble.json. */
export async function readEnsembleManifest(dir: string): Promise<EnsembleManifest> {
  const file = path.join(dir, ENSEMBLE_FILE);
  const m = await readJsonFile<EnsembleManifest>(file, {
    missing: (code) => (code === 'ENOENT' ? `${file}: not found; train the ensemble with \`asr-distill ensemble\`` : `${file}: cannot read (${code})`),
  });
  if (m.type !== 'ensemble' || !Array.isArray(m.members) || m.members.length === 0 || !['arithmetic', 'geometric'].includes(m.combine)) {
    throw new InputError(`${file}: expected { "type": "ensemble", "combine": "arithmetic"|"geometric", "members": ["member-01", ...] }`);
  }
  return m;
}

/** Write ENS_DIR/ensemble.json (atomically). */
export async function writeEnsembleManifest(dir: string, m: EnsembleManifest): Promise<void> {
  await writeFileAtomic(path.join(dir, ENSEMBLE_FILE), JSON.stringify(m, null, 1) + '\n');
}

/**
 * Load MODEL|ENSEMBLE: a directory with ensemble.json (its members) or asr-distill.json (one DNN).
 * Members must share context, feature dimension, pdf count and CMVN mode, since they score the
 * same spliced input.
 */
export async function loadAcousticModel(dir: string): Promise<AcousticModel> {
  const kind = await modelKind(dir);
  if (kind === 'ensemble') {
    const manifest = await readEnsembleManifest(dir);
    const members: DnnModel[] = [];
    for (const rel of manifest.members) members.push(await readDnnModelDir(path.resolve(dir, rel)));
    const m0 = members[0].meta;
    for (const m of members.slice(1)) {
      const same =
        m.meta.context.left === m0.context.left && m.meta.context.right === m0.context.right && m.meta.featDim === m0.featDim &&
        m.meta.numPdfs === m0.numPdfs && m.meta.cmvn.per === m0.cmvn.per && m.meta.cmvn.normVars === m0.cmvn.normVars;
      if (!same) {
        throw new InputError(`${path.join(dir, ENSEMBLE_FILE)}: member ${m.dir} differs from ${members[0].dir} in context, feature dim, pdf count or CMVN; all members must score the same input`);
      }
      const features = diffFeatureConfigs(m0.features, m.meta.features);
      if (features.length > 0) {
        const list = describeFeatureDifferences(features, path.basename(members[0].dir), path.basename(m.dir));
        throw new InputError(`${path.join(dir, ENSEMBLE_FILE)}: member ${m.dir} was trained on other features than ${members[0].dir} (${list}); all members must score the same input`);
      }
    }
    return { kind: 'ensemble', dir, combine: manifest.combine, members, meta: m0 };
  }
  if (kind !== 'dnn') {
    throw new InputError(`${dir}: neither ${ENSEMBLE_FILE} nor ${MODEL_META_FILE} found; expected a model from \`asr-distill train\`/\`distill\` or an ensemble from \`asr-distill ensemble\``);
  }
  const m = await readDnnModelDir(dir);
  return { kind: 'dnn', dir, combine: 'arithmetic', members: [m], meta: m.meta };
}

async function fileExists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** One network's batched forward pass, on either engine (tfjs/forward.ts DnnForward, ort/forward.ts OrtDnnForward). */
export interface MemberForward {
  logits(x: Float32Array, numFrames: number): Float32Array;
  posteriors(x: Float32Array, numFrames: number, temperature?: number): Float32Array;
  dispose(): void;
}

/**
 * Forward passes of every member of an AcousticModel on one engine: `nets` holds one per member,
 * in order (engine.ts createAcousticForward builds them). `dispose()` frees the weights.
 */
export class AcousticForward {
  readonly numPdfs: number;
  readonly inputDim: number;
  constructor(readonly model: AcousticModel, private readonly nets: MemberForward[]) {
    if (nets.length !== model.members.length) throw new Error(`AcousticForward: ${nets.length} forward passes for ${model.members.length} members`);
    this.numPdfs = model.meta.numPdfs;
    this.inputDim = model.meta.inputDim;
  }
  /** Each member's posteriors softmax(z / T). */
  memberPosteriors(x: Float32Array, numFrames: number, temperature = 1): Float32Array[] {
    return this.nets.map((n) => n.posteriors(x, numFrames, temperature));
  }
  /** Each member's logits. */
  memberLogits(x: Float32Array, numFrames: number): Float32Array[] {
    return this.nets.map((n) => n.logits(x, numFrames));
  }
  /** The model's posteriors at temperature T (members combined by the model's rule). */
  posteriors(x: Float32Array, numFrames: number, temperature = 1): Float32Array {
    const per = this.memberPosteriors(x, numFrames, temperature);
    return per.length === 1 ? per[0] : combinePosteriors(per, this.numPdfs, this.model.combine);
  }
  dispose(): void {
    for (const n of this.nets) n.dispose();
  }
}

/** ENS_DIR/ensemble-plan.json: the members to train and the shared settings. */
export interface EnsemblePlan {
  featsDir: string;
  aliDir: string;
  combine: CombineRule;
  members: { dir: string; seed: number; arch: ArchConfig }[];
  settings: TrainSettings;
}

/** Options of trainEnsemble. */
export interface EnsembleOptions {
  featsDir: string;
  aliDir: string;
  ensDir: string;
  numMembers: number;
  /** Member i uses archs[i % archs.length] (several archs = an ensemble of different shapes). */
  archs: ArchConfig[];
  combine: CombineRule;
  /** Member i trains with seed `baseSeed + i`. */
  baseSeed: number;
  jobs: number;
  settings: TrainSettings;
  /** Job runner backend (default local = worker threads; inline for debugging). */
  runner?: RunnerBackend;
  quiet?: boolean;
  /** Stop after this many members have been trained in this call (tests: simulate an interruption). */
  maxMembersThisRun?: number;
}

/** The plan for an ensemble: member dirs `member-01`..., seeds and archs. */
export function planEnsemble(opts: EnsembleOptions): EnsemblePlan {
  if (opts.archs.length === 0) throw new InputError('ensemble: give at least one --arch');
  if (!(opts.numMembers >= 1)) throw new InputError(`ensemble: --members ${opts.numMembers}: need at least 1`);
  const width = Math.max(2, String(opts.numMembers).length);
  return {
    featsDir: path.resolve(opts.featsDir),
    aliDir: path.resolve(opts.aliDir),
    combine: opts.combine,
    members: Array.from({ length: opts.numMembers }, (_, i) => ({
      dir: `member-${String(i + 1).padStart(width, '0')}`,
      seed: opts.baseSeed + i,
      arch: opts.archs[i % opts.archs.length],
    })),
    // Absolute dev paths too, so that the plan (and resume) does not depend on the working directory.
    settings: opts.settings.dev && 'featsDir' in opts.settings.dev
      ? { ...opts.settings, dev: { featsDir: path.resolve(opts.settings.dev.featsDir), aliDir: path.resolve(opts.settings.dev.aliDir) } }
      : opts.settings,
  };
}

/** Result of trainEnsemble. */
export interface EnsembleResult {
  manifest: EnsembleManifest | null;
  trained: string[];
  skipped: string[];
  /** Members still unfinished (only when maxMembersThisRun stopped early). */
  remaining: string[];
  members: { dir: string; result?: TrainJobResult }[];
}

/**
 * Train (or resume) an ensemble: members that differ by seed (and arch when several are given),
 * `jobs` at a time in worker threads (each with its own tfjs backend: the wasm backend is
 * single-threaded, so parallel members are how the second core gets used), one progress line
 * each. A member whose asr-distill.json exists is complete and skipped; an unfinished one resumes
 * from its last checkpoint. ensemble.json is written when every member is complete.
 */
export async function trainEnsemble(opts: EnsembleOptions): Promise<EnsembleResult> {
  const plan = planEnsemble(opts);
  const planFile = path.join(opts.ensDir, ENSEMBLE_PLAN_FILE);
  if (await fileExists(planFile)) {
    const old = await readJsonFile<EnsemblePlan>(planFile, { missing: `${planFile}: cannot read`, invalidHint: 'choose a new ENS_DIR' });
    // --allow-feature-mismatch changes no result: a run refused for a mismatch may be repeated with it.
    const key = (p: EnsemblePlan) => JSON.stringify({ ...p, settings: { ...p.settings, allowFeatureMismatch: undefined } });
    if (key(old) !== key(plan)) {
      throw new InputError(
        `${planFile}: this directory holds an ensemble trained with different data or options; to resume it repeat the same command, otherwise choose a new ENS_DIR`,
      );
    }
  } else {
    await writeFileAtomic(planFile, JSON.stringify(plan, null, 1) + '\n');
  }
  const todo: EnsemblePlan['members'] = [];
  const skipped: string[] = [];
  for (const m of plan.members) {
    if (await isCompleteModelDir(path.join(opts.ensDir, m.dir))) skipped.push(m.dir);
    else todo.push(m);
  }
  const now = opts.maxMembersThisRun === undefined ? todo : todo.slice(0, opts.maxMembersThisRun);
  const multi = new MultiProgress({ quiet: opts.quiet });
  const bars = new Map<number, Progress>();
  const runner = createJobRunner({ jobs: opts.jobs, backend: opts.runner ?? 'local' });
  const results: (TrainJobResult | undefined)[] = [];
  try {
    const specs = now.map((m) => ({
      module: siblingModuleUrl(import.meta.url, 'train-worker'),
      fn: 'trainJob',
      input: {
        featsDir: plan.featsDir,
        aliDir: plan.aliDir,
        outDir: path.resolve(opts.ensDir, m.dir),
        arch: m.arch,
        seed: m.seed,
        settings: plan.settings,
        // Reruns continue unfinished members; members not started yet have nothing to resume.
        resume: 'if-present',
        label: `${m.dir} (${describeArch(m.arch)}, seed ${m.seed})`,
      } satisfies TrainJobInput,
    }));
    const out = await runner.run<TrainJobInput, TrainJobResult>(specs, {
      onMessage: (i, raw) => {
        const msg = raw as TrainJobMessage;
        let bar = bars.get(i);
        if (!bar) {
          bar = multi.create(specs[i].input.label, msg.totalFrames, 'frames');
          bars.set(i, bar);
        }
        bar.update(msg.doneFrames, msg.fields);
      },
      onResult: (i) => bars.get(i)?.stop(),
    });
    results.push(...out);
  } finally {
    await runner.close();
    multi.stop();
  }
  const remaining = todo.slice(now.length).map((m) => m.dir);
  let manifest: EnsembleManifest | null = null;
  if (remaining.length === 0) {
    manifest = { type: 'ensemble', combine: plan.combine, members: plan.members.map((m) => m.dir) };
    await copyModelSupport(path.join(opts.ensDir, plan.members[0].dir), opts.ensDir);
    await writeEnsembleManifest(opts.ensDir, manifest);
  }
  return {
    manifest,
    trained: now.map((m) => m.dir),
    skipped,
    remaining,
    members: plan.members.map((m) => ({ dir: m.dir, result: results[now.indexOf(m)] })),
  };
}
