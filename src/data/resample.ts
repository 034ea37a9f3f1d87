// Band-limited sample-rate conversion by a windowed-sinc filter evaluated at exact rational
// positions, the scheme of Kaldi's LinearResample (feat/resample.cc): for rates with
// gcd g, output sample k = u * (toRate/g) + p sits at the same fractional input position for every
// u, so the filter weights are computed once per output phase p and reused.
//
// We differ from Kaldi in the window: Kaldi uses a Hann window with 6 zeros (about 40 dB of
// stopband); we use a Kaiser window sized by Kaiser's formula for STOPBAND_DB of attenuation, so
// content above the new Nyquist does not alias into the band the filterbank sees.
import { InputError } from '../errors.js';

/** -6 dB point of the low-pass, as a fraction of the lower Nyquist frequency. */
export const CUTOFF_RATIO = 0.95;
/** Designed stopband attenuation (Kaiser window), in dB. */
export const STOPBAND_DB = 75;

/** Filter weights for one rate pair, precomputed per output phase. */
export interface ResampleFilter {
  fromRate: number;
  toRate: number;
  /** Input samples per repeat unit (fromRate / gcd). */
  inUnit: number;
  /** Output samples per repeat unit (toRate / gcd): the number of phases. */
  outUnit: number;
  /** Taps per phase (padded to the longest phase with zero weights). */
  numTaps: number;
  /** Index of the first input sample of phase p, relative to u * inUnit. */
  firstIndex: Int32Array;
  /** Weights, [phase][tap] row-major. */
  weights: Float32Array;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for beta < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function checkRate(rate: number, which: string): void {
  if (!Number.isInteger(rate) || rate <= 0) {
    throw new InputError(`resample: the ${which} sample rate must be a positive integer number of Hz, got ${rate}`);
  }
}

/**
 * Design the windowed-sinc filter for `fromRate -> toRate`: cutoff CUTOFF_RATIO of the lower
 * Nyquist, transition band ending at that Nyquist, Kaiser window for STOPBAND_DB. Each phase's
 * weights are normalised to sum to 1 (unit DC gain).
 */
export function designResampleFilter(fromRate: number, toRate: number): ResampleFilter {
  checkRate(fromRate, 'input');
  checkRate(toRate, 'output');
  const g = gcd(fromRate, toRate);
  const inUnit = fromRate / g;
  const outUnit = toRate / g;
  const nyquist = Math.min(fromRate, toRate) / 2;
  const cutoffHz = CUTOFF_RATIO * nyquist;
  const transitionHz = 2 * (nyquist - cutoffHz);
  // Kaiser (1974): beta for the attenuation, and length L = (A - 7.95) / (14.36 * transition) seconds.
  const beta = 0.1102 * (STOPBAND_DB - 8.7);
  const halfWidthSec = (STOPBAND_DB - 7.95) / (14.36 * transitionHz) / 2;
  const i0Beta = besselI0(beta);

  const firstIndex = new Int32Array(outUnit);
  const lastIndex = new Int32Array(outUnit);
  let numTaps = 0;
  for (let p = 0; p < outUnit; p++) {
    const centre = (p * fromRate) / toRate; // output time in input-sample units
    firstIndex[p] = Math.ceil(centre - halfWidthSec * fromRate);
    lastIndex[p] = Math.floor(centre + halfWidthSec * fromRate);
    numTaps = Math.max(numTaps, lastIndex[p]! - firstIndex[p]! + 1);
  }
  const weights = new Float32Array(outUnit * numTaps);
  const row = new Float64Array(numTaps);
  for (let p = 0; p < outUnit; p++) {
    const centre = (p * fromRate) / toRate;
    let sum = 0;
    row.fill(0);
    for (let j = firstIndex[p]!; j <= lastIndex[p]!; j++) {
      const tSec = (j - centre) / fromRate;
      const x = tSec / halfWidthSec;
      if (x <= -1 || x >= 1) continue;
      const window = besselI0(beta * Math.sqrt(1 - x * x)) / i0Beta;
      const arg = 2 * Math.PI * cutoffHz * tSec;
      const sinc = arg === 0 ? 1 : Math.sin(arg) / arg;
      const w = 2 * cutoffHz * sinc * window;
      row[j - firstIndex[p]!] = w;
      sum += w;
    }
    for (let i = 0; i < numTaps; i++) weights[p * numTaps + i] = row[i]! / sum;
  }
  return { fromRate, toRate, inUnit, outUnit, numTaps, firstIndex, weights };
}

/** Output length for `numSamples` input samples: outputs at k/toRate for every k/toRate < numSamples/fromRate (Kaldi's flush semantics). */
export function resampledLength(numSamples: number, fromRate: number, toRate: number): number {
  const g = gcd(fromRate, toRate);
  return Math.ceil((numSamples * (toRate / g)) / (fromRate / g));
}

const filterCache = new Map<string, ResampleFilter>();

/** The filter for a rate pair, designed once per process. */
function filterFor(fromRate: number, toRate: number): ResampleFilter {
  const key = `${fromRate}:${toRate}`;
  let f = filterCache.get(key);
  if (!f) {
    f = designResampleFilter(fromRate, toRate);
    filterCache.set(key, f);
  }
  return f;
}

/** Apply a designed filter to a whole signal (samples outside the signal count as zero). */
export function applyResampleFilter(signal: Float32Array, filter: ResampleFilter): Float32Array {
  const { inUnit, outUnit, numTaps, firstIndex, weights } = filter;
  const n = signal.length;
  const out = new Float32Array(resampledLength(n, filter.fromRate, filter.toRate));
  let k = 0;
  for (let base = 0; k < out.length; base += inUnit) {
    for (let p = 0; p < outUnit && k < out.length; p++, k++) {
      const start = base + firstIndex[p]!;
      const w0 = p * numTaps;
      let acc = 0;
      if (start >= 0 && start + numTaps <= n) {
        for (let i = 0; i < numTaps; i++) acc += weights[w0 + i]! * signal[start + i]!;
      } else {
        const lo = Math.max(0, -start);
        const hi = Math.min(numTaps, n - start);
        for (let i = lo; i < hi; i++) acc += weights[w0 + i]! * signal[start + i]!;
      }
      out[k] = acc;
    }
  }
  return out;
}

/**
 * Resample a signal from `fromRate` to `toRate` (Hz, integers) with a band-limited windowed-sinc
 * filter: content below 0.9 x the lower Nyquist passes unchanged, content above the lower Nyquist
 * is attenuated by more than 60 dB. Returns a copy when the rates are equal.
 *
 * @example const x16k = resample(x22k, 22050, 16000); // x16k.length === Math.ceil(x22k.length * 320 / 441)
 */
export function resample(signal: Float32Array, fromRate: number, toRate: number): Float32Array {
  checkRate(fromRate, 'input');
  checkRate(toRate, 'output');
  if (fromRate === toRate) return signal.slice();
  return applyResampleFilter(signal, filterFor(fromRate, toRate));
}
