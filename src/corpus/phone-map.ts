// eSpeak-NG English phonemes -> the lexicon's phone set (CMUdict ARPAbet without stress), so that
// the synthesizer's own phone timings can be written as a reference phone alignment (phones.ctm).
//
// The table is keyed by eSpeak's phoneme *mnemonic* (espeak-ng phsource/ph_english*, as printed by
// `espeak-ng -x`), not by its IPA: a mnemonic names the lexical phoneme (`i:` is the FLEECE vowel
// in every accent) while its IPA is the accent's realization (West Midlands says FLEECE as [ei],
// PRICE as [ɔɪ]); CMUdict, like any phonemic lexicon, writes the lexical phoneme.
import type { EspeakPhone } from './espeak.js';

/** The optional-silence phone the lexicon uses (lang/lang-dir.ts SILENCE_PHONE). */
export const SIL = 'SIL';

/**
 * eSpeak English phoneme mnemonic -> ARPAbet phones. An empty list is a pause (written as SIL).
 * r-coloured vowels (`A@`, `e@`, `i@`, `O@`, `o@`, `U@`, `i@3`, `IR`, `VR`) map to the bare vowel;
 * `mapEspeakPhone` appends R when the accent realizes the vowel with r-colouring (IPA ending in ɹ),
 * so rhotic and non-rhotic accents both get what they actually say.
 */
export const ESPEAK_TO_ARPABET: Readonly<Record<string, readonly string[]>> = {
  // Pauses: `;` short hiatus pause between words (e.g. "three | eight"), `_` pauses.
  ';': [], '_': [], '_:': [], '_!': [], '_^_': [],
  // Plosives and affricates
  p: ['P'], b: ['B'], t: ['T'], t2: ['T'], 't#': ['T'] /* US flap ɾ: CMUdict has no DX */, d: ['D'], 'd#': ['D'],
  k: ['K'], g: ['G'], '?': ['T'] /* glottal stop: a /t/ realization (RP "button") */, tS: ['CH'], dZ: ['JH'],
  // Dental stops of en-029 are the TH/DH phonemes (Caribbean TH-stopping: "three" = [t̪ɹiː]).
  't[': ['TH'], 'd[': ['DH'],
  // Fricatives
  f: ['F'], v: ['V'], T: ['TH'], D: ['DH'], s: ['S'], z: ['Z'], S: ['SH'], Z: ['ZH'], h: ['HH'], x: ['K'] /* loch */,
  // Nasals and approximants
  m: ['M'], n: ['N'], 'n-': ['N'] /* syllabic n */, N: ['NG'], l: ['L'], 'l/': ['L'], r: ['R'], 'r-': ['R'],
  w: ['W'], 'w#': ['W'] /* ʍ "which": CMUdict W */, j: ['Y'],
  // Monophthongs
  '@': ['AH'], '@-': ['AH'], '@2': ['AH'], '@5': ['AH'], '@L': ['AH', 'L'], a: ['AE'], 'a#': ['AH'], aa: ['AE'] /* BATH: CMUdict is American */,
  'A:': ['AA'], A: ['AA'], E: ['EH'], I: ['IH'], I2: ['IH'], 'I#': ['IH'], i: ['IY'] /* happY */, 'i:': ['IY'],
  '0': ['AA'] /* LOT */, O: ['AO'], 'O:': ['AO'], O2: ['AO'], U: ['UH'], 'u:': ['UW'], V: ['AH'] /* STRUT */,
  '3': ['ER'], '3:': ['ER'],
  // Diphthongs
  aI: ['AY'], aI2: ['AY'], aU: ['AW'], eI: ['EY'], OI: ['OY'], oU: ['OW'], 'oU#': ['OW'],
  // r-coloured vowels and triphthongs (R appended for rhotic realizations, see above)
  'A@': ['AA'], 'e@': ['EH'], 'i@': ['IH'], 'i@3': ['IH'], IR: ['IH'], 'O@': ['AO'], 'o@': ['AO'], 'U@': ['UH'], VR: ['AH'],
  'aI@': ['AY', 'ER'], aI3: ['AY', 'ER'], 'aU@': ['AW', 'ER'],
  // Nasalized vowel in French loans ("restaurant" [ɔ̃]): CMUdict writes vowel + N.
  'O~': ['AO', 'N'],
};

