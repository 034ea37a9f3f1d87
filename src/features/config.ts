// Feature configuration: one typed object per feature type, loaded from features/*.json and
// validated key by key. Field names follow Kaldi's compute-fbank-feats options
// (feature-window.h FrameExtractionOptions, mel-computations.h MelBanksOptions, feature-fbank.h
// FbankOptions), camel-cased: --frame-shift -> frameShiftMs, --num-mel-bins -> numMelBins.
// Pure (the web page bundles it); reading a config file is config-file.ts.
import { InputError } from '../errors.js';

export const WINDOW_TYPES = ['povey', 'hamming', 'hanning', 'rectangular', 'blackman'] as const;
export type WindowType = (typeof WINDOW_TYPES)[number];

/** Framing and per-frame signal processing (Kaldi FrameExtractionOptions). */
export interface FrameOptions {
  /** Sample rate in Hz the audio must have (Kaldi --sample-frequency). */
  sampleRate: number;
  /** Frame length in ms (--frame-length); window size = trunc(sampleRate * 0.001 * frameLengthMs). */
  frameLengthMs: number;
  /** Frame shift in ms (--frame-shift). */
  frameShiftMs: number;
  /** Gaussian dither added to every sample, in int16 units (--dither); 0 disables it. */
  dither: number;
  /** Seed of the dither noise (Kaldi seeds from the process; we seed per utterance for reproducibility). */
  ditherSeed: number;
  /** y[i] = x[i] - c x[i-1] (--preemphasis-coefficient). */
  preemphasisCoefficient: number;
  /** Subtract each frame's mean before pre-emphasis (--remove-dc-offset). */
  removeDcOffset: boolean;
  /** --window-type. */
  windowType: WindowType;
  /** Constant of the generalised Blackman window (--blackman-coeff). */
  blackmanCoeff: number;
  /** Zero-pad frames to the next power of two before the FFT (--round-to-power-of-two). */
  roundToPowerOfTwo: boolean;
  /** true: only frames that fit completely; false: centred frames with reflected edges (--snip-edges). */
  snipEdges: boolean;
}

/** Mel filterbank (Kaldi MelBanksOptions, without VTLN). */
export interface MelOptions {
  /** --num-mel-bins. */
  numMelBins: number;
  /** Lowest frequency in Hz covered by the bank (--low-freq). */
  lowFreq: number;
  /** Highest frequency in Hz; <= 0 means an offset from Nyquist (--high-freq). */
  highFreq: number;
}

/** Kaldi-compatible log-mel filterbank (compute-fbank-feats). */
export interface FbankConfig extends FrameOptions, MelOptions {
  type: 'fbank';
  /** Prepend the frame's log energy (appended with htkCompat) (--use-energy). */
  useEnergy: boolean;
  /** Energy before pre-emphasis and windowing (--raw-energy). */
  rawEnergy: boolean;
  /** Floor on the energy (absolute, not log); 0 = none (--energy-floor). */
  energyFloor: number;
  /** Energy last instead of first (--htk-compat). */
  htkCompat: boolean;
  /** Log of the mel energies, floored at FLT_EPSILON (--use-log-fbank). */
  useLog: boolean;
  /** Power spectrum (true) or magnitude (false) (--use-power). */
  usePower: boolean;
}

export const MEYDA_WINDOWS = ['hanning', 'hamming', 'blackman', 'sine', 'rect'] as const;
export type MeydaWindow = (typeof MEYDA_WINDOWS)[number];

/** Meyda's `melBands` as a browser app computes them live from Web Audio (see docs/features.md). */
export interface MeydaConfig {
  type: 'meyda';
  sampleRate: number;
  /** Meyda.bufferSize: frame length in samples (a power of two). */
  bufferSize: number;
  /** Hop in samples between frames (MeydaAnalyzer hopSize). */
  hopSize: number;
  /** Meyda.melBands. */
  numMelBands: number;
  /** Meyda.windowingFunction. */
  windowingFunction: MeydaWindow;
}

/**
 * Features computed by Kaldi and brought in with `import-feats` whose extraction is not one of
 * ours: Kaldi's options as its config file gave them (`--num-ceps=13`, sorted), or null when they
 * are not known. Such features can be trained on and decoded from a FEATS_DIR, but asr-distill
 * cannot recompute them from audio.
 */
export interface KaldiFeatureConfig {
  type: 'kaldi';
  options: string[] | null;
  /** --sample-frequency (Kaldi's default 16000 when the options do not say). */
  sampleRate: number;
  /** --frame-shift in ms (Kaldi's default 10 when the options do not say). */
  frameShiftMs: number;
}

export type FeatureConfig = FbankConfig | MeydaConfig | KaldiFeatureConfig;

type Check = (v: unknown) => string | undefined;
const num = (pred: (x: number) => boolean, want: string): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && pred(v) ? undefined : want;
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const oneOf = (choices: readonly string[]): Check => (v) =>
  typeof v === 'string' && choices.includes(v) ? undefined : `one of ${choices.join(', ')}`;
