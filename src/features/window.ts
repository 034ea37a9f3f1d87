// Framing and per-frame processing: the Wav2Win layer (lhotse) / Kaldi feature-window.cc.
import type { FrameOptions, WindowType } from './config.js';
import type { GaussianNoise } from './dither.js';

/** Samples per frame: Kaldi FrameExtractionOptions::WindowSize, trunc(rate * 0.001 * ms). */
export function windowSizeSamples(opts: Pick<FrameOptions, 'sampleRate' | 'frameLengthMs'>): number {
  return Math.trunc(opts.sampleRate * 0.001 * opts.frameLengthMs);
}

/** Samples between frame starts: Kaldi WindowShift. */
export function windowShiftSamples(opts: Pick<FrameOptions, 'sampleRate' | 'frameShiftMs'>): number {
  return Math.trunc(opts.sampleRate * 0.001 * opts.frameShiftMs);
}

/** FFT length: the window size, rounded up to a power of two when `roundToPowerOfTwo` (Kaldi PaddedWindowSize). */
export function paddedWindowSize(opts: Pick<FrameOptions, 'sampleRate' | 'frameLengthMs' | 'roundToPowerOfTwo'>): number {
  const n = windowSizeSamples(opts);
  if (!opts.roundToPowerOfTwo) return n;
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/**
 * Number of frames Kaldi produces for `numSamples` samples (feature-window.cc NumFrames, flush=true):
 * with snipEdges only frames that fit, otherwise one frame per shift, rounded to the nearest.
 */
export function numFrames(numSamples: number, opts: Pick<FrameOptions, 'sampleRate' | 'frameLengthMs' | 'frameShiftMs' | 'snipEdges'>): number {
  const shift = windowShiftSamples(opts);
  const size = windowSizeSamples(opts);
  if (opts.snipEdges) return numSamples < size ? 0 : 1 + Math.floor((numSamples - size) / shift);
  return Math.floor((numSamples + Math.floor(shift / 2)) / shift);
}

/** Index of the first sample of frame `t` (may be negative without snipEdges: Kaldi FirstSampleOfFrame). */
export function firstSampleOfFrame(t: number, opts: Pick<FrameOptions, 'sampleRate' | 'frameLengthMs' | 'frameShiftMs' | 'snipEdges'>): number {
  const shift = windowShiftSamples(opts);
  if (opts.snipEdges) return t * shift;
  const size = windowSizeSamples(opts);
  return t * shift + Math.floor(shift / 2) - Math.floor(size / 2);
}

/**
 * The analysis window (symmetric, over N = window size points), as Kaldi FeatureWindowFunction
 * builds it: a = 2 pi / (N - 1); povey = (0.5 - 0.5 cos(a i))^0.85 (a Hann window raised to 0.85,
 * which goes to zero at the edges), hamming 0.54 - 0.46 cos, hanning 0.5 - 0.5 cos,
 * blackman c - 0.5 cos(a i) + (0.5 - c) cos(2 a i).
 */
export function makeWindow(type: WindowType, size: number, blackmanCoeff = 0.42): Float64Array {
  const w = new Float64Array(size);
  const a = (2 * Math.PI) / (size - 1);
  for (let i = 0; i < size; i++) {
    const c = Math.cos(a * i);
    switch (type) {
      case 'povey':
        w[i] = Math.pow(0.5 - 0.5 * c, 0.85);
        break;
      case 'hamming':
        w[i] = 0.54 - 0.46 * c;
        break;
      case 'hanning':
        w[i] = 0.5 - 0.5 * c;
        break;
      case 'rectangular':
        w[i] = 1;
        break;
      case 'blackman':
        w[i] = blackmanCoeff - 0.5 * c + (0.5 - blackmanCoeff) * Math.cos(2 * a * i);
        break;
    }
  }
  return w;
}

/**
 * Copy frame `t` of `signal` into `out[0, windowSize)`. Without snipEdges, samples before the
 * start or past the end are mirrored (Kaldi ExtractWindow: -1 -> 0, n -> n - 1).
 */
export function copyFrame(
  signal: ArrayLike<number>,
  t: number,
  opts: Pick<FrameOptions, 'sampleRate' | 'frameLengthMs' | 'frameShiftMs' | 'snipEdges'>,
  out: Float64Array | Float32Array,
): void {
  const size = windowSizeSamples(opts);
  const start = firstSampleOfFrame(t, opts);
  const n = signal.length;
  if (start >= 0 && start + size <= n) {
    for (let i = 0; i < size; i++) out[i] = signal[start + i];
    return;
  }
  for (let i = 0; i < size; i++) {
    let s = start + i;
    while (s < 0 || s >= n) s = s < 0 ? -s - 1 : 2 * n - 1 - s;
    out[i] = signal[s];
  }
}

/**
 * Process one raw frame in place, in Kaldi's order (feature-window.cc ProcessWindow): dither,
 * DC removal, (raw log energy), pre-emphasis with y[0] = x[0] - c x[0], window. Returns the log
 * energy before pre-emphasis and windowing, floored at FLT_EPSILON (used by useEnergy + rawEnergy).
 * `frame` holds at least `window.length` samples; only that prefix is touched.
 */
export function processFrame(
  frame: Float64Array,
  window: Float64Array,
  opts: Pick<FrameOptions, 'dither' | 'removeDcOffset' | 'preemphasisCoefficient'>,
  noise?: GaussianNoise,
): number {
  const size = window.length;
  if (opts.dither !== 0) {
    if (!noise) throw new Error('processFrame: dither needs a seeded GaussianNoise');
    for (let i = 0; i < size; i++) frame[i] += opts.dither * noise.next();
  }
  if (opts.removeDcOffset) {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += frame[i];
    const mean = sum / size;
    for (let i = 0; i < size; i++) frame[i] -= mean;
  }
  let energy = 0;
  for (let i = 0; i < size; i++) energy += frame[i] * frame[i];
  const c = opts.preemphasisCoefficient;
  if (c !== 0) {
    for (let i = size - 1; i > 0; i--) frame[i] -= c * frame[i - 1];
    frame[0] -= c * frame[0];
  }
  for (let i = 0; i < size; i++) frame[i] *= window[i];
  return Math.log(Math.max(energy, FLT_EPSILON));
}

/** std::numeric_limits<float>::epsilon(), Kaldi's floor before every log. */
export const FLT_EPSILON = 1.1920928955078125e-7;
