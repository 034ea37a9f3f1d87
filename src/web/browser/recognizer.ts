// The page's recognizer: the same chain as decode/transcribe.ts (resample, int16 scaling, Kaldi
// fbank or Meyda mel bands (front-end.ts), CMVN over the file itself, splicing, hybrid scores,
// beam search), with the network's forward pass supplied by the caller (TF.js in the page). Imports only browser-safe modules.
import { resample } from '../../data/resample.js';
import { applyCmvn, computeCmvnStats } from '../../features/cmvn-stats.js';
import { spliceUtterance } from '../../nnet/splice.js';
import { logitsToLogLikelihoods, posteriorsToLogLikelihoods } from '../../decode/hybrid-scores.js';
import { combinePosteriors, softmaxRows, type CombineRule } from '../../nnet/posteriors.js';
import { BeamSearch, type SearchResult } from '../../decode/beam-search.js';
import type { DecodingGraph } from '../../decode/graph.js';
import type { WebManifest, WebModel } from '../manifest.js';
import { makeFrontEnd, type FrontEnd } from './front-end.js';

/** The network's forward pass: spliced inputs [numFrames x inputDim] -> logits [numFrames x numPdfs]. */
export type ForwardLogits = (x: Float32Array, numFrames: number) => Promise<Float32Array>;

/** A model's hybrid frame scores (an object, so that a bare forward pass returning logits cannot be passed by mistake). */
export interface FrameScores {
  /** Spliced inputs [numFrames x inputDim] -> log-likelihoods [numFrames x numPdfs]. */
  logLikelihoods(x: Float32Array, numFrames: number): Promise<Float32Array>;
}

/** A single DNN's scores, as decode/acoustic-model.ts computes them: log-softmax of the logits minus log priors. */
export function dnnScores(forward: ForwardLogits, model: Pick<WebModel, 'logPriors' | 'numPdfs'>): FrameScores {
  const logPriors = Float32Array.from(model.logPriors);
  return { logLikelihoods: async (x, n) => logitsToLogLikelihoods(await forward(x, n), logPriors, model.numPdfs) };
}

/**
 * An ensemble's scores, as decode/acoustic-model.ts computes them: the members' posteriors
 * (softmax of each one's logits) combined by the ensemble's rule, then log posterior minus log prior.
 */
export function ensembleScores(members: ForwardLogits[], combine: CombineRule, model: Pick<WebModel, 'logPriors' | 'numPdfs'>): FrameScores {
  const logPriors = Float32Array.from(model.logPriors);
  return {
    logLikelihoods: async (x, n) => {
      const posteriors = [];
      for (const forward of members) posteriors.push(softmaxRows(await forward(x, n), model.numPdfs));
      return posteriorsToLogLikelihoods(combinePosteriors(posteriors, model.numPdfs, combine), logPriors, model.numPdfs);
    },
  };
}

export interface Recognition extends SearchResult {
  audioSec: number;
  /** Wall-clock seconds from samples to words (features, network, search). */
  decodeSec: number;
}

/** A model ready to decode: its graph, search and forward pass. */
export class Recognizer {
  private readonly search: BeamSearch;
  private readonly frontEnd: FrontEnd;
  constructor(
    readonly manifest: WebManifest,
    readonly model: WebModel,
    graph: DecodingGraph,
    private readonly scores: FrameScores,
  ) {
    this.search = new BeamSearch(graph);
    this.frontEnd = makeFrontEnd(manifest.features, `${model.name} feature config`);
  }

  /** Words of `samples` (one channel, floats in [-1, 1) at `sampleRate`); `what` names the audio in errors. */
  async recognize(samples: Float32Array, sampleRate: number, what: string): Promise<Recognition> {
    const t0 = performance.now();
    const rate = this.manifest.features.sampleRate;
    const x = sampleRate === rate ? samples : resample(samples, sampleRate, rate);
    // Kaldi reads WAV samples as int16-scaled values.
    const signal = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) signal[i] = x[i] * 32768;
    const m = this.frontEnd.compute(signal, what);
    const { model } = this;
    let feats = m.data;
    if (model.cmvn.per !== 'none' && m.numFrames > 0) {
      const utt = { uttId: what, speakerId: what, numFrames: m.numFrames, dim: m.dim, data: m.data };
      feats = applyCmvn(utt, computeCmvnStats([utt], model.cmvn.per), { normVars: model.cmvn.normVars });
    }
    let ll: Float32Array = new Float32Array(0);
    if (m.numFrames > 0) {
      const spliced = spliceUtterance(feats, m.numFrames, model.featDim, model.context, new Float32Array(m.numFrames * model.inputDim));
      ll = await this.scores.logLikelihoods(spliced, m.numFrames);
    }
    const r = this.search.decode(ll, m.numFrames, this.manifest.search);
    return { ...r, audioSec: x.length / rate, decodeSec: (performance.now() - t0) / 1000 };
  }
}
