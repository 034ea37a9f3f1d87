// Kaldi-compatible log-mel filterbank features (compute-fbank-feats, feature-fbank.cc), composed
// from the layers in window.ts (framing, Wav2Win), real-fft.ts (power spectrum, Wav2FFT) and
// mel.ts (filterbank + log, Wav2LogFilterBank). Pure: a signal in, a feature matrix out.
import type { FbankConfig } from './config.js';
import { featureDim } from './config.js';
import { makeMelBanks, applyMelBanks, type MelBanks } from './mel.js';
import { DirectRealDft, RealFft } from './real-fft.js';
import { FLT_EPSILON, copyFrame, makeWindow, numFrames, paddedWindowSize, processFrame, windowShiftSamples, windowSizeSamples } from './window.js';
import { GaussianNoise } from './dither.js';
import { arenaBytes, KernelArena, type FbankKernels } from './wasm-kernels.js';

/** A feature matrix: `numFrames` rows of `dim` values, row-major. */
export interface FeatureMatrix {
  numFrames: number;
  dim: number;
  data: Float32Array;
}

export interface FbankComputeOptions {
  /**
   * Sub-stream of the dither noise (e.g. the utterance id), combined with `config.ditherSeed`, so
   * that each utterance gets its own noise and the result does not depend on job sharding.
   */
  ditherStream?: string;
  /**
   * Where to write the features (exactly `numFrames(signal.length) * dim` values); the result's
   * `data` is then this array. Lets a caller put many utterances back to back in one buffer.
   */
  out?: Float32Array;
}

const LOG_FLT_EPSILON = Math.log(FLT_EPSILON);

/** Samples copied into WebAssembly memory at a time (32 s at 16 kHz: one copy for most utterances). */
const WASM_CHUNK_SAMPLES = 1 << 19;

export interface FbankComputerOptions {
  /**
   * Run the fast path (no dither, no energy, power-of-two FFT) in WebAssembly (fbank.wat `frames`:
   * window, FFT, mel weights; same float64 operations, bit-identical features) where available;
   * false forces JavaScript. Default true.
   */
  wasm?: boolean;
}

/** The fast path's WebAssembly state: its functions, the config block and the regions it reads and writes. */
interface WasmFrames {
  frames: FbankKernels['frames'];
  cfg: Int32Array;
  sig: Float32Array;
  edge: Float32Array;
  melOut: Float64Array;
  chunkSamples: number;
}

/**
 * Computes fbank features for one configuration. Precomputes the window, the sparse mel weights
 * and the FFT tables once and reuses its frame buffers, so `compute` allocates only its output.
 *
 * ```ts
 * const fbank = new FbankComputer(defaultFbankConfig());
 * const { numFrames, dim, data } = fbank.compute(int16ScaledSamples);
 * ```
 */
export class FbankComputer {
  readonly config: FbankConfig;
  readonly dim: number;
  readonly windowSize: number;
  readonly windowShift: number;
  readonly paddedSize: number;
  readonly window: Float64Array;
  readonly melBanks: MelBanks;
  private readonly fft: RealFft | DirectRealDft;
  private readonly frame: Float64Array;
  /** Edge frames (reflected, without snipEdges) for the fast path: float32 like the signal, so it stays monomorphic. */
  private readonly edgeFrame: Float32Array;
  private readonly spectrum: Float64Array;
  private readonly mel: Float64Array;

  /** The fast path in WebAssembly (undefined: JavaScript). */
  private readonly wasm?: WasmFrames;

