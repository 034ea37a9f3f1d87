// prepare-lang: a vocabulary (word list or Kaldi-style text) + pronunciation dictionaries ->
// a language directory (what Kaldi's local/prepare_dict.sh + utils/prepare_lang.sh produce,
// without the FSTs).
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { loadCmudict } from './cmudict.js';
import { writeLangDir, type LangSpec } from './lang-dir.js';
import { compareCLocale } from '../data/c-locale.js';
import { addPronunciation, readLexicon, type Lexicon } from './lexicon.js';

/** How the vocabulary input is laid out. */
export type VocabularyFormat = 'wordlist' | 'text' | 'sentences';

/** Words of a vocabulary input with their counts, in first-seen order. */
export interface Vocabulary {
  format: VocabularyFormat;
  counts: Map<string, number>;
}

/**
 * Read the vocabulary from a word list (one word per line), a Kaldi `text` file (first column is
 * the utterance id) or plain sentences (every token a word). With `format: 'auto'` the layout is
 * detected: one token on every line = word list; otherwise, first tokens that are all distinct and
 * look like ids (contain a digit, `-` or `_`) or are never known words (`isKnown`) = Kaldi text;
 * else sentences.
 */
export function parseVocabulary(
  text: string,
  opts: { format?: VocabularyFormat | 'auto'; isKnown?: (word: string) => boolean } = {},
): Vocabulary {
  const lines = text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).filter((t) => t.length > 0))
    .filter((f) => f.length > 0);
  let format = opts.format ?? 'auto';
  if (format === 'auto') {
    if (lines.every((f) => f.length === 1)) format = 'wordlist';
    else {
      const firsts = lines.map((f) => f[0]);
      const distinct = new Set(firsts).size === firsts.length;
      const idLike = firsts.every((t) => /[0-9_-]/.test(t));
      const neverWords = opts.isKnown ? firsts.every((t) => !opts.isKnown!(t)) : false;
      format = distinct && (idLike || neverWords) ? 'text' : 'sentences';
    }
  }
  const counts = new Map<string, number>();
  for (const f of lines) {
    for (const w of format === 'text' ? f.slice(1) : f) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return { format, counts };
}

/** A pronunciation source: the built-in CMU dictionary or a Kaldi lexicon file. */
export type DictSource = 'cmudict' | string;

export interface PrepareLangOptions {
  /** Dictionaries to take pronunciations from; a word's pronunciations are the union over all (default ['cmudict']). */
  dicts?: DictSource[];
  /** Map OOV words to this garbage word (pronounced SPN) instead of failing. */
  oovWord?: string;
  /** Keep CMUdict's stress digits (AH0/AH1/AH2); default false. */
  keepStress?: boolean;
  /** Input layout; default 'auto'. */
  format?: VocabularyFormat | 'auto';
}

/** What prepare-lang found: the input layout, vocabulary size and OOV words with their counts. */
export interface PrepareLangReport {
  format: VocabularyFormat;
  /** Words with a pronunciation (the OOV word not counted). */
  numWords: number;
  numPronunciations: number;
  /** Out-of-vocabulary words, most frequent first. */
  oov: { word: string; count: number }[];
}

async function loadDicts(dicts: DictSource[], keepStress: boolean): Promise<Lexicon[]> {
  return Promise.all(dicts.map((d) => (d === 'cmudict' ? loadCmudict({ keepStress }) : readLexicon(d))));
}

function lookup(dicts: Lexicon[], word: string): string[][] {
  const out: Lexicon = new Map();
  for (const d of dicts) {
    // Exact spelling first; CMUdict (and most lexicons) are lower-case, transcripts often are not.
    const prons = d.get(word) ?? d.get(word.toLowerCase()) ?? [];
    for (const p of prons) addPronunciation(out, word, p);
  }
  return out.get(word) ?? [];
}

/** The OOV report line users see, e.g. `2 words (3 tokens) are not in cmudict: foo (2), bar (1)`. */
export function formatOovReport(oov: { word: string; count: number }[], dictNames: string): string {
  const tokens = oov.reduce((s, o) => s + o.count, 0);
  const list = oov.map((o) => `${o.word} (${o.count})`).join(', ');
  return `${oov.length} word${oov.length === 1 ? '' : 's'} (${tokens} token${tokens === 1 ? '' : 's'}) not in ${dictNames}: ${list}`;
}

/**
 * Pure core of prepare-lang: the lang spec for a vocabulary given loaded dictionaries. Throws an
 * InputError listing the OOV words (with counts) unless `oovWord` is set.
 */
export function buildLangSpec(
  vocab: Vocabulary,
  dicts: Lexicon[],
  opts: { oovWord?: string; what: string; dictNames: string },
): { spec: LangSpec; report: PrepareLangReport } {
  const lexicon: Lexicon = new Map();
  const oov: { word: string; count: number }[] = [];
  for (const [word, count] of vocab.counts) {
    if (word === opts.oovWord) continue;
    const prons = lookup(dicts, word);
    if (prons.length === 0) oov.push({ word, count });
    for (const p of prons) addPronunciation(lexicon, word, p);
  }
  oov.sort((a, b) => b.count - a.count || compareCLocale(a.word, b.word));
  if (oov.length > 0 && opts.oovWord === undefined) {
    throw new InputError(
      `${opts.what}: ${formatOovReport(oov, opts.dictNames)}. Add their pronunciations with --dict FILE (a Kaldi lexicon), ` +
        `or map them to a garbage word with --oov-word '<unk>'.`,
    );
  }
  if (lexicon.size === 0) throw new InputError(`${opts.what}: no word has a pronunciation; check the input file and --dict`);
  let numPronunciations = 0;
  for (const p of lexicon.values()) numPronunciations += p.length;
  const spec: LangSpec = { lexicon, ...(opts.oovWord !== undefined ? { oovWord: opts.oovWord } : {}) };
  return { spec, report: { format: vocab.format, numWords: lexicon.size, numPronunciations, oov } };
}

/**
 * prepare-lang: read the vocabulary from `inputFile`, look up pronunciations, write the language
 * directory `outDir` (see lang-dir.ts). Returns the report (OOV words when `oovWord` is set).
 */
export async function prepareLang(inputFile: string, outDir: string, opts: PrepareLangOptions = {}): Promise<PrepareLangReport> {
  const dictSources = opts.dicts && opts.dicts.length > 0 ? opts.dicts : ['cmudict'];
  let text: string;
  try {
    text = await fs.readFile(inputFile, 'utf8');
  } catch (e) {
    throw new InputError(`${inputFile}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)}); give a word list or a Kaldi text file`);
  }
  const dicts = await loadDicts(dictSources, opts.keepStress ?? false);
  const isKnown = (w: string) => dicts.some((d) => d.has(w) || d.has(w.toLowerCase()));
  const vocab = parseVocabulary(text, { format: opts.format ?? 'auto', isKnown });
  if (vocab.counts.size === 0) throw new InputError(`${inputFile}: no words found; give a word list or a Kaldi text file`);
  const { spec, report } = buildLangSpec(vocab, dicts, {
    ...(opts.oovWord !== undefined ? { oovWord: opts.oovWord } : {}),
    what: inputFile,
    dictNames: dictSources.join(' or '),
  });
  await writeLangDir(outDir, spec);
  return report;
}
