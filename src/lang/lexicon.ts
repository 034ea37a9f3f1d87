// Kaldi pronunciation lexicon (data/local/dict/lexicon.txt): one `word ph1 ph2 ...` per line,
// several lines per word for alternative pronunciations (Kaldi utils/prepare_lang.sh input).
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { compareCLocale } from '../data/c-locale.js';
import { writeFileAtomic } from '../store/atomic.js';

/** Word -> pronunciations (each a phone sequence), in the order they were first seen. */
export type Lexicon = Map<string, string[][]>;

/**
 * Add one pronunciation to `lex`, ignoring an exact duplicate of an existing one.
 * Returns true when it was new.
 */
export function addPronunciation(lex: Lexicon, word: string, phones: string[]): boolean {
  let prons = lex.get(word);
  if (!prons) {
    prons = [];
    lex.set(word, prons);
  }
  const key = phones.join(' ');
  if (prons.some((p) => p.join(' ') === key)) return false;
  prons.push([...phones]);
  return true;
}

/**
 * Parse Kaldi lexicon text. `what` names the source in errors (a file path).
 * Blank lines are skipped; a word without phones is an error (Kaldi rejects empty pronunciations).
 *
 * @example parseLexicon('one W AH N\none HH W AH N\n', 'lexicon.txt').get('one') // [['W','AH','N'], ['HH','W','AH','N']]
 */
export function parseLexicon(text: string, what: string): Lexicon {
  const lex: Lexicon = new Map();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].trim().split(/\s+/).filter((f) => f.length > 0);
    if (fields.length === 0) continue;
    if (fields.length === 1) {
      throw new InputError(
        `${what} line ${i + 1}: word '${fields[0]}' has no phones; a lexicon line is 'word phone1 phone2 ...'`,
      );
    }
    addPronunciation(lex, fields[0], fields.slice(1));
  }
  return lex;
}

/** Read a Kaldi lexicon file; InputError naming the file when it is missing or malformed. */
export async function readLexicon(file: string): Promise<Lexicon> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read lexicon (${(e as NodeJS.ErrnoException).code ?? String(e)}); give a Kaldi lexicon.txt`);
  }
  return parseLexicon(text, file);
}

/**
 * Kaldi lexicon text: words in C-locale order, each word's pronunciations in their original order,
 * `word ph1 ph2` separated by single spaces, newline-terminated.
 */
export function formatLexicon(lex: Lexicon): string {
  const words = [...lex.keys()].sort(compareCLocale);
  let out = '';
  for (const w of words) for (const p of lex.get(w)!) out += `${w} ${p.join(' ')}\n`;
  return out;
}

/** Write a lexicon atomically in Kaldi format. */
export async function writeLexicon(file: string, lex: Lexicon): Promise<void> {
  await writeFileAtomic(file, formatLexicon(lex));
}

/** All distinct phones used by a lexicon, in C-locale order. */
export function lexiconPhones(lex: Lexicon): string[] {
  const set = new Set<string>();
  for (const prons of lex.values()) for (const p of prons) for (const ph of p) set.add(ph);
  return [...set].sort(compareCLocale);
}
