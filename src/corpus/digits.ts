// The synthetic multi-speaker connected-digits corpus (TIDIGITS vocabulary): planning (every
// random choice, made from the seed in the main thread), rendering one utterance (eSpeak ->
// 16 kHz -> silences, noise, gain) and writing train/dev/test Kaldi data directories.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { makeRng, randInt, randUniform } from '../data/random.js';
import { resample } from '../data/resample.js';
import { writeDataDir } from '../data/data-dir.js';
import { withOutputDir } from '../store/output-dir.js';
import { createJobRunner, type RunnerBackend } from '../jobs/runner.js';
import { siblingModuleUrl } from '../jobs/module-url.js';
import { createProgress } from '../jobs/progress.js';
import { ESPEAK_SAMPLE_RATE, type Espeak, type VoiceConfig } from './espeak.js';
import { NOISE_TYPES, addNoiseAtSnr, makeNoise, type NoiseType } from './noise.js';
import { phoneSegments, wordPhones, type PhoneSegment } from './phone-map.js';
import { attachPrepauses } from './prepause.js';
import { DEFAULT_SPEAKER_RANGES, SPLITS, drawSpeakers, type Speaker, type SpeakerRanges, type Split } from './voices.js';
import { compareCLocale } from '../data/c-locale.js';

/** The TIDIGITS vocabulary. */
export const DIGIT_WORDS = ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

/** Everything that determines the corpus (with the seed: the same config gives the same bytes). */
export interface DigitsCorpusConfig {
  seed: number;
  utts: Record<Split, number>;
  speakers: Record<Split, number>;
  /** Words per utterance, uniform in [minWords, maxWords]. */
  minWords: number;
  maxWords: number;
  /** Speech-to-noise ratio range in dB (uniform per utterance). */
  snrDb: [number, number];
  /** Noise types, one drawn uniformly per utterance. */
  noiseTypes: NoiseType[];
  /** Overall gain range in dB (uniform per utterance; scaled down if it would clip). */
  gainDb: [number, number];
  /** Silence added before and after the synthesized speech, seconds (uniform, whole ms). */
  leadingSilenceSec: [number, number];
  trailingSilenceSec: [number, number];
  /** Per-utterance jitter on top of the speaker's voice: rate x (1 +- rateJitter), pitch and range +- these. */
  rateJitter: number;
  pitchJitter: number;
  pitchRangeJitter: number;
  speakerRanges: SpeakerRanges;
  /** Output sample rate (resampled from eSpeak's 22.05 kHz). */
  sampleRate: number;
}

/** Defaults sized for recipes/digits (--size default): 2,400/300/300 utterances, 24/4/4 speakers. */
export const DEFAULT_DIGITS_CONFIG: DigitsCorpusConfig = {
  seed: 1,
  utts: { train: 2400, dev: 300, test: 300 },
  speakers: { train: 24, dev: 4, test: 4 },
  minWords: 1,
  maxWords: 7,
  snrDb: [5, 25],
  noiseTypes: [...NOISE_TYPES],
  gainDb: [-10, 0],
  leadingSilenceSec: [0.1, 0.5],
  trailingSilenceSec: [0.1, 0.5],
  rateJitter: 0.08,
  pitchJitter: 4,
  pitchRangeJitter: 5,
  speakerRanges: DEFAULT_SPEAKER_RANGES,
  sampleRate: 16000,
};

/** One utterance with every random choice already made (structured-cloneable, sent to workers). */
export interface UttPlan {
  uttId: string;
  speakerId: string;
  split: Split;
  words: string[];
  voice: VoiceConfig;
  leadingSilenceMs: number;
  trailingSilenceMs: number;
  snrDb: number;
  noiseType: NoiseType;
  gainDb: number;
  /** Seed of this utterance's noise generator. */
  noiseSeed: string;
}

/** The whole corpus plan. */
export interface CorpusPlan {
  config: DigitsCorpusConfig;
  speakers: Speaker[];
  utts: UttPlan[];
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function checkRange(name: string, [lo, hi]: [number, number], min = -Infinity): void {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi || lo < min) {
    throw new InputError(`bad ${name} range ${lo}:${hi} (need LO <= HI${min > -Infinity ? `, LO >= ${min}` : ''})`);
  }
}

