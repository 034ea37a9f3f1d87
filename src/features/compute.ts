// One entry point for every feature type: what the batch extractor and decoding call on a signal.
import { InputError } from '../errors.js';
import type { FeatureConfig } from './config.js';
import { FbankComputer, type FeatureMatrix } from './fbank.js';
import { computeMeydaMelBands } from './meyda.js';

/** Computes the features of a configuration for many signals (reusing precomputed tables). */
export interface FeatureComputer {
  readonly config: FeatureConfig;
  /** `signal` is int16-scaled (as `loadUtteranceAudio` returns it); `uttId` seeds the dither. */
  compute(signal: Float32Array, uttId?: string): FeatureMatrix;
  /**
   * Only where the frame count is known before computing (fbank): the features of `signal`
   * written into `out` (exactly `numFrames(signal.length) * dim` values), which becomes `data`.
   */
  computeInto?(signal: Float32Array, out: Float32Array, uttId?: string): FeatureMatrix;
  /** Frames of a signal of `numSamples` samples (with computeInto). */
  numFrames?(numSamples: number): number;
}

/**
 * A computer for `config`: Kaldi fbank or Meyda mel bands. `what` names the config in errors.
 *
 * ```ts
 * const fc = makeFeatureComputer(await loadFeatureConfig('features/fbank40.json'));
 * const { numFrames, dim, data } = fc.compute(await loadUtteranceAudio(utt, { sampleRate: 16000 }), utt.uttId);
 * ```
 */
export function makeFeatureComputer(config: FeatureConfig, what = 'feature config'): FeatureComputer {
  if (config.type === 'meyda') return { config, compute: (signal) => computeMeydaMelBands(signal, config) };
  if (config.type === 'kaldi') {
    throw new InputError(
      `${what}: the features were computed by Kaldi (imported with import-feats${config.options ? '' : ', options unknown'}), so asr-distill cannot compute them from audio; ` +
        'import the features of these utterances too and decode with --feats FEATS_DIR, or import with --fbank-conf if they are Kaldi fbank features',
    );
  }
  const fbank = new FbankComputer(config, what);
  return {
    config,
    compute: (signal, uttId) => fbank.compute(signal, { ditherStream: uttId }),
    computeInto: (signal, out, uttId) => fbank.compute(signal, { ditherStream: uttId, out }),
    numFrames: (numSamples) => fbank.numFrames(numSamples),
  };
}
