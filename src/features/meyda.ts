// Meyda mel bands: the features a browser app computes live from Web Audio with Meyda
// (https://meyda.js.org, `Meyda.extract('melBands', buffer)`). NOT Kaldi fbank: Meyda snaps its
// triangles to FFT bins from 0 Hz, uses a Hann window and log(x + 1), and takes [-1, 1) samples.
// We call Meyda itself, so a model trained on these features runs unchanged on Meyda's output in
// a browser (the web page bundles Meyda's browser build and calls meyda-bands.ts as we do here).
// See docs/features.md for when to pick which.
import { createRequire } from 'node:module';
import type { MeydaConfig } from './config.js';
import type { FeatureMatrix } from './fbank.js';
import { meydaMelBandsOf, type MeydaModule } from './meyda-bands.js';

export { meydaNumFrames } from './meyda-bands.js';

let meydaModule: MeydaModule | undefined;

/** Meyda, loaded on first use (fbank-only workers never pay for it). Its Node entry is CommonJS. */
function meyda(): MeydaModule {
  meydaModule ??= createRequire(import.meta.url)('meyda') as MeydaModule;
  return meydaModule;
}

/**
 * Meyda `melBands` (already log(x + 1) by Meyda) of every frame of `signal`. `signal` is
 * int16-scaled like every loaded utterance; Meyda gets it as Web Audio does, divided by 32768.
 */
export function computeMeydaMelBands(signal: ArrayLike<number>, config: MeydaConfig): FeatureMatrix {
  return meydaMelBandsOf(meyda(), signal, config);
}