/** Check a config; InputError naming the bad setting. */
export function validateConfig(c: DigitsCorpusConfig): void {
  for (const s of SPLITS) {
    if (!Number.isInteger(c.utts[s]) || c.utts[s] < 1) throw new InputError(`--${s}-utts must be a positive integer`);
    if (!Number.isInteger(c.speakers[s]) || c.speakers[s] < 1) throw new InputError(`--${s}-speakers must be a positive integer`);
    if (c.utts[s] < c.speakers[s]) {
      throw new InputError(`${s} has ${c.speakers[s]} speakers but only ${c.utts[s]} utterances; every speaker needs one`);
    }
  }
  if (!(Number.isInteger(c.minWords) && c.minWords >= 1 && c.maxWords >= c.minWords)) {
    throw new InputError(`bad words-per-utterance range ${c.minWords}:${c.maxWords}`);
  }
  checkRange('--snr-db', c.snrDb);
  checkRange('--gain-db', c.gainDb);
  checkRange('leading silence', c.leadingSilenceSec, 0);
  checkRange('trailing silence', c.trailingSilenceSec, 0);
  if (c.noiseTypes.length === 0 || c.noiseTypes.some((t) => !(NOISE_TYPES as readonly string[]).includes(t))) {
    throw new InputError(`--noise must list some of ${NOISE_TYPES.join(', ')}, got '${c.noiseTypes.join(',')}'`);
  }
}

/** What else than the digits corpus a plan can be (the varied-words set of words.ts). */
export interface PlanOptions {
  /** Words drawn uniformly for each position (default DIGIT_WORDS). */
  vocabulary?: readonly string[];
  /** Splits that get utterances (default all); speakers are drawn for every split either way. */
  splits?: readonly Split[];
  /** Put between the speaker id and the number of an utterance id (`train01-w0001`); default ''. */
  uttIdTag?: string;
}

/**
 * Plan the corpus: speakers (see voices.ts), and for each utterance its words, jittered voice,
 * silences, noise and gain. Each utterance draws from its own seeded stream, so the plan of one
 * utterance does not depend on how many others there are or how they are split into jobs.
 * Speakers depend only on the seed and the speaker counts, so a plan with another `vocabulary`
 * and the same seed and counts has the same speakers (words.ts uses this).
 */
export function planCorpus(config: DigitsCorpusConfig, opts: PlanOptions = {}): CorpusPlan {
  validateConfig(config);
  const vocabulary = opts.vocabulary ?? DIGIT_WORDS;
  if (vocabulary.length === 0) throw new InputError('the vocabulary of a corpus plan is empty');
  const tag = opts.uttIdTag ?? '';
  const speakers = drawSpeakers(makeRng(config.seed, 'speakers'), config.speakers, { ranges: config.speakerRanges });
  const utts: UttPlan[] = [];
  for (const split of opts.splits ?? SPLITS) {
    const spks = speakers.filter((s) => s.split === split);
    const perSpeaker = new Map<string, number>();
    for (let i = 0; i < config.utts[split]; i++) {
      const spk = spks[i % spks.length];
      const n = (perSpeaker.get(spk.id) ?? 0) + 1;
      perSpeaker.set(spk.id, n);
      const uttId = `${spk.id}-${tag}${String(n).padStart(4, '0')}`;
      const rng = makeRng(config.seed, `utt/${uttId}`);
      const numWords = randInt(rng, config.minWords, config.maxWords);
      const words = Array.from({ length: numWords }, () => vocabulary[randInt(rng, 0, vocabulary.length - 1)]);
      const v = spk.voice;
      const voice: VoiceConfig = {
        accent: v.accent,
        ...(v.variant ? { variant: v.variant } : {}),
        // eSpeak takes integer rate/pitch/range (espeak_SetParameter).
        rateWpm: Math.round(clamp(v.rateWpm * (1 + randUniform(rng, -config.rateJitter, config.rateJitter)), 80, 450)),
        pitch: Math.round(clamp(v.pitch + randUniform(rng, -config.pitchJitter, config.pitchJitter), 0, 99)),
        pitchRange: Math.round(clamp(v.pitchRange + randUniform(rng, -config.pitchRangeJitter, config.pitchRangeJitter), 0, 99)),
      };
      utts.push({
        uttId,
        speakerId: spk.id,
        split,
        words,
        voice,
        leadingSilenceMs: Math.round(1000 * randUniform(rng, ...config.leadingSilenceSec)),
        trailingSilenceMs: Math.round(1000 * randUniform(rng, ...config.trailingSilenceSec)),
        snrDb: Math.round(100 * randUniform(rng, ...config.snrDb)) / 100,
        noiseType: config.noiseTypes[randInt(rng, 0, config.noiseTypes.length - 1)],
        gainDb: Math.round(100 * randUniform(rng, ...config.gainDb)) / 100,
        noiseSeed: `${config.seed}/noise/${uttId}`,
      });
    }
  }
  return { config, speakers, utts };
}