/**
 * The ARPAbet phones for one eSpeak phoneme as the accent realized it (`ipa`, no stress marks).
 * Returns [] for a pause. Throws for a phoneme missing from the table (so new eSpeak phonemes
 * are noticed instead of silently mislabelled).
 *
 * @example mapEspeakPhone('o@', 'ɔːɹ') // ['AO', 'R'] (en-us "four"); mapEspeakPhone('o@', 'ɔː') // ['AO'] (RP)
 */
export function mapEspeakPhone(name: string, ipa: string): string[] {
  const base = ESPEAK_TO_ARPABET[name];
  if (!base) throw new Error(`phone-map: no ARPAbet mapping for eSpeak phoneme '${name}' (IPA '${ipa}'); add it to ESPEAK_TO_ARPABET`);
  const out = [...base];
  const last = out[out.length - 1];
  if (out.length > 0 && /ɹ$/u.test(ipa) && last !== 'R' && last !== 'ER') out.push('R');
  return out;
}

/** A stretch of time labelled with one lexicon phone. */
export interface PhoneSegment {
  phone: string;
  startSec: number;
  endSec: number;
}

/**
 * The lexicon phones of each word of a synthesis, pauses left out: what the aligner should find
 * for that word (one of its lexicon pronunciations).
 */
export function wordPhones(phones: EspeakPhone[], numWords: number): string[][] {
  const words: string[][] = Array.from({ length: numWords }, () => []);
  for (const p of phones) if (!p.isPause) words[p.wordIndex].push(...mapEspeakPhone(p.name, p.ipa));
  return words;
}

/**
 * A contiguous phone segmentation of [0, totalSec): eSpeak's phonemes mapped to lexicon phones and
 * shifted by `offsetSec` (silence added in front), with SIL filling the time before, between and
 * after them; adjacent SILs are merged. An eSpeak phoneme that maps to several phones (en-us
 * "four" [ɔːɹ] -> AO R) has its interval split equally. Boundaries are rounded to `resolutionSec`
 * (default 1 ms, eSpeak's event resolution) and never run past `totalSec`.
 */
export function phoneSegments(
  phones: EspeakPhone[],
  totalSec: number,
  opts: { offsetSec?: number; resolutionSec?: number } = {},
): PhoneSegment[] {
  const offset = opts.offsetSec ?? 0;
  const res = opts.resolutionSec ?? 0.001;
  const total = Math.floor(totalSec / res + 1e-9);
  const q = (sec: number) => Math.min(total, Math.max(0, Math.round((sec + offset) / res)));
  const ticks: { phone: string; start: number; end: number }[] = [];
  const push = (phone: string, start: number, end: number) => {
    if (end <= start) return;
    const prev = ticks[ticks.length - 1];
    if (prev && prev.phone === SIL && phone === SIL) prev.end = end;
    else ticks.push({ phone, start, end });
  };
  let t = 0;
  for (const p of phones) {
    const start = q(p.startSec);
    const end = q(p.endSec);
    push(SIL, t, start);
    const mapped = p.isPause ? [SIL] : mapEspeakPhone(p.name, p.ipa);
    const n = mapped.length;
    for (let k = 0; k < n; k++) {
      push(mapped[k], Math.max(start + Math.round(((end - start) * k) / n), t), start + Math.round(((end - start) * (k + 1)) / n));
    }
    t = Math.max(t, end);
  }
  push(SIL, t, total);
  return ticks.map((s) => ({ phone: s.phone, startSec: s.start * res, endSec: s.end * res }));
}
