// eSpeak-NG (npm @echogarden/espeak-ng-emscripten: eSpeak-NG compiled to WebAssembly) as a
// deterministic synthesizer: text + voice configuration -> 22.05 kHz samples and the phoneme
// sequence with start/end times.
//
// Determinism: eSpeak's wave generator keeps state between calls (glottal phase, noise generator),
// so the same text synthesized twice gives different samples. All of that state lives in the wasm
// linear memory, so we snapshot the memory once after start-up and restore it before every
// utterance: each synthesis then starts from the same state, whatever ran before (and in whichever
// worker thread it runs).
import { InputError } from '../errors.js';

/** eSpeak-NG's output rate (espeak_Initialize reports 22050 Hz for every voice). */
export const ESPEAK_SAMPLE_RATE = 22050;

/** The English voices ("accents") eSpeak-NG 1.51+ ships (espeak-ng-data/lang/gmw/en*). */
export const ENGLISH_ACCENTS = [
  'en', // Great Britain (southern), the eSpeak default English
  'en-us',
  'en-gb-scotland',
  'en-gb-x-rp',
  'en-029', // Caribbean
  'en-gb-x-gbclan', // Lancaster
  'en-gb-x-gbcwmd', // West Midlands
  'en-us-nyc',
] as const;
export type EnglishAccent = (typeof ENGLISH_ACCENTS)[number];

/** One speaker's voice: accent, optional voice variant (espeak-ng-data/voices/!v/<name>), prosody. */
export interface VoiceConfig {
  accent: EnglishAccent;
  /** Voice variant file name (e.g. `m3`, `f2`, `Andy`); empty or absent = the accent's default voice. */
  variant?: string;
  /** Speaking rate in words per minute (eSpeak `-s`, 80..450, default 175). */
  rateWpm: number;
  /** Base pitch (eSpeak `-p`, 0..99, default 50). */
  pitch: number;
  /** Pitch range (espeakRANGE, 0..99, default 50; 0 = monotone). */
  pitchRange: number;
}

/** One phoneme as eSpeak spoke it. Pauses have `isPause` and an empty `ipa`. */
export interface EspeakPhone {
  /** eSpeak phoneme mnemonic without stress marks (`i@`, `oU`, `T`, `;` for a pause). */
  name: string;
  /** IPA as the accent realizes it, without stress marks (`iə`, `əʊ`, `θ`, `` for a pause). */
  ipa: string;
  /** Index of the word in the synthesized text it belongs to. */
  wordIndex: number;
  isPause: boolean;
  /** Primary (1), secondary (2) or no (0) stress, from eSpeak's `'` and `,` marks. */
  stress: 0 | 1 | 2;
  startSec: number;
  endSec: number;
}

/** The result of synthesizing one text. */
export interface Synthesis {
  /** Mono samples in [-1, 1) at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
  /** Phonemes in time order; the time before the first and after the last is silence. */
  phones: EspeakPhone[];
}

/** What the Emscripten module exposes that we use (see espeak-ng.js in the package). */
interface EspeakEvent {
  type: string;
  audio_position: number;
  id: string | number | null;
}
interface EspeakWorker {
  set_voice(name: string): number;
  set_rate(v: number): void;
  set_pitch(v: number): void;
  set_range(v: number): void;
  convert_to_phonemes(text: string, ipa: boolean): { ptr: number };
  synthesize(text: string, cb: (samples: Int16Array | null, events: EspeakEvent[]) => number): void;
  list_voices(): { name: string; identifier: string; languages: { priority: number; name: string }[] }[];
}
interface EspeakModule {
  HEAPU8: Uint8Array;
  eSpeakNGWorker: new () => EspeakWorker;
  FS: { readdir(path: string): string[]; readFile(path: string, opts: { encoding: 'utf8' }): string };
}

const VARIANTS_DIR = '/usr/share/espeak-ng-data/voices/!v';

/** eSpeak pause phonemes that can end a word (`;` short pause, `_` pauses). */
const PAUSE_MNEMONICS = new Set([';', '_', '_:', '_!', '_^_']);

/** IPA without spacing modifier letters (superscript letters U+02B0-U+02B8: ʰ ʲ ʷ ...; length marks are kept). */
function stripModifiers(ipa: string): string {
  return ipa.replace(/[\u02B0-\u02B8]/gu, '');
}

