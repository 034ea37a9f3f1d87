// GMM-HMM model directory (MODEL_DIR, the output of `asr-distill train-mono`; Kaldi exp/mono/final.mdl
// split into readable files): model.json (type, feature pipeline), gmm.json (per-pdf diagonal GMMs),
// transition-model.json (topology + state <-> pdf map), phones.txt, lang/ (copy of the lang
// directory it was trained with).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { configHash } from '../store/checksum.js';
import { InputError } from '../errors.js';
import { readJsonFile } from '../store/json-file.js';
import type { CmvnStats } from '../features/cmvn.js';
import type { FeatureConfig } from '../features/config.js';
import { copyLangDir, readLangDir, type LangDir } from '../lang/lang-dir.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { UttFeats } from '../store/feats-archive.js';
import { allPdfLogLikelihoods, makeScorer, type GmmScorer, type GmmSet } from './gmm.js';
import { gmmFeatures, gmmFeatureDim, type GmmFeatureTransform } from './gmm-feats.js';
import { readTransitionModel, writeTransitionModel, TRANSITION_MODEL_FILE, type TransitionModel } from './transition-model.js';

/** MODEL_DIR/model.json. */
export interface GmmModelInfo {
  type: 'gmm';
  featureTransform: GmmFeatureTransform;
  /** The config of the stored features the transform reads (FEATS_DIR/feats.json `config`). */
  feats: FeatureConfig;
  /** configHash of `feats` (written by writeGmmModel; absent in older models, whose `feats` is compared instead). */
  featsHash?: string;
  /** Dimension of the stored features, and of the GMM features. */
  inputDim: number;
  dim: number;
  numPdfs: number;
  numGauss: number;
  frameShiftMs: number;
  cmvn: { per: 'speaker' | 'utterance'; normVars: boolean };
  trainedOn?: string;
  /** Data dirs trained on besides `trainedOn` (train-mono --extra). */
  extraTrainingSets?: string[];
}

/** MODEL_DIR/gmm.json: one entry per pdf, readable. */
interface GmmJson {
  dim: number;
  numPdfs: number;
  pdfs: { weights: number[]; means: number[][]; vars: number[][] }[];
}

/** A loaded model with everything needed to score frames. */
export interface GmmModel {
  dir: string;
  info: GmmModelInfo;
  gmm: GmmSet;
  scorer: GmmScorer;
  transitionModel: TransitionModel;
  lang: LangDir;
  /** GMM features (CMN, MFCC, deltas) of stored features; `cmvn` from FEATS_DIR/cmvn.json. */
  features(utt: UttFeats, cmvn: CmvnStats): Float32Array;
  /**
   * log p(x_t | pdf) for every frame and pdf of an utterance of stored features: a Float32Array
   * [numFrames x numPdfs], row-major (what the decoder needs from an acoustic model).
   */
  frameLogLikelihoods(utt: UttFeats, cmvn: CmvnStats): Float32Array;
}

export const MODEL_JSON_FILE = 'model.json';
export const GMM_JSON_FILE = 'gmm.json';

/** GmmSet -> readable JSON object (pure). */
export function gmmToJson(set: GmmSet): GmmJson {
  const { dim } = set;
  const pdfs: GmmJson['pdfs'] = [];
  for (let p = 0; p < set.numPdfs; p++) {
    const e: GmmJson['pdfs'][number] = { weights: [], means: [], vars: [] };
    for (let c = set.compOffset[p]; c < set.compOffset[p + 1]; c++) {
      e.weights.push(set.weights[c]);
      e.means.push(Array.from(set.means.subarray(c * dim, (c + 1) * dim)));
      e.vars.push(Array.from(set.vars.subarray(c * dim, (c + 1) * dim)));
    }
    pdfs.push(e);
  }
  return { dim, numPdfs: set.numPdfs, pdfs };
}

