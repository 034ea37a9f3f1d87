// Meyda mel bands from a given Meyda module: the pure part of meyda.ts (no Node modules), shared by
// Node (meyda.ts loads Meyda's CommonJS build on first use) and the web page (which bundles Meyda's
// browser build), so that a model trained on Meyda features gets the same numbers in both.
import type { MeydaConfig } from './config.js';
import type { FeatureMatrix } from './fbank.js';

/** Meyda's own settings object (a module-level singleton, as in the browser). */
export interface MeydaModule {
  bufferSize: number;
  sampleRate: number;
  melBands: number;
  windowingFunction: string;
  melFilterBank?: unknown;
  extract(feature: 'melBands', signal: Float32Array): number[];
}

/**
 * Point Meyda's global settings at `config` (checked on every call: other code may change them)
 * and drop its cached mel bank when anything changed, since Meyda itself rebuilds the bank only
 * when the band count or buffer size changes, not the sample rate.
 */
function configureMeyda(m: MeydaModule, config: MeydaConfig): void {
  if (
    m.bufferSize !== config.bufferSize ||
    m.sampleRate !== config.sampleRate ||
    m.melBands !== config.numMelBands ||
    m.windowingFunction !== config.windowingFunction
  ) {
    m.bufferSize = config.bufferSize;
    m.sampleRate = config.sampleRate;
    m.melBands = config.numMelBands;
    m.windowingFunction = config.windowingFunction;
    m.melFilterBank = undefined;
  }
}

/** Frames Meyda sees for `numSamples` samples: full buffers every `hopSize` samples from 0. */
export function meydaNumFrames(numSamples: number, config: MeydaConfig): number {
  return numSamples < config.bufferSize ? 0 : 1 + Math.floor((numSamples - config.bufferSize) / config.hopSize);
}

/**
 * Meyda `melBands` (already log(x + 1) by Meyda) of frames [firstFrame, firstFrame + numFrames) of
 * `signal` (all its frames by default), computed by the Meyda module `m`. `signal` is int16-scaled
 * like every loaded utterance; Meyda gets it as Web Audio does, divided by 32768.
 */
export function meydaMelBandsOf(m: MeydaModule, signal: ArrayLike<number>, config: MeydaConfig, firstFrame = 0, numFrames = meydaNumFrames(signal.length, config) - firstFrame): FeatureMatrix {
  configureMeyda(m, config);
  if (firstFrame < 0 || numFrames < 0 || firstFrame + numFrames > meydaNumFrames(signal.length, config)) {
    throw new Error(`meydaMelBandsOf: frames ${firstFrame}..${firstFrame + numFrames} are not all within ${signal.length} samples`);
  }
  const dim = config.numMelBands;
  const out = new Float32Array(numFrames * dim);
  const buffer = new Float32Array(config.bufferSize);
  for (let t = 0; t < numFrames; t++) {
    const start = (firstFrame + t) * config.hopSize;
    for (let i = 0; i < buffer.length; i++) buffer[i] = signal[start + i] / 32768;
    const bands = m.extract('melBands', buffer);
    if (bands.length !== dim) throw new Error(`Meyda returned ${bands.length} mel bands, expected ${dim}`);
    out.set(bands, t * dim);
  }
  return { numFrames, dim, data: out };
}
