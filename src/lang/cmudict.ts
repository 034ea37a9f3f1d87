// The CMU Pronouncing Dictionary (npm `cmu-pronouncing-dictionary`, 135k words, ARPAbet with
// lexical stress digits 0/1/2 on vowels) as a Lexicon.
import { addPronunciation, type Lexicon } from './lexicon.js';

/** Remove the lexical-stress digit from an ARPAbet vowel: `AH0` -> `AH`, `TH` -> `TH`. */
export function stripStress(phone: string): string {
  return phone.replace(/[012]$/, '');
}

/**
 * Build a Lexicon from CMUdict-style entries (`word` or `word(2)` -> `PH1 PH2 ...`). Alternative
 * pronunciations `word(N)` become extra lines of `word`; stress digits are removed unless
 * `keepStress` (CMUdict's AH0/AH1 distinction is rarely useful for acoustic models, and Kaldi's
 * CMUdict recipes strip it by default); duplicates created by stripping are merged.
 */
export function cmudictToLexicon(entries: Record<string, string>, opts: { keepStress?: boolean } = {}): Lexicon {
  const lex: Lexicon = new Map();
  // Object key order is the dictionary's order (word, word(2), ...), which keeps variant order.
  for (const [key, pron] of Object.entries(entries)) {
    const word = key.replace(/\(\d+\)$/, '');
    const phones = pron.trim().split(/\s+/);
    addPronunciation(lex, word, opts.keepStress ? phones : phones.map(stripStress));
  }
  return lex;
}

const cache = new Map<boolean, Promise<Lexicon>>();

/**
 * The CMU Pronouncing Dictionary as a Lexicon (lower-case words). Loaded once per process (about
 * 0.4 s); the same Promise is shared by later calls.
 */
export function loadCmudict(opts: { keepStress?: boolean } = {}): Promise<Lexicon> {
  const keepStress = opts.keepStress ?? false;
  let p = cache.get(keepStress);
  if (!p) {
    p = import('cmu-pronouncing-dictionary').then((m) => cmudictToLexicon(m.dictionary, { keepStress }));
    cache.set(keepStress, p);
  }
  return p;
}
