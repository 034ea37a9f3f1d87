// The "varied words" set: the digits corpus's speakers saying random sequences of ordinary English
// words built from the digits' phones only, in many more contexts than the digits give them (TH
// before vowels and W, not only before R; Z after vowels and before several vowels; F, V, W, N, R
// next to many neighbours). It exists to train the flat-start monophone GMM (docs/alignment.md): in
// connected digits TH only ever precedes R and Z only precedes IH, so where one of such a pair ends
// and the other begins cannot be learnt from the digits alone.
//
// Everything but the vocabulary is the digits machinery (digits.ts planCorpus/writeCorpus): same
// speakers for the same seed and speaker counts (train speakers only: dev/test voices stay unheard),
// same jitter, silences, noise and gain, same reference phone timings (phones.ctm).
import type { Espeak } from './espeak.js';
import { ENGLISH_ACCENTS, tokenizePhonemeStrings } from './espeak.js';
import { InputError } from '../errors.js';
import { addPronunciation, formatLexicon, type Lexicon } from '../lang/lexicon.js';
import { DEFAULT_DIGITS_CONFIG, planCorpus, writeCorpus, type CorpusPlan, type CorpusSummary, type DigitsCorpusConfig, type MakeCorpusOptions } from './digits.js';
import { mapEspeakPhone } from './phone-map.js';

/** The nonsilence phones of data/lang/digits: every varied word uses only these, so a model trained on both has the digits' pdfs. */
export const DIGIT_PHONES: readonly string[] = ['AA', 'AH', 'AO', 'AY', 'EH', 'EY', 'F', 'IH', 'IY', 'K', 'N', 'OW', 'R', 'S', 'T', 'TH', 'UW', 'V', 'W', 'Z'];

/**
 * Ordinary English words whose eSpeak pronunciation, in all 8 English accents, uses DIGIT_PHONES
 * only (checked by test/corpus/words.test.ts through `variedWordsLexicon`). Chosen by hand from the
 * CMUdict words with such pronunciations (names and rare words left out) to put the digits' phones
 * in new contexts: TH before vowels (thin, thaw, theft, thigh), W (thwart) and after vowels (teeth,
 * faith, north); Z before vowels (zoo, zone, zest, visit, easy) and after many (size, rose, knees);
 * F/V/W/N/R before every vowel; the NEAR vowel of "zero" (near, fear, theory). The digit words
 * themselves are not in it ("four" is left out).
 */
export const VARIED_WORDS: readonly string[] = (
  'cake caught cave coast coat coffee cost cousin cozy crate crazy crease crow cut ease easy eighth ethics even ' +
  'eyes face faith fake fate feast fee fees feet fifteen fifth fifty fine fist fit foe fork fort forth fought ' +
  'fourth free freeze fries front frost froth froze frozen fruit fun fuzzy if invest invite is keen key kit kite ' +
  'knave knee knees knife knit knives know knows neat nest net nice night ninth noon nor north nose nosy not ' +
  'note nut oath often oven ozone queen quest quick quite quota quote race rain raise raisin rate rave raw ray ' +
  'reason reef reek rein rice rise roof rose rosy rot rows safe sake save saves saw season seat seek seen sees ' +
  'set seventh seventy sick sit site sixth size sizes skies snake sneeze sniff snow sock soon sort stick stiff ' +
  'stone stove stoves strain straw stray street strife stuff sun sway sweet swift take talk taught tease teen ' +
  'teeth tent tenth thaw theft thesis thick thief thieves thigh thin thought threat threw thrive throat throne ' +
  'throw thrown thrust thwart tick toes ton tone tooth torn train tree tries truth twenty twice twin twist vain ' +
  'vein vest vine visa visit vote votes wait wake walk wave waves way ways we weave week west wet white wife win ' +
  'wine wise wit wives woke won wore wove wreath write zenith zest zesty zone zones zoo ' +
  // NEAR vowel (eSpeak i@ -> IH, as in "zero"): without these, IH is trained on KIT vowels only and
  // the aligner takes "zero"'s other lexicon pronunciation Z IY R OW.
  'near fear fears rear sneer steer veer queer fierce weary theory series nearest'
).split(' ');

