import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLangSpec, formatOovReport, parseVocabulary, prepareLang } from '../../src/lang/prepare-lang.js';
import { readLangDir } from '../../src/lang/lang-dir.js';
import { parseLexicon } from '../../src/lang/lexicon.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const digits = path.join(root, 'data/lang/digits');

async function withTmp(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'prep-lang-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Twenty words of running text over two utterances, with one OOV word ('zorblat', twice).
const SENTENCES =
  'utt-001 the quick brown fox jumps over the lazy dog zorblat\n' +
  'utt-002 a small bird sang songs in the morning while zorblat\n';

test('parseVocabulary detects word lists, Kaldi text and plain sentences', () => {
  assert.equal(parseVocabulary('one\ntwo\n').format, 'wordlist');
  const text = parseVocabulary(SENTENCES);
  assert.equal(text.format, 'text');
  assert.equal(text.counts.get('the'), 3);
  assert.equal(text.counts.get('utt-001'), undefined);
  assert.equal([...text.counts.values()].reduce((a, b) => a + b, 0), 20);
  assert.equal(parseVocabulary('the cat sat\na dog ran\n', { isKnown: () => true }).format, 'sentences');
  assert.equal(parseVocabulary('spkA the cat\nspkB a dog\n', { isKnown: (w) => !w.startsWith('spk') }).format, 'text');
  assert.equal(parseVocabulary('x1 one\n', { format: 'sentences' }).counts.get('x1'), 1);
});

test('the committed data/lang/digits is reproduced byte for byte by prepare-lang', async () => {
  await withTmp(async (out) => {
    const report = await prepareLang(path.join(digits, 'local/wordlist.txt'), out, {
      dicts: ['cmudict', path.join(digits, 'local/accent-variants.txt')],
    });
    assert.deepEqual(report, { format: 'wordlist', numWords: 11, numPronunciations: 14, oov: [] });
    const files = (await readdir(out)).sort();
    assert.deepEqual(files, ['grammar.jsgf', 'lexicon.txt', 'nonsilence_phones.txt', 'optional_silence.txt', 'phones.txt', 'silence_phones.txt', 'words.txt']);
    for (const f of files) assert.equal(await readFile(path.join(out, f), 'utf8'), await readFile(path.join(digits, f), 'utf8'), f);
    const lang = await readLangDir(digits);
    assert.deepEqual(lang.words.slice(1).sort(), ['eight', 'five', 'four', 'nine', 'oh', 'one', 'seven', 'six', 'three', 'two', 'zero']);
  });
});

test('a 20-word sentence text with an OOV fails with a report, and --oov-word maps it to <unk> SPN', async () => {
  await withTmp(async (dir) => {
    const input = path.join(dir, 'text');
    await writeFile(input, SENTENCES);
    await assert.rejects(prepareLang(input, path.join(dir, 'lang')), {
      name: 'InputError',
      message:
        `${input}: 1 word (2 tokens) not in cmudict: zorblat (2). Add their pronunciations with --dict FILE (a Kaldi lexicon), ` +
        "or map them to a garbage word with --oov-word '<unk>'.",
    });
    await assert.rejects(readdir(path.join(dir, 'lang')), { code: 'ENOENT' }, 'nothing written on failure');
    const report = await prepareLang(input, path.join(dir, 'lang'), { oovWord: '<unk>' });
    assert.deepEqual(report.oov, [{ word: 'zorblat', count: 2 }]);
    assert.equal(report.format, 'text');
    assert.equal(report.numWords, 16, 'in-vocabulary word types');
    const lang = await readLangDir(path.join(dir, 'lang'));
    assert.equal(lang.oovWord, '<unk>');
    assert.deepEqual(lang.lexicon.get('<unk>'), [['SPN']]);
    assert.equal(lang.words.at(-1), '<unk>');
    assert.ok(!lang.wordIds.has('zorblat'));
    assert.deepEqual(lang.lexicon.get('quick'), [['K', 'W', 'IH', 'K']]);
    // The user's own lexicon fills the gap.
    const dict = path.join(dir, 'extra.txt');
    await writeFile(dict, 'zorblat Z AO R B L AE T\n');
    await prepareLang(input, path.join(dir, 'lang2'), { dicts: ['cmudict', dict], keepStress: true });
    const lang2 = await readLangDir(path.join(dir, 'lang2'));
    assert.deepEqual(lang2.lexicon.get('zorblat'), [['Z', 'AO', 'R', 'B', 'L', 'AE', 'T']]);
    assert.deepEqual(lang2.lexicon.get('quick'), [['K', 'W', 'IH1', 'K']]);
    assert.equal(lang2.oovWord, undefined);
  });
});

test('buildLangSpec is the pure core: OOV report sorted by count, then name', () => {
  const vocab = parseVocabulary('a\nb\nzz\nyy\nzz\n');
  const dict = parseLexicon('a EY\nb B IY\n', 'd');
  const { report } = buildLangSpec(vocab, [dict], { oovWord: '<unk>', what: 'in', dictNames: 'd' });
  assert.deepEqual(report.oov, [{ word: 'zz', count: 2 }, { word: 'yy', count: 1 }]);
  assert.equal(formatOovReport(report.oov, 'd'), '2 words (3 tokens) not in d: zz (2), yy (1)');
  assert.throws(() => buildLangSpec(parseVocabulary('q\n'), [dict], { oovWord: '<unk>', what: 'in', dictNames: 'd' }), {
    message: 'in: no word has a pronunciation; check the input file and --dict',
  });
});

test('prepareLang names an unreadable input or an empty one', async () => {
  await withTmp(async (dir) => {
    await assert.rejects(prepareLang(path.join(dir, 'missing'), path.join(dir, 'o')), {
      message: `${path.join(dir, 'missing')}: cannot read (ENOENT); give a word list or a Kaldi text file`,
    });
    await writeFile(path.join(dir, 'empty'), '\n \n');
    await assert.rejects(prepareLang(path.join(dir, 'empty'), path.join(dir, 'o')), {
      message: `${path.join(dir, 'empty')}: no words found; give a word list or a Kaldi text file`,
    });
  });
});
