import { pathExists } from '../store/paths.js';
import { readJsonFile } from '../store/json-file.js';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readTransitionModel, TRANSITION_MODEL_FILE, type TransitionModel } from '../hmm/transition-model.js';
import { ENSEMBLE_FILE, readEnsembleManifest } from '../nnet/ensemble.js';
import { modelKind } from '../nnet/model-kind.js';
import { MODEL_LANG_DIR, MODEL_META_FILE, readDnnModelMeta, type DnnModelMeta } from '../nnet/model-dir.js';
import type { BackendName } from '../nnet/backend-name.js';
import type { SpecialistInferenceOptions } from '../nnet/specialists-forward.js';
import { readSpecialistsManifest } from '../nnet/specialists-manifest.js';
import { checkSpecialistTop } from '../nnet/specialists.js';
import { spliceUtterance } from '../nnet/splice.js';
import { checkFiniteOutputs } from '../nnet/non-finite.js';
import type { FeatureConfig } from '../features/config.js';
import { applyCmvn, type CmvnStats } from '../features/cmvn.js';
import type { UttFeats } from '../store/feats-archive.js';
import { GMM_JSON_FILE, MODEL_JSON_FILE, readGmmModel, type GmmModelInfo } from '../hmm/gmm-model.js';
import { logitsToLogLikelihoods, posteriorsToLogLikelihoods } from './hybrid-scores.js';

// The hybrid scores are pure (browser-safe, bundled by export-web); re-exported for existing callers.
export { logitsToLogLikelihoods, posteriorsToLogLikelihoods };

/** What kind of acoustic model a directory holds. */
export type ModelKind = 'dnn' | 'ensemble' | 'gmm' | 'specialists';

/** Feature normalisation the model was trained with (Kaldi apply-cmvn); `none` = raw features. */
export interface ModelCmvn {
  per: 'utterance' | 'speaker' | 'none';
  normVars: boolean;
}

/**
 * Everything decoding needs to know about a model directory without loading its weights: the
 * lang directory and transition model it was trained with, the feature configuration and CMVN
 * mode its inputs must have.
 */
export interface ModelSetup {
  kind: ModelKind;
  dir: string;
  /** MODEL_DIR/lang (for an ensemble: its own lang/, else its first member's). */
  langDir: string;
  transitionModel: TransitionModel;
  numPdfs: number;
  featureConfig: FeatureConfig;
  featDim: number;
  frameShiftMs: number;
  cmvn: ModelCmvn;
}

function setupFromDnnMeta(kind: ModelKind, dir: string, memberDir: string, meta: DnnModelMeta, tm: TransitionModel, langDir: string): ModelSetup {
  return {
    kind,
    dir,
    langDir,
    transitionModel: tm,
    numPdfs: meta.numPdfs,
    featureConfig: meta.features as FeatureConfig,
    featDim: meta.featDim,
    frameShiftMs: meta.frameShiftMs,
    cmvn: { per: meta.cmvn.per, normVars: meta.cmvn.normVars },
  };
}

/**
 * Read a model directory's decoding setup: a DNN (`asr-distill.json`), an ensemble
 * (`ensemble.json`), or the GMM from `train-mono` (`model.json` with type `gmm` + `gmm.json`).
 */
export async function readModelSetup(dir: string): Promise<ModelSetup> {
  const kind = await modelKind(dir);
  if (kind === 'ensemble') {
    const manifest = await readEnsembleManifest(dir);
    const first = path.resolve(dir, manifest.members[0]);
    const meta = await readDnnModelMeta(first);
    const tmFile = (await pathExists(path.join(dir, TRANSITION_MODEL_FILE))) ? path.join(dir, TRANSITION_MODEL_FILE) : path.join(first, TRANSITION_MODEL_FILE);
    const langDir = (await pathExists(path.join(dir, MODEL_LANG_DIR))) ? path.join(dir, MODEL_LANG_DIR) : path.join(first, MODEL_LANG_DIR);
    return setupFromDnnMeta('ensemble', dir, first, meta, await readTransitionModel(tmFile), langDir);
  }
  if (kind === 'specialists') {
    // A generalist + specialists decodes with the generalist's HMMs, features and CMVN.
    const { generalist } = await readSpecialistsManifest(dir);
    return { ...(await readModelSetup(generalist)), kind: 'specialists', dir };
  }
  if (kind === 'dnn') {
    const meta = await readDnnModelMeta(dir);
    return setupFromDnnMeta('dnn', dir, dir, meta, await readTransitionModel(path.join(dir, TRANSITION_MODEL_FILE)), path.join(dir, MODEL_LANG_DIR));
  }
  if (kind === 'gmm') {
    const info = await readJsonFile<GmmModelInfo>(path.join(dir, MODEL_JSON_FILE), {
      missing: `${path.join(dir, MODEL_JSON_FILE)}: missing or not valid JSON; is ${dir} a model directory made by 'asr-distill train-mono'?`,
      invalidHint: `is ${dir} a model directory made by 'asr-distill train-mono'?`,
    });
    if (info.type !== 'gmm') throw new InputError(`${path.join(dir, MODEL_JSON_FILE)}: type is '${info.type}', expected 'gmm'`);
    return {
      kind: 'gmm',
      dir,
      langDir: path.join(dir, MODEL_LANG_DIR),
      transitionModel: await readTransitionModel(path.join(dir, TRANSITION_MODEL_FILE)),
      numPdfs: info.numPdfs,
      featureConfig: info.feats,
      featDim: info.inputDim,
      frameShiftMs: info.frameShiftMs,
      // The GMM's own transform applies CMN (gmm-feats.ts); the decoder supplies the stats.
      cmvn: { per: info.featureTransform.cmvn.per, normVars: info.featureTransform.cmvn.normVars },
    };
  }
  throw new InputError(`${dir}: not a model directory (no ${ENSEMBLE_FILE}, ${MODEL_META_FILE} or ${GMM_JSON_FILE}); give a directory made by asr-distill train, ensemble or distill`);
}

