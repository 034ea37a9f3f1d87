// asr-web.json: what a page exported by `asr-distill export-web` needs to know to turn audio into
// words with the shipped model and graph. Shared by the Node exporter and the browser code (pure types).
import type { FbankConfig, MeydaConfig } from '../features/config.js';
import type { CmvnAccumulator } from '../features/cmvn-stats.js';
import type { CombineRule } from '../nnet/posteriors.js';
import type { SpliceContext } from '../nnet/splice.js';

export const WEB_MANIFEST_FILE = 'asr-web.json';
export const WEB_MANIFEST_FORMAT = 'asr-distill-web-2';

/** One exported acoustic model (a single DNN). */
export interface WebModel {
  /** Label on the page (the model directory's name). */
  name: string;
  /** TF.js Layers model.json, relative to the site root (its weights file beside it). */
  modelJson: string;
  context: SpliceContext;
  featDim: number;
  inputDim: number;
  numPdfs: number;
  /** Log state priors (asr-distill.json `priors`), subtracted from log posteriors (hybrid scores). */
  logPriors: number[];
  /** CMVN the model was trained with; the page normalises each file with its own statistics, as `transcribe` does. */
  cmvn: { per: 'utterance' | 'speaker' | 'none'; normVars: boolean };
  /**
   * Statistics of the training features summed over speakers: the prior of the live path's online
   * CMVN (features/online-cmvn.ts); null when export-web found none (the first frames of an
   * utterance are then normalised by themselves alone).
   */
  cmvnPrior: CmvnAccumulator | null;
  /** Bytes of model.json + weights (shown on the page). */
  bytes: number;
  /** Decoding graph file relative to the site root (decode/graph-io.ts format). */
  graph: string;
}

/**
 * The model shown beside the student (export-web --compare): an ensemble (or another single DNN).
 * `modelJson` is the first member's; `members` lists every member's model.json.
 */
export interface WebEnsemble extends WebModel {
  combine: CombineRule;
  members: string[];
}

export interface WebManifest {
  format: typeof WEB_MANIFEST_FORMAT;
  /** Front end of the model(s): Kaldi fbank or Meyda mel bands (the types the page computes: browser/front-end.ts). */
  features: FbankConfig | MeydaConfig;
  /** Beam search settings (transcribe's defaults at export time). */
  search: { acousticScale: number; beam: number; maxActive: number; wordInsPenalty: number };
  /** Name of the grammar the graph was built from. */
  grammar: string;
  student: WebModel;
  /** With --compare: the ensemble, decoded beside the student on files. */
  compare?: WebEnsemble;
}