/** A rendered utterance: samples in [-1, 1) at `sampleRate` and its reference phone segmentation. */
export interface RenderedUtterance {
  samples: Float32Array;
  sampleRate: number;
  /** Reference segmentation: eSpeak's phoneme times with each pre-pause given to its phoneme (prepause.ts). */
  segments: PhoneSegment[];
  /** The same from eSpeak's raw phoneme event times (a pre-pause counted in the previous phoneme). */
  rawSegments: PhoneSegment[];
  /** The lexicon phones eSpeak said for each word of the plan (pauses left out). */
  wordPhones: string[][];
}

/** Peak level we scale down to when the gain would clip (16-bit full scale is 1). */
const MAX_PEAK = 0.98;

/**
 * Render one planned utterance: synthesize at 22.05 kHz, resample to `sampleRate` (band-limited,
 * data/resample.ts), add the leading/trailing silence, noise at the planned SNR (speech power
 * measured without the silences), then the gain. Phone times are shifted by the leading silence.
 */
export function renderUtterance(plan: UttPlan, espeak: Espeak, sampleRate: number): RenderedUtterance {
  const syn = espeak.synthesize(plan.words.join(' '), plan.voice);
  const speech = resample(syn.samples, ESPEAK_SAMPLE_RATE, sampleRate);
  const lead = Math.round((plan.leadingSilenceMs * sampleRate) / 1000);
  const trail = Math.round((plan.trailingSilenceMs * sampleRate) / 1000);
  const out = new Float32Array(lead + speech.length + trail);
  out.set(speech, lead);
  const noise = makeNoise(plan.noiseType, makeRng(plan.noiseSeed), out.length, sampleRate);
  addNoiseAtSnr(out, noise, plan.snrDb, lead, lead + speech.length);
  let gain = 10 ** (plan.gainDb / 20);
  let peak = 0;
  for (let i = 0; i < out.length; i++) peak = Math.max(peak, Math.abs(out[i]));
  if (peak * gain > MAX_PEAK) gain = MAX_PEAK / peak;
  for (let i = 0; i < out.length; i++) out[i] *= gain;
  const at = { offsetSec: plan.leadingSilenceMs / 1000 };
  // Pre-pauses are read off the clean 22.05 kHz synthesis: digital silence, before resampling and noise.
  const segments = phoneSegments(attachPrepauses(syn.phones, syn.samples, syn.sampleRate), out.length / sampleRate, at);
  const rawSegments = phoneSegments(syn.phones, out.length / sampleRate, at);
  return { samples: out, sampleRate, segments, rawSegments, wordPhones: wordPhones(syn.phones, plan.words.length) };
}

/** Phone CTM lines for one utterance: `uttid 1 start duration phone` (seconds, 3 decimals). */
export function formatPhoneCtm(uttId: string, segments: PhoneSegment[]): string {
  return segments
    .map((s) => `${uttId} 1 ${s.startSec.toFixed(3)} ${(s.endSec - s.startSec).toFixed(3)} ${s.phone}\n`)
    .join('');
}

/** What a worker returns for each utterance it wrote. */
export interface WrittenUtterance {
  uttId: string;
  durationSec: number;
  /** phones.ctm lines (pre-pauses attached to their phonemes). */
  ctm: string;
  /** phones.raw.ctm lines (eSpeak's raw phoneme event times). */
  rawCtm: string;
  /** The lexicon phones eSpeak said for each word (phone-map.ts wordPhones). */
  wordPhones: string[][];
}

/** Per-split and total figures of a generated corpus (also in OUT_DIR/corpus.json). */
export interface CorpusSummary {
  splits: Record<Split, { utts: number; speakers: number; hours: number; words: number }>;
  totalUtts: number;
  totalHours: number;
}

export interface MakeCorpusOptions {
  jobs?: number;
  backend?: RunnerBackend;
  /** No progress output (tests, library use). */
  quiet?: boolean;
  /** Utterances per job (default 16); does not change the output. */
  chunkSize?: number;
  /** Replace `outDir` even when it is not an earlier corpus (make-corpus --overwrite). */
  overwrite?: boolean;
}

/**
 * Generate the digits corpus into `outDir` (replaced atomically: the whole directory appears at
 * the end, or not at all; a non-empty `outDir` that is not an earlier corpus is refused unless
 * `overwrite`, see withOutputDir): `<split>/wav/*.wav` (16-bit mono), `<split>/{wav.scp,text,utt2spk,
 * spk2utt}` (wav.scp paths relative), `<split>/phones.ctm` (eSpeak's phone timings in the
 * lexicon's phone set, each phoneme's pre-pause silence attached to it), `<split>/phones.raw.ctm`
 * (eSpeak's raw phoneme event times) and `corpus.json` (config, speakers, sizes). Synthesis runs in workers.
 */
