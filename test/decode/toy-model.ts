// A tiny language directory and monophone transition model for decoder tests, plus oracle
// log-likelihoods from a synthetic alignment (0 for the aligned pdf, -20 elsewhere).
import type { LangDir } from '../../src/lang/lang-dir.js';
import type { PhoneHmm, TransitionModel } from '../../src/hmm/transition-model.js';
import { pdfMap } from '../../src/hmm/transition-model.js';
import { makeRng, randInt, type Rng } from '../../src/data/random.js';

export const TOY_LEXICON: [string, string[]][] = [
  ['eight', ['EY', 'T']],
  ['five', ['F', 'AY', 'V']],
  ['four', ['F', 'AO', 'R']],
  ['four', ['F', 'AO']],
  ['nine', ['N', 'AY', 'N']],
  ['oh', ['OW']],
  ['one', ['W', 'AH', 'N']],
  ['seven', ['S', 'EH', 'V', 'AH', 'N']],
  ['six', ['S', 'IH', 'K', 'S']],
  ['three', ['TH', 'R', 'IY']],
  ['two', ['T', 'UW']],
  ['zero', ['Z', 'IH', 'R', 'OW']],
  ['zero', ['Z', 'IY', 'R', 'OW']],
];

export function toyLang(): LangDir {
  const lexicon = new Map<string, string[][]>();
  for (const [w, p] of TOY_LEXICON) lexicon.set(w, [...(lexicon.get(w) ?? []), p]);
  const nonsil = [...new Set(TOY_LEXICON.flatMap(([, p]) => p))].sort();
  const phones = ['<eps>', 'SIL', 'SPN', ...nonsil];
  const words = ['<eps>', ...[...lexicon.keys()].sort()];
  return {
    dir: 'toy-lang',
    phones,
    phoneIds: new Map(phones.map((p, i) => [p, i])),
    silencePhones: new Set(['SIL', 'SPN']),
    optionalSilence: 'SIL',
    words,
    wordIds: new Map(words.map((w, i) => [w, i])),
    lexicon,
  };
}

/** 3-state left-to-right HMMs (self-loop 0.6), 5 states for SIL, one pdf per state. */
export function toyTransitionModel(lang: LangDir): TransitionModel {
  let pdf = 0;
  const phones: (PhoneHmm | null)[] = lang.phones.map((phone, phoneId) => {
    if (phone === '<eps>') return null;
    const n = phone === 'SIL' ? 5 : 3;
    return {
      phone,
      phoneId,
      states: Array.from({ length: n }, (_, i) => ({ pdfId: pdf++, arcs: [{ to: i, logProb: Math.log(0.6) }, { to: i + 1, logProb: Math.log(0.4) }] })),
    };
  });
  return { phones, numPdfs: pdf, pdfToState: pdfMap(phones) };
}

/** A synthetic alignment of `words` (random pronunciations, dwell times, optional silences). */
export function oracleLogLikes(rng: Rng, lang: LangDir, tm: TransitionModel, words: string[]): { logLikes: Float32Array; numFrames: number; pdfs: number[] } {
  const pdfs: number[] = [];
  const phone = (p: string) => {
    for (const s of tm.phones[lang.phoneIds.get(p)!]!.states) for (let k = randInt(rng, 1, 4); k > 0; k--) pdfs.push(s.pdfId);
  };
  if (rng() < 0.5) phone('SIL');
  for (const w of words) {
    const prons = lang.lexicon.get(w)!;
    for (const p of prons[randInt(rng, 0, prons.length - 1)]) phone(p);
    if (rng() < 0.4) phone('SIL');
  }
  const numFrames = pdfs.length;
  const logLikes = new Float32Array(numFrames * tm.numPdfs).fill(-20);
  pdfs.forEach((p, t) => (logLikes[t * tm.numPdfs + p] = 0));
  return { logLikes, numFrames, pdfs };
}

export function randomWords(rng: Rng, vocab: string[], min: number, max: number): string[] {
  return Array.from({ length: randInt(rng, min, max) }, () => vocab[randInt(rng, 0, vocab.length - 1)]);
}

export { makeRng };
