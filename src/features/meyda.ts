// Meyda mel bands: the features a browser app computes live from Web Audio with Meyda
// (https://meyda.js.org, `Meyda.extract('melBands', buffer)`). NOT Kaldi fbank: Meyda snaps its
// triangles to FFT bins from 0 Hz, uses a Hann window and log(x + 1), and takes [-1, 1) samples.
// We call Meyda itself, so a model trained on these features runs unchanged on Meyda's output in
// a browser. See docs/features.md for when to pick which.
import { createRequire } from 'node:module';
import type { MeydaConfig } from './config.js';
import type { FeatureMatrix } from './fbank.js';

/** Meyda's own settings object (a module-level singleton, as in the browser). */
interface MeydaSettings {
  bufferSize: number;
  sampleRate: number;
  melBands: number;
  windowingFunction: string;
  melFilterBank?: unknown;
  extract(feature: 'melBands', signal: Float32Array): number[];
}
let meydaModule: MeydaSettings | undefined;

/** Meyda, loaded on first use (fbank-only workers never pay for it). Its Node entry is CommonJS. */
function meyda(): MeydaSettings {
  meydaModule ??= createRequire(import.meta.url)('meyda') as MeydaSettings;
  return meydaModule;
}

/**
 * Point Meyda's global settings at `config` (checked on every call: other code in the process may
 * change them) and drop its cached mel bank when anything changed, since Meyda itself rebuilds the
 * bank only when the band count or buffer size changes, not the sample rate.
 */
function configureMeyda(config: MeydaConfig): MeydaSettings {
  const m = meyda();
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
  return m;
}

/** Frames Meyda sees for `numSamples` samples: full buffers every `hopSize` samples from 0. */
export function meydaNumFrames(numSamples: number, config: MeydaConfig): number {
  return numSamples < config.bufferSize ? 0 : 1 + Math.floor((numSamples - config.bufferSize) / config.hopSize);
}

/**
 * Meyda `melBands` (already log(x + 1) by Meyda) of every frame of `signal`. `signal` is
 * int16-scaled like every loaded utterance; Meyda gets it as Web Audio does, divided by 32768.
 */
export function computeMeydaMelBands(signal: ArrayLike<number>, config: MeydaConfig): FeatureMatrix {
  const m = configureMeyda(config);
  const n = meydaNumFrames(signal.length, config);
  const dim = config.numMelBands;
  const out = new Float32Array(n * dim);
  const buffer = new Float32Array(config.bufferSize);
  for (let t = 0; t < n; t++) {
    const start = t * config.hopSize;
    for (let i = 0; i < buffer.length; i++) buffer[i] = signal[start + i] / 32768;
    const bands = m.extract('melBands', buffer);
    if (bands.length !== dim) throw new Error(`Meyda returned ${bands.length} mel bands, expected ${dim}`);
    out.set(bands, t * dim);
  }
  return { numFrames: n, dim, data: out };
}
