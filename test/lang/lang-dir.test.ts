import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildLangFiles, copyLangDir, MODEL_LANG_DIR, parseSymbolTable, readLangDir, wordLoopJsgf, writeLangDir } from '../../src/lang/lang-dir.js';
import { parseLexicon } from '../../src/lang/lexicon.js';

const lex = () => parseLexicon('two T UW\none W AH N\none W AA N\n', 'x');

async function withTmp(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'langdir-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('buildLangFiles numbers phones <eps>, SIL, SPN, then sorted nonsilence phones; words then the OOV word', () => {
  const f = buildLangFiles({ lexicon: lex(), oovWord: '<unk>' });
  assert.equal(f['phones.txt'], '<eps> 0\nSIL 1\nSPN 2\nAA 3\nAH 4\nN 5\nT 6\nUW 7\nW 8\n');
  assert.equal(f['silence_phones.txt'], 'SIL\nSPN\n');
  assert.equal(f['nonsilence_phones.txt'], 'AA\nAH\nN\nT\nUW\nW\n');
  assert.equal(f['optional_silence.txt'], 'SIL\n');
  assert.equal(f['words.txt'], '<eps> 0\none 1\ntwo 2\n<unk> 3\n');
  assert.equal(f['lexicon.txt'], '<unk> SPN\none W AH N\none W AA N\ntwo T UW\n');
  assert.equal(f['oov.txt'], '<unk>\n');
  assert.equal(f['grammar.jsgf'], '#JSGF V1.0;\ngrammar words;\npublic <utt> = ( one | two )+ ;\n');
  assert.equal(buildLangFiles({ lexicon: lex() })['oov.txt'], undefined);
});

test('buildLangFiles rejects reserved phone and word names', () => {
  assert.throws(() => buildLangFiles({ lexicon: parseLexicon('a #0\n', 'x') }), {
    message: "lexicon: phone '#0' is reserved (Kaldi uses '<eps>' and '#N' for disambiguation); rename it",
  });
  assert.throws(() => buildLangFiles({ lexicon: parseLexicon('#1 AH\n', 'x') }), {
    message: "lexicon: word '#1' is reserved in words.txt; rename it",
  });
  assert.throws(() => buildLangFiles({ lexicon: lex(), oovWord: 'a b' }), {
    message: "--oov-word 'a b': a word must be one token without spaces",
  });
});

test('wordLoopJsgf quotes tokens with grammar punctuation and refuses an empty vocabulary', () => {
  assert.equal(wordLoopJsgf(["o'clock", 'a|b']), '#JSGF V1.0;\ngrammar words;\npublic <utt> = ( o\'clock | "a|b" )+ ;\n');
  assert.throws(() => wordLoopJsgf([]), { message: 'grammar.jsgf: the vocabulary is empty; give at least one word' });
});

test('writeLangDir + readLangDir round trip, leaving other files alone', async () => {
  await withTmp(async (dir) => {
    await writeFile(path.join(dir, 'keep.me'), 'x');
    await writeLangDir(dir, { lexicon: lex(), oovWord: '<unk>' });
    const lang = await readLangDir(dir);
    assert.equal(lang.dir, dir);
    assert.deepEqual(lang.phones, ['<eps>', 'SIL', 'SPN', 'AA', 'AH', 'N', 'T', 'UW', 'W']);
    assert.equal(lang.phoneIds.get('UW'), 7);
    assert.deepEqual([...lang.silencePhones], ['SIL', 'SPN']);
    assert.equal(lang.optionalSilence, 'SIL');
    assert.deepEqual(lang.words, ['<eps>', 'one', 'two', '<unk>']);
    assert.equal(lang.wordIds.get('<unk>'), 3);
    assert.deepEqual(lang.lexicon.get('one'), [['W', 'AH', 'N'], ['W', 'AA', 'N']]);
    assert.equal(lang.oovWord, '<unk>');
    // Rewriting without an OOV word removes the stale oov.txt.
    await writeLangDir(dir, { lexicon: lex() });
    assert.equal((await readLangDir(dir)).oovWord, undefined);
    assert.deepEqual((await readdir(dir)).sort(), [
      'grammar.jsgf', 'keep.me', 'lexicon.txt', 'nonsilence_phones.txt', 'optional_silence.txt', 'phones.txt', 'silence_phones.txt', 'words.txt',
    ]);
  });
});

test('readLangDir names the file and line of each inconsistency', async () => {
  await withTmp(async (dir) => {
    await writeLangDir(dir, { lexicon: lex() });
    const lexFile = path.join(dir, 'lexicon.txt');
    await writeFile(lexFile, 'one W AH N\ntwo T UX\n');
    await assert.rejects(readLangDir(dir), {
      name: 'InputError',
      message: `${lexFile} line 2: phone 'UX' (word 'two') is not in ${path.join(dir, 'phones.txt')}`,
    });
    await writeFile(lexFile, 'three TH R IY\n');
    await assert.rejects(readLangDir(dir), {
      message: `${lexFile} line 1: word 'three' is not in ${path.join(dir, 'words.txt')}`,
    });
    await writeFile(lexFile, 'one W AH N\n');
    await writeFile(path.join(dir, 'optional_silence.txt'), 'AH\n');
    await assert.rejects(readLangDir(dir), {
      message: `${path.join(dir, 'optional_silence.txt')}: expected one silence phone (e.g. SIL), got 'AH'`,
    });
    await rm(path.join(dir, 'words.txt'));
    await assert.rejects(readLangDir(dir), {
      message: `${path.join(dir, 'words.txt')}: cannot read (ENOENT); is ${dir} a language directory made by 'asr-distill prepare-lang'?`,
    });
  });
});

test('parseSymbolTable checks ids are 0, 1, 2, ... and <eps> comes first', () => {
  assert.deepEqual(parseSymbolTable('<eps> 0\na 1\n', 'w.txt'), ['<eps>', 'a']);
  assert.throws(() => parseSymbolTable('<eps> 0\na 2\n', 'w.txt'), {
    message: "w.txt line 2: id 2 for 'a' should be 1 (ids must be 0, 1, 2, ... in order)",
  });
  assert.throws(() => parseSymbolTable('<eps> 0\na\n', 'w.txt'), { message: "w.txt line 2: expected 'symbol id', got 'a'" });
  assert.throws(() => parseSymbolTable('a 0\n', 'w.txt'), { message: "w.txt: the first symbol must be '<eps> 0'" });
  assert.throws(() => parseSymbolTable('<eps> 0\na 1\na 2\n', 'w.txt'), { message: "w.txt line 3: 'a' is listed twice" });
});

test('copyLangDir copies a lang directory whole to DIR/lang, and leaves that copy alone when given it', async () => {
  await withTmp(async (dir) => {
    const lang = path.join(dir, 'lang-src');
    await writeLangDir(lang, { lexicon: lex() });
    const model = path.join(dir, 'model');
    await copyLangDir(lang, model);
    const files = (await readdir(lang)).sort();
    assert.deepEqual((await readdir(path.join(model, MODEL_LANG_DIR))).sort(), files);
    assert.equal(await readFile(path.join(model, 'lang', 'phones.txt'), 'utf8'), await readFile(path.join(lang, 'phones.txt'), 'utf8'));
    await copyLangDir(path.join(model, 'lang'), model);
    assert.deepEqual((await readdir(path.join(model, 'lang'))).sort(), files);
  });
});
