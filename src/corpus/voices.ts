// Speakers of the synthetic corpus: a speaker is a fixed eSpeak voice configuration (accent,
// voice variant, speaking rate, pitch, pitch range) drawn from the seed.
import { InputError } from '../errors.js';
import { randUniform, shuffleInPlace, type Rng } from '../data/random.js';
import { ENGLISH_ACCENTS, type EnglishAccent, type VoiceConfig } from './espeak.js';

/**
 * Formant frequency factors (percent of the base voice) a human vocal tract can produce: adult
 * vocal tract lengths differ by roughly +-25%, and formant frequencies scale inversely with it
 * (women's formants lie ~15-20% above men's), so F1-F3 factors outside 70-135% are effects.
 */
export const HUMAN_FORMANT_FACTOR_RANGE: readonly [number, number] = [70, 135];

/**
 * Voice variants (espeak-ng-data/voices/!v) that sound like a human talker. Left out: robotic or
 * effect voices (klatt*, robosoft*, UniRobot, anikaRobot, whisper*, croak, Demonic, Storm, Tweaky,
 * AnxiousAndy, fast, announcer...), near-duplicates (Gene2, edward2, steph2/3, mike2, iven2-4), and
 * variants whose F1-F3 factors leave HUMAN_FORMANT_FACTOR_RANGE (Andy F3 0%, Jacky F3 15%, Lee F3 9%,
 * Michael F3 59%, boris F3 57%, travis F1 50%, shelby F2 140%, zac 145%): a test checks every
 * variant here against the variant files. '' is the accent's own default voice.
 */
export const HUMAN_VARIANTS: readonly string[] = [
  '', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'f1', 'f2', 'f3', 'f4', 'f5',
  'Alex', 'Annie', 'Denis', 'Gene', 'Mike', 'Reed', 'adam', 'anika', 'aunty',
  'belinda', 'benjamin', 'caleb', 'david', 'ed', 'edward', 'grandma', 'grandpa', 'ian', 'john', 'linda',
  'max', 'norbert', 'paul', 'quincy', 'rob', 'robert', 'steph', 'victor',
];

/** Ranges speaker voices are drawn from (uniformly). */
export interface SpeakerRanges {
  rateWpm: [number, number];
  pitch: [number, number];
  pitchRange: [number, number];
}

/** Rates around eSpeak's default 175 wpm; pitch and range around its default 50. */
export const DEFAULT_SPEAKER_RANGES: SpeakerRanges = { rateWpm: [140, 210], pitch: [25, 75], pitchRange: [20, 80] };

export type Split = 'train' | 'dev' | 'test';
export const SPLITS: readonly Split[] = ['train', 'dev', 'test'];

/** One speaker of the corpus. */
export interface Speaker {
  id: string;
  split: Split;
  voice: VoiceConfig;
}

/** Speaker id: split prefix and a 2-digit number (`train01`, `dev03`); utterance ids start with it (Kaldi sorting). */
export function speakerId(split: Split, index: number): string {
  return `${split}${String(index + 1).padStart(2, '0')}`;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Draw the speakers of all splits. Every speaker has its own (accent, variant) pair, and dev/test
 * speakers use voice variants that no train speaker uses, so held-out speakers are new timbres,
 * not just new accents or prosody. Accents are spread evenly over each split (in a seeded order).
 */
export function drawSpeakers(
  rng: Rng,
  counts: Record<Split, number>,
  opts: { ranges?: SpeakerRanges; variants?: readonly string[]; accents?: readonly EnglishAccent[] } = {},
): Speaker[] {
  const ranges = opts.ranges ?? DEFAULT_SPEAKER_RANGES;
  const accents = opts.accents ?? ENGLISH_ACCENTS;
  const variants = shuffleInPlace(rng, [...(opts.variants ?? HUMAN_VARIANTS)]);
  const heldOut = counts.dev + counts.test;
  const trainVariants = variants.slice(heldOut);
  if (heldOut > variants.length - 1 || counts.train > trainVariants.length * accents.length) {
    throw new InputError(
      `${counts.train} train + ${heldOut} dev/test speakers do not fit ${variants.length} voice variants x ${accents.length} accents ` +
        `(dev/test speakers need variants of their own); use fewer speakers`,
    );
  }
  const speakers: Speaker[] = [];
  const draw = (split: Split, index: number, accent: EnglishAccent, variant: string): Speaker => ({
    id: speakerId(split, index),
    split,
    voice: {
      accent,
      ...(variant ? { variant } : {}),
      rateWpm: round1(randUniform(rng, ...ranges.rateWpm)),
      pitch: round1(randUniform(rng, ...ranges.pitch)),
      pitchRange: round1(randUniform(rng, ...ranges.pitchRange)),
    },
  });
  // Train: accents cycle in a shuffled order; variants are used once each before any is reused
  // (with another accent), so train speakers differ in timbre as much as the variants allow.
  const accentOrder = shuffleInPlace(rng, [...accents]);
  const used = new Set<string>();
  for (let i = 0; i < counts.train; i++) {
    const accent = accentOrder[i % accentOrder.length];
    let k = i;
    while (used.has(`${accent}+${trainVariants[k % trainVariants.length]}`)) k++;
    const variant = trainVariants[k % trainVariants.length];
    used.add(`${accent}+${variant}`);
    speakers.push(draw('train', i, accent, variant));
  }
  let v = 0;
  for (const split of ['dev', 'test'] as const) {
    const order = shuffleInPlace(rng, [...accents]);
    for (let i = 0; i < counts[split]; i++) speakers.push(draw(split, i, order[i % order.length], variants[v++]));
  }
  assertDisjointSpeakers(speakers);
  return speakers;
}

/**
 * Check that no dev/test speaker's voice occurs in train (same id, same accent+variant pair, or
 * same voice variant); throws an Error naming the pair otherwise.
 */
export function assertDisjointSpeakers(speakers: Speaker[]): void {
  const train = speakers.filter((s) => s.split === 'train');
  const ids = new Set<string>();
  for (const s of speakers) {
    if (ids.has(s.id)) throw new Error(`speakers: duplicate speaker id ${s.id}`);
    ids.add(s.id);
  }
  const trainVariants = new Set(train.map((s) => s.voice.variant ?? ''));
  for (const s of speakers) {
    if (s.split === 'train') continue;
    if (trainVariants.has(s.voice.variant ?? '')) {
      throw new Error(`speakers: ${s.split} speaker ${s.id} uses voice variant '${s.voice.variant ?? ''}', which train speakers use too`);
    }
  }
}