/** Words per phonemize call in `variedWordsLexicon` (a clause of words; fixed so the result is reproducible). */
const LEXICON_CHUNK = 40;

/**
 * The pronunciations eSpeak gives `words` in every English accent (rate 175, default voice),
 * mapped to lexicon phones with phone-map.ts exactly as phones.ctm is: a Kaldi lexicon with one
 * line per distinct pronunciation (e.g. `north N AO TH` for British accents, `north N AO R TH`
 * for rhotic ones). Words are phonemized in clauses of 40, like connected speech. Throws an
 * InputError naming the word and accent when a pronunciation uses a phone outside `phoneSet`.
 */
export function variedWordsLexicon(espeak: Espeak, words: readonly string[] = VARIED_WORDS, phoneSet: readonly string[] = DIGIT_PHONES): Lexicon {
  const allowed = new Set(phoneSet);
  const lex: Lexicon = new Map();
  for (const accent of ENGLISH_ACCENTS) {
    const voice = { accent, rateWpm: 175, pitch: 50, pitchRange: 50 };
    for (let i = 0; i < words.length; i += LEXICON_CHUNK) {
      const chunk = words.slice(i, i + LEXICON_CHUNK);
      const text = chunk.join(' ');
      const tokens = tokenizePhonemeStrings(espeak.phonemize(text, voice), espeak.phonemize(text, voice, true), `'${text}' (${accent})`);
      const prons: string[][] = chunk.map(() => []);
      for (const t of tokens) if (t.ipa !== '') prons[t.wordIndex].push(...mapEspeakPhone(t.name, t.ipa));
      chunk.forEach((w, k) => {
        const bad = prons[k].find((p) => !allowed.has(p));
        if (prons[k].length === 0 || bad) {
          throw new InputError(`varied words: eSpeak (${accent}) says '${w}' as '${prons[k].join(' ')}', ${bad ? `whose ${bad} is not one of the phones ${phoneSet.join(' ')}` : 'with no phones'}; leave the word out`);
        }
        addPronunciation(lex, w, prons[k]);
      });
    }
  }
  return lex;
}

/** Defaults of the varied-words set: the digits defaults, 2-7 words per utterance. */
export const DEFAULT_WORDS_CONFIG: DigitsCorpusConfig = { ...DEFAULT_DIGITS_CONFIG, minWords: 2, maxWords: 7 };

/**
 * Plan the varied-words set: `config.utts.train` utterances by the train speakers that the digits
 * corpus with the same seed and speaker counts has (dev/test utterance counts are not used), ids
 * `train01-w0001`... so that they never collide with the digits' `train01-0001`.
 */
export function planWordsCorpus(config: DigitsCorpusConfig, vocabulary: readonly string[] = VARIED_WORDS): CorpusPlan {
  return planCorpus(config, { vocabulary, splits: ['train'], uttIdTag: 'w' });
}

/**
 * Generate the varied-words set into `outDir` (atomically): `train/` (Kaldi data dir, WAVs,
 * phones.ctm, phones.raw.ctm), `corpus.json` and `lexicon.txt`, the pronunciations eSpeak actually
 * used in these utterances (each one of data/lang/digits-words' pronunciations).
 */
export async function makeWordsCorpus(outDir: string, config: DigitsCorpusConfig, opts: MakeCorpusOptions = {}): Promise<CorpusSummary> {
  const plan = planWordsCorpus(config);
  return writeCorpus(outDir, plan, 'words', {
    ...opts,
    extraFiles: (written) => {
      const lex: Lexicon = new Map();
      for (const u of plan.utts) written.get(u.uttId)!.wordPhones.forEach((p, k) => addPronunciation(lex, u.words[k], p));
      return { 'lexicon.txt': formatLexicon(lex) };
    },
  });
}
