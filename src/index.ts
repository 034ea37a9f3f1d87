// The asr-distill library: the stable API of each pipeline stage, what the `asr-distill` commands
// call (`import { readDataDir, extractFeatures, decodeDataDir } from 'asr-distill'`). Each stage
// reads and writes the directory formats of docs/ARCHITECTURE.md, so a program can run any stage
// alone on files from the CLI, from Kaldi or from another program. Names are re-exported one by
// one (not `export *`) so that what is public is decided here.

export { InputError, isInputError } from './errors.js';

// Data directories and audio (docs/data.md)
export { readDataDir, writeDataDir, type DataDir, type DataDirEntry, type ReadDataDirOptions, type Utterance, type WavSource } from './data/data-dir.js';
export { decodeWav, encodeWavPcm16 } from './data/wav.js';
export { loadUtteranceAudio } from './data/audio.js';
export { resample } from './data/resample.js';
export { compareCLocale } from './data/c-locale.js';
export { subsetDataDir, type SubsetSelection } from './data/subset-data.js';
export { splitDataDir } from './data/split-data.js';
export { combineDataDirs } from './data/combine-data.js';

// Language directories (docs/corpus.md)
export { readLangDir, type LangDir } from './lang/lang-dir.js';
export { prepareLang, type PrepareLangOptions, type PrepareLangReport } from './lang/prepare-lang.js';

// Features, feature directories and Kaldi archives (docs/features.md)
export {
  defaultFbankConfig,
  featureDim,
  parseFeatureConfig,
  type FbankConfig,
  type FeatureConfig,
  type KaldiFeatureConfig,
  type MeydaConfig,
} from './features/config.js';
export { loadFeatureConfig } from './features/config-file.js';
export { makeFeatureComputer, type FeatureComputer } from './features/compute.js';
export { extractFeatures, type ExtractOptions, type ExtractSummary } from './features/extract.js';
export { applyCmvn, computeCmvnStats, readCmvn, writeCmvn, type CmvnStats } from './features/cmvn.js';
export { addDeltas } from './features/deltas.js';
export { exportKaldiFeats, importKaldiFeats, type ExportKaldiFeatsOptions, type ImportKaldiFeatsOptions } from './features/kaldi-feats.js';
export { readFeatsDir, readFeatsInfo, streamFeatsShard, writeFeatsDir, type FeatsDirInfo, type UttFeats } from './store/feats-archive.js';
// Output directories written whole or not at all, one writer at a time (docs/guarantees.md).
export { withOutputDir, type OutputDirOptions } from './store/output-dir.js';
export {
  encodeArchive,
  encodeBinaryInt32Vector,
  encodeBinaryMatrix,
  formatKaldiTextMatrix,
  formatScp,
  readInt32VectorTable,
  readMatrixArchive,
  readScpMatrices,
  type KaldiMatrix,
} from './store/kaldi-archive.js';

// GMM-HMM training and alignments (docs/alignment.md)
export { trainMono, type TrainMonoOptions } from './hmm/train-mono.js';
export { trainTri, type TrainTriOptions } from './hmm/train-tri.js';
export { readTree, parseTree, formatTree } from './hmm/tree-format.js';
export { treePdf, type ContextTree } from './hmm/decision-tree.js';
export { alignData, type AlignOptions, type AlignSummary } from './hmm/align.js';
export { formatCtm, phoneSegments, readAlignments, streamAlignments, writeAlignments, type AliInfo, type UttAlignment } from './hmm/ali-archive.js';
export { importAlignments } from './hmm/ali-import.js';
export { readTransitionModel, type TransitionModel } from './hmm/transition-model.js';

// DNN acoustic models, ensembles and distillation (docs/models.md)
export { parseArch, type ArchConfig } from './nnet/arch.js';
export { trainDnnDir, type TrainJobInput, type TrainSettings } from './nnet/train-worker.js';
export { loadAcousticModel, trainEnsemble, type EnsembleOptions } from './nnet/ensemble.js';
export { distill, type DistillOptions } from './nnet/distill.js';
export { evalFramesDir } from './nnet/eval.js';
export { readDnnModelMeta, type DnnModelMeta } from './nnet/model-dir.js';
export { selectEngine } from './nnet/engine.js';
export { exportOnnx, type OnnxExportOptions, type OnnxExportResult } from './nnet/ort/export.js';

// Decoding (docs/decoding.md)
export { decodeDataDir, type DecodeOptions, type DecodeSummary } from './decode/decode.js';
export { transcribeFiles, type TranscribeOptions, type Transcription } from './decode/transcribe.js';
export { loadFrameScorer, readModelSetup } from './decode/acoustic-model.js';

// Scoring (docs/decoding.md)
export { formatWer, scoreTranscripts, type WerResult } from './score/wer.js';
export { readTranscript } from './score/text-file.js';
export { bootstrapWerComparison } from './score/bootstrap.js';
