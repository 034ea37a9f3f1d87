// `transcribe`: WAV files in, words out, in this thread (no data directory, no job runner): the
// model's feature config, CMVN over the file itself, the model's default grammar unless given.
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { decodeWav } from '../data/wav.js';
import { resample } from '../data/resample.js';
import { makeFeatureComputer } from '../features/compute.js';
import { computeCmvnStats } from '../features/cmvn.js';
import { readLangDir } from '../lang/lang-dir.js';
import { DEFAULT_BACKEND, type BackendName } from '../nnet/backend-name.js';
import { loadFrameScorer, readModelSetup, type ModelSetup } from './acoustic-model.js';
import { defaultGrammarSource, loadGrammar, type GrammarSource } from './grammar-source.js';
import { buildDecodingGraph, type DecodingGraph } from './graph.js';
import { BeamSearch, type SearchOptions, type WordTiming } from './beam-search.js';
import { DECODE_DEFAULTS } from './decode.js';

export interface TranscribeOptions extends SearchOptions, GraphChoice {
  backend?: BackendName;
}

export interface Transcription {
  file: string;
  words: string[];
  timings: WordTiming[];
  score: number;
  reachedFinal: boolean;
  audioSec: number;
  /** Wall-clock seconds for features, forward pass and search. */
  decodeSec: number;
  frameShiftMs: number;
}

/** Which grammar a model is decoded with: `--grammar` (JSGF), `--lm` (ARPA) or the model's own lang/grammar.jsgf. */
export interface GraphChoice {
  grammar?: string;
  lm?: string;
  silenceProb?: number;
}

/**
 * The decoding graph `transcribe` uses for a model (also what export-web ships): the grammar of
 * `choice` over the model's lang directory and transition model, with the decoder's defaults.
 */
export async function buildModelGraph(setup: ModelSetup, choice: GraphChoice = {}): Promise<{ graph: DecodingGraph; grammarFile: string }> {
  if (choice.grammar && choice.lm) throw new InputError('give either --grammar or --lm, not both');
  const lang = await readLangDir(setup.langDir);
  const source: GrammarSource = choice.lm ? { kind: 'arpa', file: choice.lm } : choice.grammar ? { kind: 'jsgf', file: choice.grammar } : defaultGrammarSource(setup.langDir);
  const graph = buildDecodingGraph(await loadGrammar(source), lang, setup.transitionModel, {
    silenceProb: choice.silenceProb ?? DECODE_DEFAULTS.silenceProb,
    selfLoopScale: DECODE_DEFAULTS.selfLoopScale,
    grammarName: source.file,
  });
  return { graph, grammarFile: source.file };
}

/**
 * Transcribe WAV files (first channel; resampled to the model's rate if needed) with MODEL_DIR.
 * Each file is its own speaker for CMVN. A missing or unreadable file is an InputError naming it.
 */
export async function transcribeFiles(modelDir: string, files: string[], options: TranscribeOptions = {}): Promise<Transcription[]> {
  const setup = await readModelSetup(modelDir);
  const { graph } = await buildModelGraph(setup, options);
  const search = new BeamSearch(graph);
  const scorer = await loadFrameScorer(modelDir, options.backend ?? DEFAULT_BACKEND);
  const computer = makeFeatureComputer(setup.featureConfig, `${modelDir} feature config`);
  const rate = setup.featureConfig.sampleRate;
  const out: Transcription[] = [];
  try {
    for (const file of files) {
      let bytes: Uint8Array;
      try {
        bytes = await fs.readFile(file);
      } catch {
        throw new InputError(`${file}: audio file not found`);
      }
      const wav = decodeWav(bytes, file);
      const t0 = performance.now();
      let x = wav.channels[0];
      if (wav.sampleRate !== rate) x = resample(x, wav.sampleRate, rate);
      // Kaldi reads WAV samples as int16-scaled values.
      const signal = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) signal[i] = x[i] * 32768;
      const m = computer.compute(signal, file);
      const feats = { uttId: file, speakerId: file, numFrames: m.numFrames, dim: m.dim, data: m.data };
      const ll = m.numFrames === 0 ? new Float32Array(0) : scorer.scoreUtterance(feats, setup.cmvn.per === 'none' ? undefined : computeCmvnStats([feats], setup.cmvn.per));
      const r = search.decode(ll, m.numFrames, {
        acousticScale: options.acousticScale ?? DECODE_DEFAULTS.acousticScale,
        beam: options.beam ?? DECODE_DEFAULTS.beam,
        maxActive: options.maxActive ?? DECODE_DEFAULTS.maxActive,
        wordInsPenalty: options.wordInsPenalty ?? DECODE_DEFAULTS.wordInsPenalty,
      });
      out.push({ file, words: r.words, timings: r.timings, score: r.score, reachedFinal: r.reachedFinal, audioSec: x.length / rate, decodeSec: (performance.now() - t0) / 1000, frameShiftMs: setup.frameShiftMs });
    }
  } finally {
    scorer.dispose();
  }
  return out;
}
