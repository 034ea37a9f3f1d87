// A self-describing DNN model directory (docs/ARCHITECTURE.md "DNN model directory"):
//   model.json + weights.bin   TF.js Layers format (saveDnn/loadDnn, loadable with tf.loadLayersModel)
//   asr-distill.json           our metadata: arch, context, features config, CMVN mode, log priors
//   transition-model.json      copy of the alignment model (topology, pdf map)
//   lang/                      copy of the lang directory
// so that the decoder needs nothing else. asr-distill.json is written last: its presence marks a
// complete model (an interrupted run leaves none, which is how ensemble resume tells members apart).
import { pathExists } from '../store/paths.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readJsonFile } from '../store/json-file.js';
import { copyLangDir, MODEL_LANG_DIR } from '../lang/lang-dir.js';
import { writeFileAtomic } from '../store/atomic.js';
import { configHash, type FileChecksum } from '../store/checksum.js';
import { readTransitionModel, TRANSITION_MODEL_FILE, writeTransitionModel, type TransitionModel } from '../hmm/transition-model.js';
import { validateArch, type ArchConfig } from './arch.js';
import { type DnnWeights } from './weights.js';
import type { SpliceContext } from './splice.js';

import { MODEL_META_FILE } from './model-kind.js';
/** Metadata file name inside a model directory (model-kind.ts). */
export { MODEL_META_FILE };
/** Copy of the lang directory inside a model directory. */
export { MODEL_LANG_DIR, copyLangDir } from '../lang/lang-dir.js';

/** How the input features were normalised (features/cmvn.ts; `none` when FEATS_DIR had no cmvn.json). */
export interface CmvnMode {
  per: 'utterance' | 'speaker' | 'none';
  normVars: boolean;
}

/** Where and how a model was trained (provenance, for humans and reports). */
export interface TrainedOn {
  feats: string;
  ali: string | null;
  numUtts: number;
  numFrames: number;
  /** ISO date of the end of training. */
  date: string;
  /** Distillation: the teacher directory, temperature, loss and hard-target weight. */
  teacher?: { dir: string; id: string; temperature: number; loss: string; hardWeight: number; softTargets: string; transferNoise?: number; transferNoiseFrames?: number; transferWarp?: number; transferMixup?: number; transferExtra?: string[]; initFrom?: string; setup?: string };
  seed?: number;
  epochs?: number;
}

/** Contents of asr-distill.json for a DNN. */
export interface DnnModelMeta {
  type: 'dnn';
  arch: ArchConfig;
  context: SpliceContext;
  inputDim: number;
  numPdfs: number;
  /** Feature dimension before splicing (inputDim = (left + 1 + right) * featDim). */
  featDim: number;
  /** The feature extraction config of FEATS_DIR (feats.json `config`), to compute the same features when decoding. */
  features: unknown;
  /**
   * configHash of `features` (feats.json `configHash` of the training features). Written by
   * writeDnnModelDir; computed from `features` when reading a model written before it existed.
   */
  featuresHash?: string;
  /**
   * Size and sha256 of each weights file (`weights.bin`), written by writeDnnModelDir and verified
   * by readDnnModelDir. Models written before it existed are only checked for the exact size
   * their model.json implies.
   */
  weightsFiles?: Record<string, FileChecksum>;
  frameShiftMs: number;
  cmvn: CmvnMode;
  /** Log state priors from alignment counts (priors.ts); `UNSEEN_LOG_PRIOR` for unseen pdfs. */
  priors: number[];
  trainedOn: TrainedOn;
}

/** Everything needed to write a model directory. */
export interface DnnModelContents {
  weights: DnnWeights;
  meta: DnnModelMeta;
  transitionModel: TransitionModel;
  /** Source lang directory to copy (e.g. ALI_DIR/lang); omitted = none copied. */
  langDir?: string;
}

/**
 * Write (or complete) a model directory. Files already in `dir` (train.log.jsonl, checkpoint/) are
 * kept. Each file is written atomically and asr-distill.json last.
 */
export async function writeDnnModelDir(dir: string, c: DnnModelContents): Promise<void> {
  checkMeta(c.meta, c.weights, path.join(dir, MODEL_META_FILE));
  await fs.mkdir(dir, { recursive: true });
  await fs.rm(path.join(dir, MODEL_META_FILE), { force: true });
  const { saveDnn } = await import('./tfjs/layers-model.js');
  const weightsFiles = await saveDnn(dir, c.weights);
  await writeTransitionModel(path.join(dir, TRANSITION_MODEL_FILE), c.transitionModel);
  if (c.langDir) await copyLangDir(c.langDir, dir);
  const meta: DnnModelMeta = { ...c.meta, featuresHash: configHash(c.meta.features), weightsFiles };
  await writeFileAtomic(path.join(dir, MODEL_META_FILE), JSON.stringify(meta, null, 1) + '\n');
}

