// asr-web.json: what a page exported by `asr-distill export-web` needs to know to turn audio into
// words with the shipped model and graph. Shared by the Node exporter and the browser code (pure types).
import type { FbankConfig } from '../features/config.js';
import type { SpliceContext } from '../nnet/splice.js';

export const WEB_MANIFEST_FILE = 'asr-web.json';
export const WEB_MANIFEST_FORMAT = 'asr-distill-web-1';

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
  /** Bytes of model.json + weights (shown on the page). */
  bytes: number;
  /** Decoding graph file relative to the site root (decode/graph-io.ts format). */
  graph: string;
}

export interface WebManifest {
  format: typeof WEB_MANIFEST_FORMAT;
  /** Front end of the model(s): Kaldi fbank (the only type the page computes). */
  features: FbankConfig;
  /** Beam search settings (transcribe's defaults at export time). */
  search: { acousticScale: number; beam: number; maxActive: number; wordInsPenalty: number };
  /** Name of the grammar the graph was built from. */
  grammar: string;
  student: WebModel;
}
