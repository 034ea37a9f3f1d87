import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEspeak } from '../../src/corpus/espeak.js';
import { DEFAULT_DIGITS_CONFIG, DIGIT_WORDS, planCorpus } from '../../src/corpus/digits.js';
import { DEFAULT_WORDS_CONFIG, DIGIT_PHONES, VARIED_WORDS, makeWordsCorpus, planWordsCorpus, variedWordsLexicon } from '../../src/corpus/words.js';
import { readDataDir } from '../../src/data/data-dir.js';
import { readLangDir } from '../../src/lang/lang-dir.js';
import { formatLexicon, parseLexicon } from '../../src/lang/lexicon.js';
import { prepareLang } from '../../src/lang/prepare-lang.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const digitsLang = path.join(root, 'data/lang/digits');
const wordsLang = path.join(root, 'data/lang/digits-words');

test('DIGIT_PHONES are the nonsilence phones of data/lang/digits; VARIED_WORDS has no digit word and no duplicate', async () => {
  const nonsil = (await readFile(path.join(digitsLang, 'nonsilence_phones.txt'), 'utf8')).trim().split('\n');
  assert.deepEqual([...DIGIT_PHONES], nonsil);
  assert.equal(new Set(VARIED_WORDS).size, VARIED_WORDS.length);
  for (const w of DIGIT_WORDS) assert.ok(!VARIED_WORDS.includes(w), w);
});

test('variedWordsLexicon reproduces the committed local/varied-lexicon.txt: every word, every accent, digit phones only', async () => {
  const lex = variedWordsLexicon(await getEspeak());
  assert.deepEqual([...lex.keys()].sort(), [...VARIED_WORDS].sort());
  for (const prons of lex.values()) for (const p of prons) for (const ph of p) assert.ok(DIGIT_PHONES.includes(ph), ph);
  // Accent differences are kept as pronunciations: non-rhotic and rhotic "north".
  assert.deepEqual(lex.get('north'), [['N', 'AO', 'TH'], ['N', 'AO', 'R', 'TH']]);
  assert.equal(formatLexicon(lex), await readFile(path.join(wordsLang, 'local/varied-lexicon.txt'), 'utf8'));
});

test('variedWordsLexicon refuses a word with a phone outside the set, naming word, accent and phone', async () => {
  const espeak = await getEspeak();
  assert.throws(() => variedWordsLexicon(espeak, ['dog']), {
    message: "varied words: eSpeak (en) says 'dog' as 'D AA G', whose D is not one of the phones AA AH AO AY EH EY F IH IY K N OW R S T TH UW V W Z; leave the word out",
  });
});

test('the committed data/lang/digits-words is reproduced by prepare-lang and has the digits phones', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'words-lang-'));
  try {
    const report = await prepareLang(path.join(wordsLang, 'local/wordlist.txt'), out, {
      dicts: [path.join(digitsLang, 'lexicon.txt'), path.join(wordsLang, 'local/varied-lexicon.txt')],
    });
    assert.equal(report.numWords, DIGIT_WORDS.length + VARIED_WORDS.length);
    assert.deepEqual(report.oov, []);
    const files = (await readdir(out)).sort();
    for (const f of files) assert.equal(await readFile(path.join(out, f), 'utf8'), await readFile(path.join(wordsLang, f), 'utf8'), f);
    const [a, b] = await Promise.all([readLangDir(digitsLang), readLangDir(wordsLang)]);
    assert.deepEqual(b.phones, a.phones);
    for (const w of DIGIT_WORDS) assert.deepEqual(b.lexicon.get(w), a.lexicon.get(w), w);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('planWordsCorpus: the digits corpus train speakers, train split only, w-tagged ids, 2-7 varied words; digits plans unchanged', () => {
  const config = { ...DEFAULT_WORDS_CONFIG, utts: { train: 40, dev: 5, test: 5 }, speakers: { train: 4, dev: 1, test: 1 } };
  const plan = planWordsCorpus(config);
  const digits = planCorpus({ ...DEFAULT_DIGITS_CONFIG, utts: config.utts, speakers: config.speakers });
  assert.deepEqual(plan.speakers, digits.speakers);
  assert.equal(plan.utts.length, 40);
  assert.deepEqual(new Set(plan.utts.map((u) => u.speakerId)), new Set(digits.speakers.filter((s) => s.split === 'train').map((s) => s.id)));
  for (const u of plan.utts) {
    assert.equal(u.split, 'train');
    assert.match(u.uttId, new RegExp(`^${u.speakerId}-w\\d{4}$`));
    assert.ok(u.words.length >= 2 && u.words.length <= 7);
    for (const w of u.words) assert.ok(VARIED_WORDS.includes(w), w);
  }
  assert.ok(new Set(plan.utts.flatMap((u) => u.words)).size > 60);
  // The options default to the digits corpus exactly (the recipe's corpus bytes depend on it).
  assert.deepEqual(planCorpus(digits.config, {}), digits);
  assert.deepEqual(planCorpus(digits.config, { vocabulary: DIGIT_WORDS, uttIdTag: '' }), digits);
  assert.throws(() => planCorpus(digits.config, { vocabulary: [] }), { message: 'the vocabulary of a corpus plan is empty' });
});

test('makeWordsCorpus writes a train data dir, phones.ctm and the pronunciations eSpeak used', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'words-corpus-'));
  try {
    const out = path.join(dir, 'w');
    const config = { ...DEFAULT_WORDS_CONFIG, utts: { train: 6, dev: 1, test: 1 }, speakers: { train: 3, dev: 1, test: 1 }, seed: 3 };
    const summary = await makeWordsCorpus(out, config, { jobs: 1, quiet: true });
    assert.equal(summary.splits.train.utts, 6);
    assert.equal(summary.splits.train.speakers, 3);
    assert.deepEqual(summary.splits.dev, { utts: 0, speakers: 0, hours: 0, words: 0 });
    assert.deepEqual((await readdir(out)).sort(), ['.asr-distill-output.json', 'corpus.json', 'lexicon.txt', 'train']);
    assert.equal(JSON.parse(await readFile(path.join(out, 'corpus.json'), 'utf8')).corpus, 'words');
    const data = await readDataDir(path.join(out, 'train'));
    assert.deepEqual(data.utterances.map((u) => u.uttId), planWordsCorpus(config).utts.map((u) => u.uttId).sort());
    const ctm = await readFile(path.join(out, 'train/phones.ctm'), 'utf8');
    assert.deepEqual(new Set(ctm.trim().split('\n').map((l) => l.split(' ')[0])), new Set(data.utterances.map((u) => u.uttId)));
    // Every word eSpeak said has a lexicon pronunciation in data/lang/digits-words, up to a
    // linking R before a vowel (RP "saw it" S AO R): the aligner then takes the plain one.
    const lang = await readLangDir(wordsLang);
    const used = parseLexicon(await readFile(path.join(out, 'lexicon.txt'), 'utf8'), 'lexicon.txt');
    const said = new Set(data.utterances.flatMap((u) => u.words!));
    assert.deepEqual(new Set(used.keys()), said);
    for (const [w, prons] of used) {
      const known = lang.lexicon.get(w)!.map((p) => p.join(' '));
      for (const p of prons) assert.ok(known.includes(p.join(' ')) || known.includes(p.slice(0, -1).join(' ')), `${w}: ${p.join(' ')}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