/**
 * Copy the support files of a model or alignment directory (transition-model.json and lang/) into
 * another directory, e.g. from the first member into an ensemble directory.
 */
export async function copyModelSupport(fromDir: string, toDir: string): Promise<void> {
  const tm = await readTransitionModel(path.join(fromDir, TRANSITION_MODEL_FILE));
  await writeTransitionModel(path.join(toDir, TRANSITION_MODEL_FILE), tm);
  const lang = path.join(fromDir, MODEL_LANG_DIR);
  if (await pathExists(lang)) await copyLangDir(lang, toDir);
}

/** True when `dir` holds a complete DNN model (its asr-distill.json exists). */
export async function isCompleteModelDir(dir: string): Promise<boolean> {
  return pathExists(path.join(dir, MODEL_META_FILE));
}

function failMeta(file: string, what: string): never {
  throw new InputError(`${file}: ${what}; the model directory is damaged, retrain or re-copy it`);
}

function checkMeta(meta: DnnModelMeta, w: DnnWeights | undefined, file: string): void {
  const fail = (what: string): never => failMeta(file, what);
  if (meta.type !== 'dnn') fail(`"type" is ${JSON.stringify(meta.type)}, expected "dnn"`);
  if (!meta.context || !Number.isInteger(meta.context.left) || !Number.isInteger(meta.context.right)) fail('"context" must be { "left": L, "right": R }');
  if (!Number.isInteger(meta.featDim) || meta.featDim < 1) fail('"featDim" must be a positive integer');
  if (meta.inputDim !== (meta.context.left + 1 + meta.context.right) * meta.featDim) {
    fail(`"inputDim" ${meta.inputDim} is not (left + 1 + right) * featDim = ${(meta.context.left + 1 + meta.context.right) * meta.featDim}`);
  }
  if (!Array.isArray(meta.priors) || meta.priors.length !== meta.numPdfs) fail(`"priors" must have numPdfs = ${meta.numPdfs} entries`);
  if (w && (w.inputDim !== meta.inputDim || w.numPdfs !== meta.numPdfs)) {
    fail(`the network is ${w.inputDim} -> ${w.numPdfs} but the metadata says ${meta.inputDim} -> ${meta.numPdfs}`);
  }
}

/** Read and check asr-distill.json of a DNN model directory. */
export async function readDnnModelMeta(dir: string): Promise<DnnModelMeta> {
  const file = path.join(dir, MODEL_META_FILE);
  const meta = await readJsonFile<DnnModelMeta>(file, { missing: `${file}: not found; ${dir} is not a complete DNN model directory (train one with \`asr-distill train\`)` });
  meta.arch = validateArch(meta.arch, `${file} "arch"`);
  checkMeta(meta, undefined, file);
  const hash = configHash(meta.features);
  if (meta.featuresHash === undefined) meta.featuresHash = hash;
  else if (meta.featuresHash !== hash) failMeta(file, `"featuresHash" ${meta.featuresHash} is not the hash of "features" (${hash})`);
  return meta;
}

/** A loaded DNN model directory. */
export interface DnnModel {
  dir: string;
  meta: DnnModelMeta;
  weights: DnnWeights;
  transitionModel: TransitionModel;
}

/**
 * Read a DNN model directory: metadata, weights (size and sha256 verified against `weightsFiles`)
 * and transition model, checked against each other.
 */
export async function readDnnModelDir(dir: string): Promise<DnnModel> {
  const meta = await readDnnModelMeta(dir);
  // Loaded here, not at the top: TensorFlow.js costs ~0.6 CPU s to import, and readers of the metadata
  // only (decode's main thread, model-kind probes) never need it.
  const { loadDnn } = await import('./tfjs/layers-model.js');
  const weights = await loadDnn(dir, meta.weightsFiles ? { files: meta.weightsFiles, recordedIn: path.join(dir, MODEL_META_FILE) } : undefined);
  checkMeta(meta, weights, path.join(dir, MODEL_META_FILE));
  const transitionModel = await readTransitionModel(path.join(dir, TRANSITION_MODEL_FILE));
  if (transitionModel.numPdfs !== meta.numPdfs) {
    throw new InputError(`${path.join(dir, TRANSITION_MODEL_FILE)}: ${transitionModel.numPdfs} pdfs but the network has ${meta.numPdfs}; the model directory is inconsistent`);
  }
  return { dir, meta, weights, transitionModel };
}
