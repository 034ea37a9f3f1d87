// Additive noise for the synthetic corpus: seeded white, pink and babble-like noise, and mixing at
// a target signal-to-noise ratio.
import { randNormal, randUniform, type Rng } from '../data/random.js';

export const NOISE_TYPES = ['white', 'pink', 'babble'] as const;
export type NoiseType = (typeof NOISE_TYPES)[number];

/** Gaussian white noise, unit variance. */
export function whiteNoise(rng: Rng, numSamples: number): Float32Array {
  const out = new Float32Array(numSamples);
  for (let i = 0; i < numSamples; i++) out[i] = randNormal(rng);
  return out;
}

/**
 * Pink (1/f) noise, unit variance: white noise through Paul Kellet's economy 3-pole filter
 * (within 0.05 dB of -3 dB/octave above 1/1000 of the sample rate at 44.1 kHz; close enough at
 * 16 kHz for a noise floor).
 */
export function pinkNoise(rng: Rng, numSamples: number): Float32Array {
  const out = new Float32Array(numSamples);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < numSamples; i++) {
    const w = randNormal(rng);
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    out[i] = b0 + b1 + b2 + w * 0.1848;
  }
  return normalizePower(out);
}

/**
 * Babble-like noise, unit variance: speech-shaped (pink, low-passed) noise whose level follows a
 * few overlapping random syllable-rate envelopes (3-6 Hz), like several distant talkers. It is
 * not speech, so it adds no competing words that the reference transcript lacks.
 */
export function babbleNoise(rng: Rng, numSamples: number, sampleRate: number): Float32Array {
  const pink = pinkNoise(rng, numSamples);
  // One-pole low-pass at ~1.5 kHz: most speech energy is below it.
  const a = Math.exp((-2 * Math.PI * 1500) / sampleRate);
  let y = 0;
  for (let i = 0; i < numSamples; i++) {
    y = (1 - a) * pink[i] + a * y;
    pink[i] = y;
  }
  const talkers = 4;
  const env = new Float32Array(numSamples);
  for (let t = 0; t < talkers; t++) {
    const rateHz = randUniform(rng, 3, 6);
    const phase = randUniform(rng, 0, 2 * Math.PI);
    const w = (2 * Math.PI * rateHz) / sampleRate;
    for (let i = 0; i < numSamples; i++) {
      const s = Math.sin(w * i + phase);
      env[i] += s > 0 ? s : 0;
    }
  }
  for (let i = 0; i < numSamples; i++) pink[i] *= 0.2 + env[i];
  return normalizePower(pink);
}

/** Noise of the given type, unit variance. */
export function makeNoise(type: NoiseType, rng: Rng, numSamples: number, sampleRate: number): Float32Array {
  switch (type) {
    case 'white':
      return whiteNoise(rng, numSamples);
    case 'pink':
      return pinkNoise(rng, numSamples);
    case 'babble':
      return babbleNoise(rng, numSamples, sampleRate);
  }
}

/** Mean square of `x[start, end)`. */
export function meanPower(x: Float32Array, start = 0, end = x.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s += x[i] * x[i];
  return end > start ? s / (end - start) : 0;
}

function normalizePower(x: Float32Array): Float32Array {
  const p = meanPower(x);
  if (p > 0) {
    const g = 1 / Math.sqrt(p);
    for (let i = 0; i < x.length; i++) x[i] *= g;
  }
  return x;
}

/**
 * Add `noise` to `signal` in place so that the ratio of the speech power (the mean square of
 * `signal[speechStart, speechEnd)`, i.e. without the added silences) to the noise power is `snrDb`.
 */
export function addNoiseAtSnr(
  signal: Float32Array,
  noise: Float32Array,
  snrDb: number,
  speechStart = 0,
  speechEnd = signal.length,
): void {
  const ps = meanPower(signal, speechStart, speechEnd);
  const pn = meanPower(noise);
  if (ps === 0 || pn === 0) return;
  const g = Math.sqrt(ps / (pn * 10 ** (snrDb / 10)));
  for (let i = 0; i < signal.length; i++) signal[i] += g * noise[i];
}