const positive = num((x) => x > 0, 'a number > 0');
const nonNegative = num((x) => x >= 0, 'a number >= 0');
const anyNumber = num(() => true, 'a number');
const positiveInt = num((x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');

const FBANK_KEYS: Record<Exclude<keyof FbankConfig, 'type'>, Check> = {
  sampleRate: positive,
  frameLengthMs: positive,
  frameShiftMs: positive,
  dither: nonNegative,
  ditherSeed: num((x) => Number.isInteger(x), 'an integer'),
  preemphasisCoefficient: num((x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
  removeDcOffset: bool,
  windowType: oneOf(WINDOW_TYPES),
  blackmanCoeff: anyNumber,
  roundToPowerOfTwo: bool,
  snipEdges: bool,
  numMelBins: num((x) => Number.isInteger(x) && x >= 3, 'an integer >= 3'),
  lowFreq: nonNegative,
  highFreq: anyNumber,
  useEnergy: bool,
  rawEnergy: bool,
  energyFloor: nonNegative,
  htkCompat: bool,
  useLog: bool,
  usePower: bool,
};

const MEYDA_KEYS: Record<Exclude<keyof MeydaConfig, 'type'>, Check> = {
  sampleRate: positive,
  bufferSize: num((x) => Number.isInteger(x) && x >= 4 && (x & (x - 1)) === 0, 'a power of two >= 4'),
  hopSize: positiveInt,
  // Meyda builds max(melBands, numberOfMFCCCoefficients = 13) filters.
  numMelBands: num((x) => Number.isInteger(x) && x >= 13, 'an integer >= 13 (Meyda always builds at least 13 bands)'),
  windowingFunction: oneOf(MEYDA_WINDOWS),
};

/** The fbank40 configuration (features/fbank40.json), optionally with some fields changed. */
export function defaultFbankConfig(overrides: Partial<Omit<FbankConfig, 'type'>> = {}): FbankConfig {
  return {
    type: 'fbank',
    sampleRate: 16000,
    frameLengthMs: 25,
    frameShiftMs: 10,
    dither: 0,
    ditherSeed: 0,
    preemphasisCoefficient: 0.97,
    removeDcOffset: true,
    windowType: 'povey',
    blackmanCoeff: 0.42,
    roundToPowerOfTwo: true,
    snipEdges: true,
    numMelBins: 40,
    lowFreq: 20,
    highFreq: 0,
    useEnergy: false,
    rawEnergy: true,
    energyFloor: 0,
    htkCompat: false,
    useLog: true,
    usePower: true,
    ...overrides,
  };
}

/**
 * Validate a parsed JSON feature configuration. Every key of the type must be present and no
 * other key is allowed (a misspelt option must not silently fall back to a default).
 * `what` names the source in messages, e.g. the file path.
 */
export function parseFeatureConfig(value: unknown, what: string): FeatureConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${what}: a feature config must be a JSON object with a "type" ("fbank" or "meyda")`);
  }
  const obj = value as Record<string, unknown>;
  const type = obj.type;
  if (type !== 'fbank' && type !== 'meyda') {
    throw new InputError(`${what}: "type" must be "fbank" or "meyda", got ${JSON.stringify(type)}`);
  }
  const schema: Record<string, Check> = type === 'fbank' ? FBANK_KEYS : MEYDA_KEYS;
  const problems: string[] = [];
  for (const key of Object.keys(obj)) {
    if (key !== 'type' && !(key in schema)) {
      problems.push(`unknown key "${key}" (known keys for type ${type}: ${Object.keys(schema).join(', ')})`);
    }
  }
  for (const [key, check] of Object.entries(schema)) {
    if (!(key in obj)) {
      problems.push(`missing key "${key}"`);
      continue;
    }
    const want = check(obj[key]);
    if (want) problems.push(`"${key}" must be ${want}, got ${JSON.stringify(obj[key])}`);
  }
  if (problems.length > 0) {
    throw new InputError(`${what}: ${problems.join('; ')} (see docs/features.md for every option)`);
  }
  if (type === 'fbank') {
    const c = obj as unknown as FbankConfig;
    const nyquist = c.sampleRate / 2;
    const high = c.highFreq > 0 ? c.highFreq : nyquist + c.highFreq;
    // Kaldi MelBanks::MelBanks (mel-computations.cc) refuses the same combinations.
    if (c.lowFreq >= nyquist || high <= 0 || high > nyquist || high <= c.lowFreq) {
      throw new InputError(
        `${what}: bad "lowFreq" ${c.lowFreq} and "highFreq" ${c.highFreq} (-> ${high} Hz) for Nyquist ${nyquist} Hz; ` +
          'need 0 <= lowFreq < highFreq <= Nyquist (highFreq <= 0 is an offset from Nyquist)',
      );
    }
    if (Math.trunc(c.sampleRate * 0.001 * c.frameShiftMs) < 1 || Math.trunc(c.sampleRate * 0.001 * c.frameLengthMs) < 2) {
      throw new InputError(`${what}: "frameLengthMs"/"frameShiftMs" give frames shorter than 2 samples at ${c.sampleRate} Hz`);
    }
    return { ...c, type: 'fbank' };
  }
  return { ...(obj as unknown as MeydaConfig), type: 'meyda' };
}

/** Number of values per frame the configuration produces. */
export function featureDim(config: FeatureConfig): number {
  if (config.type === 'meyda') return config.numMelBands;
  if (config.type === 'kaldi') throw new Error('featureDim: Kaldi-imported features have the dimension their archive has (feats.json "dim")');
  return config.numMelBins + (config.useEnergy ? 1 : 0);
}

/** Frame shift in ms (the meyda hop converted from samples). */
export function frameShiftMsOf(config: FeatureConfig): number {
  return config.type === 'meyda' ? (1000 * config.hopSize) / config.sampleRate : config.frameShiftMs;
}
