// The page's front end: the features the model was trained on, computed from an int16-scaled
// signal, for a whole file or frame by frame as live audio arrives. Kaldi fbank (features/fbank.ts)
// or Meyda mel bands (features/meyda-bands.ts with Meyda's browser build, bundled: the same
// numbers as `transcribe`, which calls Meyda's Node build through features/meyda.ts).
import Meyda from 'meyda';
import { FbankComputer, type FeatureMatrix } from '../../features/fbank.js';
import { firstSampleOfFrame, windowShiftSamples, windowSizeSamples } from '../../features/window.js';
import { meydaMelBandsOf, meydaNumFrames, type MeydaModule } from '../../features/meyda-bands.js';
import type { WebManifest } from '../manifest.js';

/** The feature configurations the page computes (export-web refuses the others). */
export type PageFeatureConfig = WebManifest['features'];

export interface FrontEnd {
  readonly dim: number;
  /** Every frame of a whole signal (int16-scaled); `what` names the audio (fbank's dither stream). */
  compute(signal: Float32Array, what: string): FeatureMatrix;
  /**
   * Frames final once the signal has `numSamples` samples: those whose window lies within them, or
   * at the end (`final`) every frame of the signal; never fewer than `done` (frames already computed).
   */
  readyFrames(numSamples: number, final: boolean, done: number): number;
  /**
   * Frames [from, to) of `signal` (the samples so far; to <= readyFrames): the rows compute() gives
   * for any signal that begins with these samples (the whole signal when `to` came from a final count).
   */
  frames(signal: Float32Array, from: number, to: number, what: string): Float32Array;
}

/** Meyda's browser build when bundled (its UMD sets module.exports), its CommonJS build under Node (tests). */
const meyda = Meyda as unknown as MeydaModule;

/** The front end of `config`; `what` names the config in errors. */
export function makeFrontEnd(config: PageFeatureConfig, what: string): FrontEnd {
  if (config.type === 'meyda') {
    return {
      dim: config.numMelBands,
      compute: (signal) => meydaMelBandsOf(meyda, signal, config),
      // Meyda frames are full buffers from sample 0: a frame is final once its buffer is in, end or not.
      readyFrames: (numSamples, _final, done) => Math.max(done, meydaNumFrames(numSamples, config)),
      frames: (signal, from, to) => meydaMelBandsOf(meyda, signal, config, from, to - from).data,
    };
  }
  const fbank = new FbankComputer(config, what);
  const shift = windowShiftSamples(config);
  const size = windowSizeSamples(config);
  return {
    dim: fbank.dim,
    compute: (signal, name) => fbank.compute(signal, { ditherStream: name }),
    readyFrames: (numSamples, final, done) => {
      if (final) return Math.max(done, fbank.numFrames(numSamples));
      let end = done;
      while (firstSampleOfFrame(end, config) + size <= numSamples) end++;
      return end;
    },
    // From a whole frame shift at or before frame `from`'s window: the frames of the slice are those
    // of the signal, shifted (their windows do not reach before the slice unless it starts at 0);
    // at the end the last frames' reflected edge is the signal's. With dither (not in our configs)
    // the noise differs from the whole-signal computation's, as each slice starts its stream afresh.
    frames: (signal, from, to, name) => {
      const skip = Math.max(0, from + Math.floor(firstSampleOfFrame(0, config) / shift));
      const m = fbank.compute(signal.subarray(skip * shift), { ditherStream: name });
      const first = from - skip;
      return m.data.subarray(first * m.dim, (to - skip) * m.dim);
    },
  };
}
