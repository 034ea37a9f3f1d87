// Kaldi language directory (data/lang/<name>/, the output of utils/prepare_lang.sh without the FSTs):
// phones.txt, silence_phones.txt, nonsilence_phones.txt, optional_silence.txt, words.txt,
// lexicon.txt, oov.txt (when a garbage word is configured) and grammar.jsgf (default grammar).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { produceAtomic, writeFileAtomic } from '../store/atomic.js';
import { compareCLocale } from '../data/c-locale.js';
import { addPronunciation, formatLexicon, lexiconPhones, parseLexicon, type Lexicon } from './lexicon.js';

/** The optional silence phone (Kaldi optional_silence.txt). */
export const SILENCE_PHONE = 'SIL';
/** The spoken-noise / garbage phone the OOV word is pronounced with (Kaldi `<unk> SPN`). */
export const NOISE_PHONE = 'SPN';

/** A language directory in memory; ids are the indices into `phones` and `words`. */
export interface LangDir {
  dir: string;
  phones: string[] /* index = id */;
  phoneIds: Map<string, number>;
  silencePhones: Set<string>;
  optionalSilence: string;
  words: string[];
  wordIds: Map<string, number>;
  lexicon: Map<string, string[][]>;
  oovWord?: string;
}

/** What a language directory is made from. */
export interface LangSpec {
  /** Pronunciations of every word (the OOV word's `SPN` entry is added when missing). */
  lexicon: Lexicon;
  /** Garbage word that out-of-vocabulary words map to, e.g. `<unk>`; absent = no OOV word. */
  oovWord?: string;
}

function jsgfToken(word: string): string {
  // JSGF tokens with grammar punctuation must be quoted (JSGF 1.0 spec, sec. 3.1 Tokens).
  return /^[\p{L}\p{N}'_.\-]+$/u.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * A JSGF word-loop grammar: one or more words from `words`, in any order.
 *
 * @example wordLoopJsgf(['one', 'two']) // '#JSGF V1.0;\ngrammar words;\npublic <utt> = ( one | two )+ ;\n'
 */
export function wordLoopJsgf(words: string[]): string {
  if (words.length === 0) throw new InputError('grammar.jsgf: the vocabulary is empty; give at least one word');
  return `#JSGF V1.0;\ngrammar words;\npublic <utt> = ( ${words.map(jsgfToken).join(' | ')} )+ ;\n`;
}

function symbolTable(symbols: string[]): string {
  return symbols.map((s, i) => `${s} ${i}\n`).join('');
}

/**
 * The files of a language directory as `{ fileName: content }` (pure; see `writeLangDir`).
 * phones.txt: `<eps>` 0, `SIL`, `SPN`, then the nonsilence phones in C-locale order (Kaldi
 * prepare_lang.sh numbering: silence phones first). words.txt: `<eps>` 0, the words in C-locale
 * order, then the OOV word.
 */
export function buildLangFiles(spec: LangSpec): Record<string, string> {
  const lexicon: Lexicon = new Map([...spec.lexicon].map(([w, p]) => [w, p.map((x) => [...x])]));
  const { oovWord } = spec;
  if (oovWord !== undefined) {
    if (!/^\S+$/.test(oovWord)) throw new InputError(`--oov-word '${oovWord}': a word must be one token without spaces`);
    addPronunciation(lexicon, oovWord, [NOISE_PHONE]);
  }
  const silence = [SILENCE_PHONE, NOISE_PHONE];
  const nonsilence = lexiconPhones(lexicon).filter((p) => !silence.includes(p));
  for (const p of nonsilence) {
    if (p.startsWith('#') || p === '<eps>') {
      throw new InputError(`lexicon: phone '${p}' is reserved (Kaldi uses '<eps>' and '#N' for disambiguation); rename it`);
    }
  }
  const words = [...lexicon.keys()].filter((w) => w !== oovWord).sort(compareCLocale);
  for (const w of words) {
    if (w === '<eps>' || w.startsWith('#')) throw new InputError(`lexicon: word '${w}' is reserved in words.txt; rename it`);
  }
  return {
    'phones.txt': symbolTable(['<eps>', ...silence, ...nonsilence]),
    'silence_phones.txt': silence.map((p) => `${p}\n`).join(''),
    'nonsilence_phones.txt': nonsilence.map((p) => `${p}\n`).join(''),
    'optional_silence.txt': `${SILENCE_PHONE}\n`,
    'words.txt': symbolTable(['<eps>', ...words, ...(oovWord !== undefined ? [oovWord] : [])]),
    'lexicon.txt': formatLexicon(lexicon),
    ...(oovWord !== undefined ? { 'oov.txt': `${oovWord}\n` } : {}),
    'grammar.jsgf': wordLoopJsgf(words),
  };
}

/**
 * Write a language directory. Each file is replaced atomically; other files in `dir` (for example
 * the sources under `local/`) are left alone, and a stale oov.txt is removed when there is no OOV word.
 */
export async function writeLangDir(dir: string, spec: LangSpec): Promise<void> {
  const files = buildLangFiles(spec);
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFileAtomic(path.join(dir, name), content);
  if (!('oov.txt' in files)) await fs.rm(path.join(dir, 'oov.txt'), { force: true });
}

async function readLangFile(dir: string, name: string, optional = false): Promise<string | undefined> {
  const file = path.join(dir, name);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(
      `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)}); is ${dir} a language directory made by 'asr-distill prepare-lang'?`,
    );
  }
}

/** Parse a Kaldi symbol table (`symbol id` per line, ids 0..N-1 in order, `<eps>` 0). */
export function parseSymbolTable(text: string, file: string): string[] {
  const symbols: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].trim().split(/\s+/).filter((f) => f.length > 0);
    if (fields.length === 0) continue;
    if (fields.length !== 2 || !/^\d+$/.test(fields[1])) {
      throw new InputError(`${file} line ${i + 1}: expected 'symbol id', got '${lines[i].trim()}'`);
    }
    const id = Number(fields[1]);
    if (id !== symbols.length) {
      throw new InputError(`${file} line ${i + 1}: id ${id} for '${fields[0]}' should be ${symbols.length} (ids must be 0, 1, 2, ... in order)`);
    }
    if (symbols.includes(fields[0])) throw new InputError(`${file} line ${i + 1}: '${fields[0]}' is listed twice`);
    symbols.push(fields[0]);
  }
  if (symbols[0] !== '<eps>') throw new InputError(`${file}: the first symbol must be '<eps> 0'`);
  return symbols;
}