  /** `what` names the configuration (e.g. its file) in errors. */
  constructor(config: FbankConfig, what = 'fbank config', options: FbankComputerOptions = {}) {
    this.config = config;
    this.dim = featureDim(config);
    this.windowSize = windowSizeSamples(config);
    this.windowShift = windowShiftSamples(config);
    this.paddedSize = paddedWindowSize(config);
    this.window = makeWindow(config.windowType, this.windowSize, config.blackmanCoeff);
    this.melBanks = makeMelBanks({ ...config, paddedWindowSize: this.paddedSize }, what);
    const p = this.paddedSize;
    const powerOfTwo = p >= 4 && (p & (p - 1)) === 0;
    const size = this.windowSize;
    const shift = this.windowShift;
    const numBins = config.numMelBins;
    const banks = this.melBanks;
    // The fast path in WebAssembly: one instance holds the FFT's tables, the window, the mel
    // weights, the samples of a run of frames and the run's mel energies.
    const maxFrames = Math.floor((WASM_CHUNK_SAMPLES - size) / shift) + 1;
    let arena: KernelArena | null = null;
    if (powerOfTwo && options.wasm !== false && config.dither === 0 && !config.useEnergy && shift > 0 && size <= WASM_CHUNK_SAMPLES) {
      arena = KernelArena.wasm(
        RealFft.bytesNeeded(p) + arenaBytes(8 * size) + 3 * arenaBytes(4 * numBins) + arenaBytes(8 * banks.weights.length) + arenaBytes(4 * 25) +
          arenaBytes(4 * WASM_CHUNK_SAMPLES) + arenaBytes(4 * size) + arenaBytes(8 * maxFrames * numBins),
      );
    }
    const fft = powerOfTwo ? new RealFft(p, { wasm: options.wasm, arena: arena ?? undefined }) : new DirectRealDft(p);
    this.fft = fft;
    if (arena?.kernels && fft instanceof RealFft) {
      const window = arena.f64(size);
      window.set(this.window);
      const first = arena.i32(numBins);
      const count = arena.i32(numBins);
      const woff = arena.i32(numBins);
      const weights = arena.f64(banks.weights.length);
      first.set(banks.firstFftBin);
      count.set(banks.fftBinCount);
      woff.set(banks.weightOffset);
      weights.set(banks.weights);
      const cfg = arena.i32(25);
      cfg.set(fft.wasmArgs);
      cfg.set([size, window.byteOffset, config.removeDcOffset ? 1 : 0, 0, config.usePower ? 1 : 0, numBins, first.byteOffset, count.byteOffset, woff.byteOffset, weights.byteOffset], 15);
      this.wasm = { frames: arena.kernels.frames, cfg, sig: arena.f32(WASM_CHUNK_SAMPLES), edge: arena.f32(size), melOut: arena.f64(maxFrames * numBins), chunkSamples: WASM_CHUNK_SAMPLES };
    }
    // The RealFft's own buffers (WebAssembly memory when it runs there): no copy in or out per frame.
    this.frame = fft instanceof RealFft ? fft.input : new Float64Array(p);
    this.edgeFrame = new Float32Array(this.windowSize);
    this.spectrum = fft instanceof RealFft ? fft.output : new Float64Array((p >> 1) + 1);
    this.mel = new Float64Array(config.numMelBins);
  }

  /** Frames produced for a signal of `numSamples` samples. */
  numFrames(numSamples: number): number {
    return numFrames(numSamples, this.config);
  }

  /**
   * Features of `signal` (samples scaled like int16, as Kaldi reads WAV: a [-1, 1) signal times
   * 32768). Zero frames if the signal is shorter than one window (with snipEdges).
   */
  compute(signal: Float32Array, options: FbankComputeOptions = {}): FeatureMatrix {
    const c = this.config;
    const n = this.numFrames(signal.length);
    const dim = this.dim;
    const out = options.out ?? new Float32Array(n * dim);
    if (out.length !== n * dim) throw new RangeError(`FbankComputer.compute: out has ${out.length} values, expected ${n} frames x ${dim}`);
    const rng = c.dither !== 0 ? new GaussianNoise(c.ditherSeed, options.ditherStream ?? '') : undefined;
    const { frame, spectrum, mel, melBanks } = this;
    const numBins = c.numMelBins;
    const melOffset = c.useEnergy && !c.htkCompat ? 1 : 0;
    const energyIndex = c.htkCompat ? numBins : 0;
    const logEnergyFloor = c.energyFloor > 0 ? Math.log(c.energyFloor) : -Infinity;
    const fft = this.fft;
    const fused = fft instanceof RealFft && c.dither === 0 && !c.useEnergy;
    // Hoisted out of the frame loop (Kaldi FirstSampleOfFrame).
    const size = this.windowSize;
    const shift = this.windowShift;
    const offset = c.snipEdges ? 0 : (shift >> 1) - (size >> 1);
    const len = signal.length;
    if (fused && this.wasm) {
      this.computeWasm(signal, n, out);
      return { numFrames: n, dim, data: out };
    }
    const exactSums = fused && c.removeDcOffset && hasExactFrameSums(signal, size);
    for (let t = 0; t < n; t++) {
      if (fused) {
        const start = t * shift + offset;
        if (start >= 0 && start + size <= len) {
          this.loadProcessed(signal, start, exactSums);
        } else {
          copyFrame(signal, t, c, this.edgeFrame);
          this.loadProcessed(this.edgeFrame, 0, exactSums);
        }
        fft.powerOf(this.frame, spectrum);
      } else {
        this.layeredFrame(signal, t, rng);
      }
      if (!c.usePower) for (let k = 0; k < spectrum.length; k++) spectrum[k] = Math.sqrt(spectrum[k]);
      applyMelBanks(melBanks, spectrum, mel);
      const row = t * dim;
      if (c.useLog) {
        for (let m = 0; m < numBins; m++) {
          const e = mel[m];
          // Kaldi: mel_energies.ApplyFloor(FLT_EPSILON) then log.
          out[row + melOffset + m] = e > FLT_EPSILON ? Math.log(e) : LOG_FLT_EPSILON;
        }
      } else {
        for (let m = 0; m < numBins; m++) out[row + melOffset + m] = mel[m];
      }
      if (c.useEnergy) out[row + energyIndex] = Math.max(this.logEnergy, logEnergyFloor);
    }
    return { numFrames: n, dim, data: out };
  }