function splitStress(token: string): { name: string; stress: 0 | 1 | 2 } {
  // eSpeak marks stress with a prefix: ' primary, , secondary, % and = unstressed/syllabic.
  const m = /^(['ˈ,ˌ%=]*)(.*)$/u.exec(token)!;
  const stress = /['ˈ]/u.test(m[1]) ? 1 : /[,ˌ]/u.test(m[1]) ? 2 : 0;
  return { name: m[2], stress };
}

/**
 * Split eSpeak's phoneme-mnemonic and IPA strings for one clause (words separated by spaces,
 * phonemes by `_`) into aligned tokens. A pause phoneme (mnemonic `;` or `_`) has an empty IPA.
 */
export function tokenizePhonemeStrings(mnemonics: string, ipa: string, what: string): { name: string; ipa: string; wordIndex: number; stress: 0 | 1 | 2 }[] {
  const mWords = mnemonics.trim().split(/\s+/).filter((w) => w.length > 0);
  const iWords = ipa.trim().split(/\s+/).filter((w) => w.length > 0);
  if (mWords.length !== iWords.length) {
    throw new Error(`espeak: ${what}: ${mWords.length} words in '${mnemonics}' but ${iWords.length} in '${ipa}'`);
  }
  const out: { name: string; ipa: string; wordIndex: number; stress: 0 | 1 | 2 }[] = [];
  for (let w = 0; w < mWords.length; w++) {
    const ms = mWords[w].split('_').filter((t) => t.length > 0);
    const is = iWords[w].split('_');
    // A trailing `_` in the IPA string is the pause phoneme's (empty) IPA.
    if (is.length === ms.length + 1 && is[is.length - 1] === '') is.pop();
    // A word-final pause can also have no `_` at all in the IPA (en-gb-scotland "nosy" before a
    // pause: mnemonics `n_'oU_z_i_;`, IPA `n_ˈoː_z_eʲ`): the pause's IPA is empty either way.
    if (ms.length === is.length + 1 && PAUSE_MNEMONICS.has(splitStress(ms[ms.length - 1]).name)) is.push('');
    if (ms.length !== is.length) {
      throw new Error(`espeak: ${what}: word ${w + 1} has phonemes '${mWords[w]}' but IPA '${iWords[w]}'`);
    }
    for (let k = 0; k < ms.length; k++) {
      const { name, stress } = splitStress(ms[k]);
      out.push({ name, ipa: splitStress(is[k]).name, wordIndex: w, stress });
    }
  }
  return out;
}

/**
 * Attach times to the phoneme tokens from eSpeak's phoneme events (`audio_position` in ms). Every
 * non-final event is one token, in order; the extra empty events at the end are the clause-final
 * pause. A phoneme ends where the next event starts.
 */
export function timePhonemes(
  tokens: { name: string; ipa: string; wordIndex: number; stress: 0 | 1 | 2 }[],
  events: { positionMs: number; ipa: string }[],
  endMs: number,
  what: string,
): EspeakPhone[] {
  if (events.length < tokens.length) {
    throw new Error(`espeak: ${what}: ${events.length} phoneme events for ${tokens.length} phonemes`);
  }
  const phones: EspeakPhone[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const evIpa = splitStress(events[i].ipa).name;
    // The event can lack a spacing modifier letter that the transcription has (en-gb-scotland
    // happY vowel: event 'e', transcription 'eʲ'); it is the same phoneme.
    if (evIpa !== t.ipa && stripModifiers(evIpa) !== stripModifiers(t.ipa)) {
      throw new Error(`espeak: ${what}: phoneme ${i + 1} is '${evIpa}' in the audio but '${t.ipa}' (${t.name}) in the transcription`);
    }
    const end = i + 1 < events.length ? events[i + 1].positionMs : endMs;
    phones.push({ ...t, isPause: t.ipa === '', startSec: events[i].positionMs / 1000, endSec: end / 1000 });
  }
  for (let i = tokens.length; i < events.length; i++) {
    if (events[i].ipa !== '') throw new Error(`espeak: ${what}: unexpected phoneme '${events[i].ipa}' after the transcription`);
  }
  return phones;
}

/**
 * One eSpeak-NG instance (one per thread: the wasm module is not shareable between workers).
 * Create with `Espeak.create()`; it takes about 0.1-0.2 s.
 */
export class Espeak {
  private constructor(
    private readonly module: EspeakModule,
    private readonly worker: EspeakWorker,
    private readonly snapshot: Uint8Array,
    /** Voice variant names available in this build. */
    readonly variants: readonly string[],
  ) {}

  /** Load the wasm module and its 24 MB data package, and take the state snapshot. */
  static async create(): Promise<Espeak> {
    const factory = (await import('@echogarden/espeak-ng-emscripten')).default as unknown as () => Promise<EspeakModule>;
    // eSpeak seeds its random generator (breath and roughness noise of variants such as f2/f3)
    // from time() when it initialises: freeze the clock meanwhile, so that every instance starts
    // (and every snapshot restore returns) to the same generator state and a seed gives the same bytes.
    const dateNow = Date.now;
    Date.now = () => 0;
    let module: EspeakModule, worker: EspeakWorker;
    try {
      module = await factory();
      worker = new module.eSpeakNGWorker();
    } finally {
      Date.now = dateNow;
    }
    const variants = module.FS.readdir(VARIANTS_DIR).filter((f) => !f.startsWith('.'));
    return new Espeak(module, worker, module.HEAPU8.slice(), variants);
  }

  /** The English voices this build has (eSpeak identifiers and language names). */
  englishVoices(): { identifier: string; name: string; languages: string[] }[] {
    return this.worker
      .list_voices()
      .filter((v) => v.languages.some((l) => l.name === 'en' || l.name.startsWith('en-')))
      .map((v) => ({ identifier: v.identifier, name: v.name, languages: v.languages.map((l) => l.name) }));
  }

  /** The `gender` line of a variant file (`male`, `female`, or `unknown`). */
  variantGender(variant: string): string {
    if (!this.variants.includes(variant)) throw new InputError(`espeak: unknown voice variant '${variant}'`);
    const text = this.module.FS.readFile(`${VARIANTS_DIR}/${variant}`, { encoding: 'utf8' });
    return /^\s*gender\s+(\S+)/m.exec(text)?.[1] ?? 'unknown';
  }

  /**
   * The frequency factors (percent) of formants 1-3 in a variant file (`formant N freq height
   * width`); a formant the file does not set keeps the base voice's frequency (100).
   */
  variantFormantFactors(variant: string): [number, number, number] {
    if (!this.variants.includes(variant)) throw new InputError(`espeak: unknown voice variant '${variant}'`);
    const text = this.module.FS.readFile(`${VARIANTS_DIR}/${variant}`, { encoding: 'utf8' });
    const f: [number, number, number] = [100, 100, 100];
    for (const m of text.matchAll(/^\s*formant\s+([1-3])\s+(\d+)/gm)) f[Number(m[1]) - 1] = Number(m[2]);
    return f;
  }

  private restore(): void {
    const heap = this.module.HEAPU8; // re-read: the view is replaced when the memory grows
    heap.set(this.snapshot);
    // Memory grown since the snapshot must look freshly grown (zero), as malloc expects.
    if (heap.length > this.snapshot.length) heap.fill(0, this.snapshot.length);
  }

  private setVoice(voice: VoiceConfig): void {
    if (!(ENGLISH_ACCENTS as readonly string[]).includes(voice.accent)) {
      throw new InputError(`espeak: unknown accent '${voice.accent}'; use one of ${ENGLISH_ACCENTS.join(', ')}`);
    }
    if (voice.variant && !this.variants.includes(voice.variant)) {
      // eSpeak silently ignores an unknown variant; we would rather say so.
      throw new InputError(`espeak: unknown voice variant '${voice.variant}'; this build has ${this.variants.join(', ')}`);
    }
    const name = voice.variant ? `${voice.accent}+${voice.variant}` : voice.accent;
    const rc = this.worker.set_voice(name);
    if (rc !== 0) throw new Error(`espeak: set_voice('${name}') failed with code ${rc}`);
    this.worker.set_rate(Math.round(voice.rateWpm));
    this.worker.set_pitch(Math.round(voice.pitch));
    this.worker.set_range(Math.round(voice.pitchRange));
  }

  private cString(ptr: number): string {
    const heap = this.module.HEAPU8;
    let end = ptr;
    while (heap[end] !== 0) end++;
    return new TextDecoder().decode(heap.subarray(ptr, end));
  }

  /** eSpeak's phoneme mnemonics (`ipa` false) or IPA for `text` with `voice`, e.g. `z_'i@_r_oU`. */
  phonemize(text: string, voice: VoiceConfig, ipa = false): string {
    this.restore();
    this.setVoice(voice);
    return this.cString(this.worker.convert_to_phonemes(text, ipa).ptr);
  }

  /**
   * Synthesize `text` (one clause: words without punctuation) with `voice`. Deterministic: the same
   * text and voice give the same samples and times in any order and any thread.
   */
  synthesize(text: string, voice: VoiceConfig): Synthesis {
    const what = `'${text}' (${voice.accent}${voice.variant ? '+' + voice.variant : ''})`;
    this.restore();
    this.setVoice(voice);
    const mnemonics = this.cString(this.worker.convert_to_phonemes(text, false).ptr);
    const ipa = this.cString(this.worker.convert_to_phonemes(text, true).ptr);
    const tokens = tokenizePhonemeStrings(mnemonics, ipa, what);
    this.restore();
    this.setVoice(voice);
    const chunks: Int16Array[] = [];
    const events: { positionMs: number; ipa: string }[] = [];
    let endMs = 0;
    this.worker.synthesize(text, (samples, evs) => {
      if (samples && samples.length > 0) chunks.push(samples);
      for (const e of evs) {
        if (e.type === 'phoneme') events.push({ positionMs: e.audio_position, ipa: String(e.id ?? '') });
        if (e.type === 'end') endMs = e.audio_position;
      }
      return 0; // 0 = continue
    });
    let n = 0;
    for (const c of chunks) n += c.length;
    const samples = new Float32Array(n);
    let o = 0;
    for (const c of chunks) for (let i = 0; i < c.length; i++) samples[o++] = c[i] / 32768;
    endMs = Math.max(endMs, (1000 * n) / ESPEAK_SAMPLE_RATE);
    return { samples, sampleRate: ESPEAK_SAMPLE_RATE, phones: timePhonemes(tokens, events, endMs, what) };
  }
}

let shared: Promise<Espeak> | undefined;

/** The Espeak instance of this thread (created on first use). */
export function getEspeak(): Promise<Espeak> {
  shared ??= Espeak.create();
  return shared;
}