export async function makeDigitsCorpus(outDir: string, config: DigitsCorpusConfig, opts: MakeCorpusOptions = {}): Promise<CorpusSummary> {
  return writeCorpus(outDir, planCorpus(config), 'digits', opts);
}

/**
 * Render a planned corpus into `outDir` (atomically, see makeDigitsCorpus), one Kaldi data
 * directory per split that has utterances; `corpus.json` names the corpus `name`. With
 * `extraFiles`, more files are written into `outDir` from the rendered utterances (words.ts: the
 * pronunciations eSpeak used).
 */
export async function writeCorpus(
  outDir: string,
  plan: CorpusPlan,
  name: string,
  opts: MakeCorpusOptions & { extraFiles?: (written: Map<string, WrittenUtterance>) => Record<string, string> } = {},
): Promise<CorpusSummary> {
  const config = plan.config;
  const chunk = opts.chunkSize ?? 16;
  const splits = SPLITS.filter((s) => plan.utts.some((u) => u.split === s));
  return withOutputDir(outDir, { command: 'make-corpus', overwrite: opts.overwrite }, async (tmp) => {
    for (const s of splits) await fs.mkdir(path.join(tmp, s, 'wav'), { recursive: true });
    const specs = [];
    for (let i = 0; i < plan.utts.length; i += chunk) {
      specs.push({
        module: siblingModuleUrl(import.meta.url, 'synth-worker'),
        fn: 'synthesizeUtterances',
        input: { outDir: tmp, sampleRate: config.sampleRate, plans: plan.utts.slice(i, i + chunk) },
      });
    }
    const progress = createProgress({ label: `make-corpus ${name}`, total: plan.utts.length, unit: 'utts', quiet: opts.quiet ?? false });
    const runner = createJobRunner({ ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}), ...(opts.backend ? { backend: opts.backend } : {}) });
    const t0 = performance.now();
    let written: WrittenUtterance[][];
    let audioSec = 0;
    try {
      written = await runner.run<unknown, WrittenUtterance[]>(specs, {
        onMessage: (_i, msg) => {
          audioSec += (msg as { durationSec: number }).durationSec;
          const elapsed = (performance.now() - t0) / 1000;
          progress.increment(1, { 'x RT': (audioSec / Math.max(elapsed, 1e-3)).toFixed(1) });
        },
      });
    } finally {
      await runner.close();
    }
    const byId = new Map(written.flat().map((w) => [w.uttId, w]));
    const summary: CorpusSummary = { splits: {} as CorpusSummary['splits'], totalUtts: 0, totalHours: 0 };
    for (const split of SPLITS) {
      if (!splits.includes(split)) {
        summary.splits[split] = { utts: 0, speakers: 0, hours: 0, words: 0 };
        continue;
      }
      const utts = plan.utts.filter((u) => u.split === split).sort((a, b) => compareCLocale(a.uttId, b.uttId));
      const dir = path.join(tmp, split);
      await writeDataDir(
        dir,
        utts.map((u) => ({ uttId: u.uttId, speakerId: u.speakerId, wav: `wav/${u.uttId}.wav`, words: u.words })),
      );
      await fs.writeFile(path.join(dir, 'phones.ctm'), utts.map((u) => byId.get(u.uttId)!.ctm).join(''));
      await fs.writeFile(path.join(dir, 'phones.raw.ctm'), utts.map((u) => byId.get(u.uttId)!.rawCtm).join(''));
      const sec = utts.reduce((s, u) => s + byId.get(u.uttId)!.durationSec, 0);
      summary.splits[split] = {
        utts: utts.length,
        speakers: new Set(utts.map((u) => u.speakerId)).size,
        hours: Math.round((sec / 3600) * 1e4) / 1e4,
        words: utts.reduce((s, u) => s + u.words.length, 0),
      };
      summary.totalUtts += utts.length;
      summary.totalHours += sec / 3600;
    }
    summary.totalHours = Math.round(summary.totalHours * 1e4) / 1e4;
    await fs.writeFile(
      path.join(tmp, 'corpus.json'),
      JSON.stringify({ corpus: name, config, summary, speakers: plan.speakers }, null, 2) + '\n',
    );
    for (const [file, text] of Object.entries(opts.extraFiles?.(byId) ?? {})) await fs.writeFile(path.join(tmp, file), text);
    const wallSec = (performance.now() - t0) / 1000;
    progress.stop(
      `make-corpus ${name}: ${summary.totalUtts} utterances, ${(summary.totalHours * 60).toFixed(1)} min of audio in ${wallSec.toFixed(1)} s ` +
        `(${((summary.totalHours * 3600) / wallSec).toFixed(1)} x real time)`,
    );
    return summary;
  });
}