/** Turns an utterance's features into per-frame log-likelihoods [numFrames x numPdfs] (before the acoustic scale). */
export interface FrameScorer {
  readonly numPdfs: number;
  /**
   * `utt` holds the stored (un-normalised) features; `cmvn` the statistics for the model's CMVN
   * mode (absent when the model uses none).
   */
  scoreUtterance(utt: UttFeats, cmvn?: CmvnStats): Float32Array;
  dispose(): void;
}

/** A DNN or ensemble scorer; `logLikelihoods` takes already-normalised features. */
export interface DnnScorer extends FrameScorer {
  /** `feats` [numFrames x featDim], already CMVN-normalised as the model expects. */
  logLikelihoods(feats: Float32Array, numFrames: number): Float32Array;
}

/**
 * Load the weights of a DNN, ensemble or specialists directory for scoring on the engine `backend` resolves
 * to (nnet/engine.ts: ONNX Runtime or a TensorFlow.js backend): splice the context, forward pass
 * (ensemble members' posteriors combined by the manifest's rule, arithmetic = average), then log
 * posterior - log prior. `scoreUtterance` stops with an InputError naming the model and the
 * utterance when a score is NaN or infinite (damaged weights or NaN features).
 */
export async function loadDnnScorer(dir: string, backend: BackendName = 'auto', specialists: SpecialistInferenceOptions = {}): Promise<DnnScorer> {
  // A specialists directory: one "member", eq. 5's q; its logits are log q, divided by the generalist's priors.
  // Imported here: the engines (TensorFlow.js, ONNX Runtime) are needed only where the weights are
  // loaded (decode's jobs), not by readModelSetup in decode's main thread (~0.7 CPU s of start-up).
  const { createModelForward } = await import('../nnet/specialists-forward.js');
  const forward = await createModelForward(dir, backend, specialists);
  const { model } = forward;
  const { meta } = model;
  const logPriors = Float32Array.from(meta.priors);
  const single = model.members.length === 1;
  // One spliced-input buffer for all utterances, grown when a longer one comes.
  let spliced = new Float32Array(0);
  const logLikelihoods = (feats: Float32Array, numFrames: number): Float32Array => {
    if (feats.length !== numFrames * meta.featDim) {
      throw new InputError(`${dir}: features have ${numFrames > 0 ? feats.length / numFrames : 0} dims per frame but the model expects ${meta.featDim}; extract them with the model's feature config`);
    }
    if (numFrames === 0) return new Float32Array(0);
    const width = meta.inputDim;
    if (spliced.length < numFrames * width) spliced = new Float32Array(numFrames * width);
    const x = spliceUtterance(feats, numFrames, meta.featDim, meta.context, spliced).subarray(0, numFrames * width);
    // A single DNN: log-softmax straight from the logits. An ensemble combines its members in the
    // probability domain (arithmetic mean of posteriors), so it goes through posteriors.
    if (single) return logitsToLogLikelihoods(forward.memberLogits(x, numFrames)[0], logPriors, meta.numPdfs);
    return posteriorsToLogLikelihoods(forward.posteriors(x, numFrames), logPriors, meta.numPdfs);
  };
  return {
    numPdfs: meta.numPdfs,
    logLikelihoods,
    scoreUtterance: (utt, cmvn) => {
      const ll = logLikelihoods(cmvn && meta.cmvn.per !== 'none' ? applyCmvn(utt, cmvn, { normVars: meta.cmvn.normVars }) : utt.data, utt.numFrames);
      checkFiniteOutputs(ll, meta.numPdfs, { modelDir: dir, uttId: utt.uttId, what: 'log-likelihoods' });
      return ll;
    },
    dispose: () => forward.dispose(),
  };
}

/**
 * Load any decodable model directory: DNN, ensemble or specialists directory (see loadDnnScorer;
 * `specialists` its inference options), or the GMM from train-mono (log p(x | pdf) of its
 * diagonal GMMs on its own MFCC + deltas features; no priors).
 */
export async function loadFrameScorer(dir: string, backend: BackendName = 'auto', specialists: SpecialistInferenceOptions = {}): Promise<FrameScorer> {
  if ((await modelKind(dir)) !== 'gmm') return loadDnnScorer(dir, backend, specialists);
  checkSpecialistTop(dir, 'gmm', specialists.topN);
  const gmm = await readGmmModel(dir);
  return {
    numPdfs: gmm.info.numPdfs,
    scoreUtterance: (utt, cmvn) => {
      if (!cmvn) throw new InputError(`${dir}: the GMM needs CMVN statistics per ${gmm.info.featureTransform.cmvn.per}`);
      return gmm.frameLogLikelihoods(utt, cmvn);
    },
    dispose: () => {},
  };
}