  /**
   * The fast path in WebAssembly: runs of whole frames copied in (up to WASM_CHUNK_SAMPLES samples
   * at a time), reflected edge frames one by one; `frames` checks each run for exact sums (as
   * hasExactFrameSums), and leaves its mel energies in `melOut`, logged here (Kaldi: floor at
   * FLT_EPSILON, then log) into `out`.
   */
  private computeWasm(signal: Float32Array, n: number, out: Float32Array): void {
    const c = this.config;
    const w = this.wasm!;
    const size = this.windowSize;
    const shift = this.windowShift;
    const offset = c.snipEdges ? 0 : (shift >> 1) - (size >> 1);
    const len = signal.length;
    const numBins = c.numMelBins;
    const pc = c.preemphasisCoefficient;
    const mel = w.melOut;
    for (let t = 0; t < n; ) {
      const start = t * shift + offset;
      let count = 1;
      if (start < 0 || start + size > len) {
        copyFrame(signal, t, c, w.edge);
        w.frames(w.cfg.byteOffset, w.edge.byteOffset, 1, shift, pc, mel.byteOffset);
      } else {
        const end = Math.min(len, start + w.chunkSamples);
        count = Math.min(n - t, Math.floor((end - start - size) / shift) + 1);
        w.sig.set(signal.subarray(start, start + (count - 1) * shift + size));
        w.frames(w.cfg.byteOffset, w.sig.byteOffset, count, shift, pc, mel.byteOffset);
      }
      const values = count * numBins;
      const o = t * numBins; // the fast path has no energy column: dim = numBins
      if (c.useLog) {
        for (let i = 0; i < values; i++) {
          const e = mel[i];
          out[o + i] = e > FLT_EPSILON ? Math.log(e) : LOG_FLT_EPSILON;
        }
      } else {
        for (let i = 0; i < values; i++) out[o + i] = mel[i];
      }
      t += count;
    }
  }

  /** Log energy of the last frame that went through `layeredFrame`. */
  private logEnergy = 0;

  /**
   * The general per-frame path, one layer after the other: copy (with reflection), process
   * (dither, DC, energy, pre-emphasis, window), power spectrum into `spectrum`.
   */
  private layeredFrame(signal: Float32Array, t: number, rng: GaussianNoise | undefined): void {
    const c = this.config;
    const frame = this.frame;
    copyFrame(signal, t, c, frame);
    this.logEnergy = processFrame(frame, this.window, c, rng);
    if (c.useEnergy && !c.rawEnergy) {
      // Kaldi FbankComputer::Compute: energy of the windowed frame when not raw.
      let e = 0;
      for (let i = 0; i < this.windowSize; i++) e += frame[i] * frame[i];
      this.logEnergy = Math.log(Math.max(e, FLT_EPSILON));
    }
    this.fft.powerOf(frame, this.spectrum);
  }

  /**
   * The fast path (no dither, no energy, power-of-two FFT): DC removal, pre-emphasis and window
   * fused into one pass over the frame (after one for the mean). With the
   * frame mean mu and coefficient c: y[i] = (x[i] - c x[i-1] - (1 - c) mu) w[i] and
   * y[0] = (1 - c)(x[0] - mu) w[0], which is what processFrame computes (tested equal).
   * With `exactSums` (hasExactFrameSums) the frame sum uses four running sums instead of one: every
   * partial sum is then exact, so the mean is the same double, without one long chain of
   * dependent additions.
   */
  private loadProcessed(src: Float32Array, start: number, exactSums: boolean): void {
    const c = this.config;
    const size = this.windowSize;
    const w = this.window;
    const y = this.frame; // [size, padded) stays zero: nothing ever writes there
    let mean = 0;
    if (c.removeDcOffset) {
      let sum = 0;
      if (exactSums) {
        let s1 = 0, s2 = 0, s3 = 0;
        const end = start + size;
        let i = start;
        for (; i + 3 < end; i += 4) {
          sum += src[i];
          s1 += src[i + 1];
          s2 += src[i + 2];
          s3 += src[i + 3];
        }
        for (; i < end; i++) sum += src[i];
        sum += s1 + s2 + s3;
      } else {
        for (let i = 0; i < size; i++) sum += src[start + i];
      }
      mean = sum / size;
    }
    const pc = c.preemphasisCoefficient;
    const bias = (1 - pc) * mean;
    let prev = src[start];
    y[0] = (1 - pc) * (prev - mean) * w[0];
    for (let i = 1; i < size; i++) {
      const x = src[start + i];
      y[i] = (x - pc * prev - bias) * w[i];
      prev = x;
    }
  }
}

/**
 * True when any sum of `windowSize` samples of `signal` is exact in float64 whatever the order of
 * the additions: every sample an int32 (int16-scaled WAV samples are), so the partial sums stay
 * integers below 2^53 for windows up to 2^21 samples.
 */
export function hasExactFrameSums(signal: Float32Array, windowSize: number): boolean {
  if (windowSize > 1 << 21) return false;
  for (let i = 0; i < signal.length; i++) {
    const x = signal[i];
    if ((x | 0) !== x) return false;
  }
  return true;
}

/** One-off fbank of a signal (builds a FbankComputer; reuse one for many utterances). */
export function computeFbank(signal: Float32Array, config: FbankConfig, options: FbankComputeOptions = {}): FeatureMatrix {
  return new FbankComputer(config).compute(signal, options);
}
