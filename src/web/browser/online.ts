// Incremental recognition of live audio (Kaldi online2's pipeline, in the page): samples go in as
// the microphone delivers them; each step resamples, computes the feature frames (Kaldi fbank or
// Meyda, front-end.ts) whose window is complete, normalises them with online CMVN (features/online-cmvn.ts), splices the frames whose
// right context has arrived, runs the network on them and advances the beam search by those
// frames. At the endpoint only the last few frames remain, so the final transcript is ready a few
// milliseconds after it. The result equals the whole-utterance chain with online CMVN (resample,
// features, OnlineCmvn, splice, network, search on all samples at once) for any chunking.
import { designResampleFilter, applyResampleFilter, resampledLength, type ResampleFilter } from '../../data/resample.js';
import { OnlineCmvn } from '../../features/online-cmvn.js';
import type { CmvnAccumulator } from '../../features/cmvn-stats.js';
import { spliceFrameInto } from '../../nnet/splice.js';
import { BeamSearch, type SearchResult } from '../../decode/beam-search.js';
import type { DecodingGraph } from '../../decode/graph.js';
import type { WebManifest, WebModel } from '../manifest.js';
import type { FrameScores } from './recognizer.js';
import { makeFrontEnd, type FrontEnd } from './front-end.js';

/** A growable Float32Array (the utterance so far; live utterances are seconds long). */
class Buffer32 {
  data = new Float32Array(4096);
  length = 0;
  append(x: Float32Array): void {
    if (this.length + x.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, this.length + x.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(x, this.length);
    this.length += x.length;
  }
  get view(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

/** What the endpoint rules need from the decoder (Kaldi's OnlineEndpoint inputs). */
export interface DecoderState {
  /** The best path so far (in a final state when one is reachable). */
  result: SearchResult;
  /** Best token's score minus the best final path's score (Kaldi's relative cost; Infinity when no final state is reached). */
  relativeCost: number;
  /** Frames since the last word of the best path ended (all frames when it has none). */
  trailingFrames: number;
}

/**
 * One live utterance at a time: start(inputRate), accept(samples) as they come, state() for
 * partial results and endpointing, finish() for the final result. Calls must not overlap
 * (accept is async: chain them).
 */
export class OnlineRecognizer {
  private readonly search: BeamSearch;
  private readonly frontEnd: FrontEnd;
  private inputRate = 0;
  private filter: ResampleFilter | null = null;
  private readonly filters = new Map<number, ResampleFilter>();
  private input = new Buffer32();
  /** Resampled, int16-scaled signal: the samples that are final so far. */
  private signal = new Buffer32();
  /** null when the model was trained without CMVN. */
  private cmvn: OnlineCmvn | null = null;
  /** CMVN-normalised features of the frames computed so far. */
  private feats = new Buffer32();
  private numFeats = 0;
  /** Frames already given to the network and the search. */
  private numScored = 0;
  private spliced = new Float32Array(0);

  constructor(
    readonly manifest: WebManifest,
    readonly model: WebModel,
    graph: DecodingGraph,
    private readonly scores: FrameScores,
    private readonly prior: CmvnAccumulator | null,
  ) {
    this.search = new BeamSearch(graph);
    this.frontEnd = makeFrontEnd(manifest.features, `${model.name} feature config`);
  }

  /** Begin an utterance of audio at `inputRate` Hz. */
  start(inputRate: number): void {
    this.inputRate = inputRate;
    const rate = this.manifest.features.sampleRate;
    // Designed once per rate pair: 44.1 -> 8 kHz takes ~50 ms, too long at every onset.
    let filter = this.filters.get(inputRate);
    if (filter === undefined && inputRate !== rate) this.filters.set(inputRate, (filter = designResampleFilter(inputRate, rate)));
    this.filter = filter ?? null;
    this.input = new Buffer32();
    this.signal = new Buffer32();
    this.feats = new Buffer32();
    this.numFeats = 0;
    this.numScored = 0;
    this.cmvn = this.model.cmvn.per === 'none' ? null : new OnlineCmvn(this.model.featDim, this.prior, { normVars: this.model.cmvn.normVars });
    this.search.start(this.manifest.search);
  }

  /** Seconds of audio accepted in this utterance. */
  get audioSec(): number {
    return this.input.length / this.inputRate;
  }

  /** Take the next samples (one channel, floats in [-1, 1)) and decode every frame they complete. */
  async accept(samples: Float32Array): Promise<void> {
    this.input.append(samples);
    await this.step(false);
  }

  /** End the utterance: decode the frames that waited for right context or the end of the signal. */
  async finish(): Promise<SearchResult> {
    await this.step(true);
    return this.search.result();
  }

  /** The decoder's view now, for partial results and endpointing. */
  state(): DecoderState {
    const result = this.search.result();
    const last = result.timings.length > 0 ? result.timings[result.timings.length - 1].endFrame : 0;
    return {
      result,
      relativeCost: result.reachedFinal ? this.search.bestScore - result.score : Infinity,
      trailingFrames: result.numFrames - last,
    };
  }

  private async step(final: boolean): Promise<void> {
    this.resampleNew(final);
    this.featuresNew(final);
    // Frames whose right context has arrived are spliced exactly as in the whole utterance; at the
    // end the rest repeat the last frame (splice.ts).
    const { context, featDim, inputDim } = this.model;
    const ready = final ? this.numFeats : Math.max(0, this.numFeats - context.right);
    const n = ready - this.numScored;
    if (n <= 0) return;
    if (this.spliced.length < n * inputDim) this.spliced = new Float32Array(n * inputDim * 2);
    const feats = this.feats.view;
    for (let i = 0; i < n; i++) spliceFrameInto(feats, 0, this.numFeats, featDim, this.numScored + i, context, this.spliced, i * inputDim);
    this.search.advance(await this.scores.logLikelihoods(this.spliced.subarray(0, n * inputDim), n), n);
    this.numScored = ready;
  }

  /**
   * Resampled samples whose filter window lies within the input (all of them at the end, with the
   * zeros past the end that resample() assumes). The filter is applied to the input from a whole
   * repeat unit before the first missing output, so each output sees the same taps as in resample().
   */
  private resampleNew(final: boolean): void {
    const x = this.input.view;
    if (!this.filter) {
      const from = this.signal.length;
      const add = new Float32Array(x.length - from);
      for (let i = 0; i < add.length; i++) add[i] = x[from + i] * 32768;
      this.signal.append(add);
      return;
    }
    const { inUnit, outUnit, numTaps, firstIndex } = this.filter;
    const done = this.signal.length;
    const total = final ? resampledLength(x.length, this.inputRate, this.manifest.features.sampleRate) : Infinity;
    let end = done;
    while (end < total) {
      const u = Math.floor(end / outUnit);
      if (!final && u * inUnit + firstIndex[end % outUnit] + numTaps > x.length) break;
      end++;
    }
    if (end === done) return;
    // Back from the first missing output to the earliest input any of its taps reads, in whole units.
    let minFirst = 0;
    for (let p = 0; p < outUnit; p++) minFirst = Math.min(minFirst, firstIndex[p]);
    const u0 = Math.max(0, Math.floor(done / outUnit) + Math.floor(minFirst / inUnit) - 1);
    const y = applyResampleFilter(x.subarray(u0 * inUnit), this.filter);
    const add = y.slice(done - u0 * outUnit, end - u0 * outUnit);
    for (let i = 0; i < add.length; i++) add[i] *= 32768;
    this.signal.append(add);
  }

  /** Feature frames whose window lies within the final samples (all frames at the end). */
  private featuresNew(final: boolean): void {
    const sig = this.signal.view;
    const end = this.frontEnd.readyFrames(sig.length, final, this.numFeats);
    const n = end - this.numFeats;
    if (n <= 0) return;
    const raw = this.frontEnd.frames(sig, this.numFeats, end, 'live');
    this.feats.append(this.cmvn ? this.cmvn.push(raw, n) : raw);
    this.numFeats = end;
  }
}
