// Mel filterbank: the Wav2LogFilterBank layer's weights (Kaldi mel-computations.cc MelBanks,
// without VTLN). Stored sparse: each bin keeps only its non-zero FFT-bin range.
import { InputError } from '../errors.js';
import type { MelOptions } from './config.js';

/** Kaldi MelScale: 1127 ln(1 + f / 700). */
export function melScale(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

/** Kaldi InverseMelScale: 700 (exp(mel / 1127) - 1). */
export function inverseMelScale(mel: number): number {
  return 700 * (Math.exp(mel / 1127) - 1);
}

/** Triangular mel filters over the FFT bins 0..paddedWindowSize/2 - 1, sparse. */
export interface MelBanks {
  numBins: number;
  paddedWindowSize: number;
  /** First FFT bin of mel bin m. */
  firstFftBin: Int32Array;
  /** Number of FFT bins of mel bin m (weights are `weights[weightOffset[m] + k]`, k < count). */
  fftBinCount: Int32Array;
  weightOffset: Int32Array;
  weights: Float64Array;
  /** Centre frequency of each mel bin, Hz. */
  centerFreqs: Float64Array;
}

/**
 * Build the mel banks exactly like Kaldi: numMelBins + 2 points equally spaced in mel between
 * lowFreq and highFreq (highFreq <= 0: Nyquist + highFreq); FFT bin i (centre i * rate / padded)
 * gets weight (mel - left) / (centre - left) on the rising edge and (right - mel) / (right - centre)
 * on the falling one, strictly inside (left, right). Float64 (Kaldi uses float; the difference is
 * < 2e-4 nats on the fixtures). `what` names the configuration in errors.
 */
export function makeMelBanks(
  opts: MelOptions & { sampleRate: number; paddedWindowSize: number },
  what = 'feature config',
): MelBanks {
  const { numMelBins, sampleRate, paddedWindowSize } = opts;
  const numFftBins = paddedWindowSize >> 1;
  const nyquist = 0.5 * sampleRate;
  const lowFreq = opts.lowFreq;
  const highFreq = opts.highFreq > 0 ? opts.highFreq : nyquist + opts.highFreq;
  if (lowFreq < 0 || lowFreq >= nyquist || highFreq <= 0 || highFreq > nyquist || highFreq <= lowFreq) {
    throw new InputError(`${what}: bad lowFreq ${lowFreq} and highFreq ${highFreq} vs. Nyquist ${nyquist} Hz`);
  }
  const fftBinWidth = sampleRate / paddedWindowSize;
  const melLow = melScale(lowFreq);
  const melHigh = melScale(highFreq);
  const melDelta = (melHigh - melLow) / (numMelBins + 1);
  const fftMel = new Float64Array(numFftBins);
  for (let i = 0; i < numFftBins; i++) fftMel[i] = melScale(fftBinWidth * i);

  const firstFftBin = new Int32Array(numMelBins);
  const fftBinCount = new Int32Array(numMelBins);
  const weightOffset = new Int32Array(numMelBins);
  const centerFreqs = new Float64Array(numMelBins);
  const all: number[] = [];
  for (let m = 0; m < numMelBins; m++) {
    const left = melLow + m * melDelta;
    const centre = melLow + (m + 1) * melDelta;
    const right = melLow + (m + 2) * melDelta;
    centerFreqs[m] = inverseMelScale(centre);
    let first = -1;
    let last = -1;
    for (let i = 0; i < numFftBins; i++) {
      if (fftMel[i] > left && fftMel[i] < right) {
        if (first === -1) first = i;
        last = i;
      }
    }
    if (first === -1) {
      // Kaldi: "You may have set --num-mel-bins too large."
      throw new InputError(
        `${what}: mel bin ${m} contains no FFT bin (numMelBins ${numMelBins} is too large for a ${paddedWindowSize}-point FFT at ${sampleRate} Hz); use fewer mel bins or longer frames`,
      );
    }
    firstFftBin[m] = first;
    fftBinCount[m] = last - first + 1;
    weightOffset[m] = all.length;
    for (let i = first; i <= last; i++) {
      const mel = fftMel[i];
      all.push(mel <= centre ? (mel - left) / (centre - left) : (right - mel) / (right - centre));
    }
  }
  return { numBins: numMelBins, paddedWindowSize, firstFftBin, fftBinCount, weightOffset, weights: Float64Array.from(all), centerFreqs };
}

/** out[m] = sum_k weights_m[k] * spectrum[first_m + k]: the mel energies of one frame. */
export function applyMelBanks(banks: MelBanks, spectrum: Float64Array, out: Float64Array, outOffset = 0): void {
  const { firstFftBin, fftBinCount, weightOffset, weights } = banks;
  for (let m = 0; m < banks.numBins; m++) {
    const first = firstFftBin[m];
    const count = fftBinCount[m];
    const w0 = weightOffset[m];
    let sum = 0;
    for (let k = 0; k < count; k++) sum += weights[w0 + k] * spectrum[first + k];
    out[outOffset + m] = sum;
  }
}