/** Readable JSON -> GmmSet, checking shapes and positivity; errors name `file`. */
export function gmmFromJson(j: GmmJson, file: string): GmmSet {
  if (!Number.isInteger(j?.dim) || !Array.isArray(j.pdfs) || j.pdfs.length !== j.numPdfs) throw new InputError(`${file}: expected { dim, numPdfs, pdfs: [...] } with numPdfs entries`);
  const { dim } = j;
  const compOffset = new Int32Array(j.numPdfs + 1);
  const weights: number[] = [];
  const means: number[] = [];
  const vars: number[] = [];
  j.pdfs.forEach((e, p) => {
    if (e.weights.length === 0 || e.means.length !== e.weights.length || e.vars.length !== e.weights.length) throw new InputError(`${file}: pdf ${p} has inconsistent weights/means/vars`);
    e.weights.forEach((w, c) => {
      if (!(w > 0) || e.means[c].length !== dim || e.vars[c].length !== dim || e.vars[c].some((v) => !(v > 0))) throw new InputError(`${file}: pdf ${p} component ${c} is malformed (weight and variances must be > 0, vectors of dim ${dim})`);
      weights.push(w);
      means.push(...e.means[c]);
      vars.push(...e.vars[c]);
    });
    compOffset[p + 1] = weights.length;
  });
  return { dim, numPdfs: j.numPdfs, compOffset, weights: Float64Array.from(weights), means: Float64Array.from(means), vars: Float64Array.from(vars) };
}

/** Write a model directory (each file atomically; lang/ copied from `lang.dir`). */
export async function writeGmmModel(dir: string, info: GmmModelInfo, gmm: GmmSet, tm: TransitionModel, lang: LangDir): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, GMM_JSON_FILE), JSON.stringify(gmmToJson(gmm)) + '\n');
  await writeTransitionModel(path.join(dir, TRANSITION_MODEL_FILE), tm);
  await copyLangDir(lang.dir, dir);
  // Like Kaldi's exp/mono/phones.txt: the phone ids the pdfs and alignments refer to, at a glance.
  await writeFileAtomic(path.join(dir, 'phones.txt'), lang.phones.map((p, i) => `${p} ${i}\n`).join(''));
  await writeFileAtomic(path.join(dir, MODEL_JSON_FILE), JSON.stringify({ ...info, featsHash: configHash(info.feats) }, null, 1) + '\n');
}

function readJson<T>(file: string, hint: string): Promise<T> {
  return readJsonFile<T>(file, { missing: `${file}: not found; ${hint}` });
}

/** Wrap a GmmSet and its metadata as a GmmModel (no I/O). */
export function makeGmmModel(dir: string, info: GmmModelInfo, gmm: GmmSet, transitionModel: TransitionModel, lang: LangDir): GmmModel {
  const scorer = makeScorer(gmm);
  const features = (utt: UttFeats, cmvn: CmvnStats): Float32Array => {
    if (utt.dim !== info.inputDim) throw new InputError(`utterance ${utt.uttId}: features have dim ${utt.dim} but the GMM in ${dir} was trained on dim ${info.inputDim}; use features made with the same config`);
    return gmmFeatures(utt, cmvn, info.featureTransform);
  };
  return {
    dir,
    info,
    gmm,
    scorer,
    transitionModel,
    lang,
    features,
    frameLogLikelihoods: (utt, cmvn) => allPdfLogLikelihoods(scorer, features(utt, cmvn), utt.numFrames),
  };
}

/**
 * Read a model directory written by `train-mono`.
 *
 * @example const m = await readGmmModel('exp/digits/mono'); m.frameLogLikelihoods(utt, cmvn) // [T x numPdfs]
 */
export async function readGmmModel(dir: string): Promise<GmmModel> {
  const hint = `is ${dir} a model directory made by 'asr-distill train-mono'?`;
  const info = await readJson<GmmModelInfo>(path.join(dir, MODEL_JSON_FILE), hint);
  if (info.type !== 'gmm') throw new InputError(`${path.join(dir, MODEL_JSON_FILE)}: type is '${info.type}', expected 'gmm'`);
  const gmm = gmmFromJson(await readJson<GmmJson>(path.join(dir, GMM_JSON_FILE), hint), path.join(dir, GMM_JSON_FILE));
  const tm = await readTransitionModel(path.join(dir, TRANSITION_MODEL_FILE));
  if (tm.numPdfs !== gmm.numPdfs) throw new InputError(`${dir}: gmm.json has ${gmm.numPdfs} pdfs but transition-model.json has ${tm.numPdfs}`);
  if (gmm.dim !== gmmFeatureDim(info.featureTransform, info.inputDim)) throw new InputError(`${dir}: gmm.json dim ${gmm.dim} does not match the feature transform in model.json`);
  const lang = await readLangDir(path.join(dir, 'lang'));
  return makeGmmModel(dir, info, gmm, tm, lang);
}