function tokens(text: string): string[] {
  return text.split(/\s+/).filter((t) => t.length > 0);
}

/**
 * Read and check a language directory: every lexicon word is in words.txt, every lexicon phone
 * and silence phone is in phones.txt. Errors name the file and line.
 */
export async function readLangDir(dir: string): Promise<LangDir> {
  const phonesFile = path.join(dir, 'phones.txt');
  const wordsFile = path.join(dir, 'words.txt');
  const lexFile = path.join(dir, 'lexicon.txt');
  const phones = parseSymbolTable((await readLangFile(dir, 'phones.txt'))!, phonesFile);
  const words = parseSymbolTable((await readLangFile(dir, 'words.txt'))!, wordsFile);
  const phoneIds = new Map(phones.map((p, i) => [p, i]));
  const wordIds = new Map(words.map((w, i) => [w, i]));
  const silencePhones = new Set(tokens((await readLangFile(dir, 'silence_phones.txt'))!));
  for (const p of silencePhones) {
    if (!phoneIds.has(p)) throw new InputError(`${path.join(dir, 'silence_phones.txt')}: phone '${p}' is not in ${phonesFile}`);
  }
  const optional = tokens((await readLangFile(dir, 'optional_silence.txt'))!);
  if (optional.length !== 1 || !silencePhones.has(optional[0])) {
    throw new InputError(`${path.join(dir, 'optional_silence.txt')}: expected one silence phone (e.g. SIL), got '${optional.join(' ')}'`);
  }
  const lexText = (await readLangFile(dir, 'lexicon.txt'))!;
  const lexicon = parseLexicon(lexText, lexFile);
  const lexLines = lexText.split('\n');
  for (let i = 0; i < lexLines.length; i++) {
    const f = tokens(lexLines[i]);
    if (f.length === 0) continue;
    if (!wordIds.has(f[0])) throw new InputError(`${lexFile} line ${i + 1}: word '${f[0]}' is not in ${wordsFile}`);
    for (const p of f.slice(1)) {
      if (!phoneIds.has(p)) throw new InputError(`${lexFile} line ${i + 1}: phone '${p}' (word '${f[0]}') is not in ${phonesFile}`);
    }
  }
  const oovText = await readLangFile(dir, 'oov.txt', true);
  let oovWord: string | undefined;
  if (oovText !== undefined) {
    const t = tokens(oovText);
    if (t.length !== 1 || !wordIds.has(t[0])) {
      throw new InputError(`${path.join(dir, 'oov.txt')}: expected one word that is in ${wordsFile}, got '${t.join(' ')}'`);
    }
    oovWord = t[0];
  }
  return { dir, phones, phoneIds, silencePhones, optionalSilence: optional[0], words, wordIds, lexicon, ...(oovWord ? { oovWord } : {}) };
}

/** Where a model or alignment directory keeps the copy of the lang directory it was made with. */
export const MODEL_LANG_DIR = 'lang';

/**
 * Copy a lang directory to `toDir/lang/` (atomically: all or nothing), as every model and
 * alignment directory carries the lang it was made with; nothing to do when it is that copy.
 */
export async function copyLangDir(langDir: string, toDir: string): Promise<void> {
  const dest = path.join(toDir, MODEL_LANG_DIR);
  if (path.resolve(langDir) === path.resolve(dest)) return;
  await produceAtomic(dest, (tmp) => fs.cp(langDir, tmp, { recursive: true }));
}
