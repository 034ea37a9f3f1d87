// Which kind of model a directory holds, decided in one place from the file that marks each kind:
// an ensemble (ensemble.json, from `asr-distill ensemble`), one DNN (asr-distill.json, from train or
// distill: a student is a DNN), a GMM (gmm.json, from train-mono or train-tri: a triphone GMM
// differs only by its tree), or a generalist + specialists (specialists.json, from train-specialists). Imports no engine, so any floor above nnet's core may use it.
import * as path from 'node:path';
import { pathExists } from '../store/paths.js';
import { GMM_JSON_FILE } from '../hmm/gmm-model.js';

/** Manifest file of an ensemble directory. */
export const ENSEMBLE_FILE = 'ensemble.json';
/** Manifest of a specialists directory (train-specialists): names its generalist. */
export const SPECIALISTS_FILE = 'specialists.json';
/** Metadata file name inside a (DNN) model directory. */
export const MODEL_META_FILE = 'asr-distill.json';

export type ModelKind = 'ensemble' | 'dnn' | 'gmm' | 'specialists';

/**
 * The kind of model in `dir`, or undefined when it holds none. An ensemble directory may also hold
 * a DNN's files (it is looked for first), as the original probes did.
 *
 * @example if ((await modelKind(dir)) === 'ensemble') members = (await readEnsembleManifest(dir)).members;
 */
export async function modelKind(dir: string): Promise<ModelKind | undefined> {
  if (await pathExists(path.join(dir, ENSEMBLE_FILE))) return 'ensemble';
  if (await pathExists(path.join(dir, MODEL_META_FILE))) return 'dnn';
  if (await pathExists(path.join(dir, GMM_JSON_FILE))) return 'gmm';
  if (await pathExists(path.join(dir, SPECIALISTS_FILE))) return 'specialists';
  return undefined;
}
