// The page's recognizer: the same chain as decode/transcribe.ts (resample, int16 scaling, Kaldi
// fbank, CMVN over the file itself, splicing, hybrid scores, beam search), with the network's
// forward pass supplied by the caller (TF.js in the page). Imports only browser-safe modules.
import { resample } from '../../data/resample.js';
import { FbankComputer } from '../../features/fbank.js';
import { applyCmvn, computeCmvnStats } from '../../features/cmvn.js';
import { spliceUtterance } from '../../nnet/splice.js';
import { logitsToLogLikelihoods } from '../../decode/hybrid-scores.js';
import { BeamSearch, type SearchResult } from '../../decode/beam-search.js';
import type { DecodingGraph } from '../../decode/graph.js';
import type { WebManifest, WebModel } from '../manifest.js';

/** The network's forward pass: spliced inputs [numFrames x inputDim] -> logits [numFrames x numPdfs]. */
export type ForwardLogits = (x: Float32Array, numFrames: number) => Promise<Float32Array>;

export interface Recognition extends SearchResult {
  audioSec: number;
  /** Wall-clock seconds from samples to words (features, network, search). */
  decodeSec: number;
}

/** A model ready to decode: its graph, search and forward pass. */
export class Recognizer {
  private readonly search: BeamSearch;
  private readonly fbank: FbankComputer;
  private readonly logPriors: Float32Array;
  constructor(
    readonly manifest: WebManifest,
    readonly model: WebModel,
    graph: DecodingGraph,
    private readonly forward: ForwardLogits,
  ) {
    this.search = new BeamSearch(graph);
    this.fbank = new FbankComputer(manifest.features, `${model.name} feature config`);
    this.logPriors = Float32Array.from(model.logPriors);
  }

  /** Words of `samples` (one channel, floats in [-1, 1) at `sampleRate`); `what` names the audio in errors. */
  async recognize(samples: Float32Array, sampleRate: number, what: string): Promise<Recognition> {
    const t0 = performance.now();
    const rate = this.manifest.features.sampleRate;
    const x = sampleRate === rate ? samples : resample(samples, sampleRate, rate);
    // Kaldi reads WAV samples as int16-scaled values.
    const signal = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) signal[i] = x[i] * 32768;
    const m = this.fbank.compute(signal, { ditherStream: what });
    const { model } = this;
    let feats = m.data;
    if (model.cmvn.per !== 'none' && m.numFrames > 0) {
      const utt = { uttId: what, speakerId: what, numFrames: m.numFrames, dim: m.dim, data: m.data };
      feats = applyCmvn(utt, computeCmvnStats([utt], model.cmvn.per), { normVars: model.cmvn.normVars });
    }
    let ll: Float32Array = new Float32Array(0);
    if (m.numFrames > 0) {
      const spliced = spliceUtterance(feats, m.numFrames, model.featDim, model.context, new Float32Array(m.numFrames * model.inputDim));
      // As decode/acoustic-model.ts scores a single DNN: log-softmax of the logits minus log priors.
      ll = logitsToLogLikelihoods(await this.forward(spliced, m.numFrames), this.logPriors, model.numPdfs);
    }
    const r = this.search.decode(ll, m.numFrames, this.manifest.search);
    return { ...r, audioSec: x.length / rate, decodeSec: (performance.now() - t0) / 1000 };
  }
}
