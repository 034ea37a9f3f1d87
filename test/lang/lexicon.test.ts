import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compareCLocale } from '../../src/data/c-locale.js';
import {
  addPronunciation,
  formatLexicon,
  lexiconPhones,
  parseLexicon,
  readLexicon,
  writeLexicon,
  type Lexicon,
} from '../../src/lang/lexicon.js';

test('parseLexicon keeps several pronunciations per word in order and drops exact duplicates', () => {
  const lex = parseLexicon('one W AH N\n\n  one\tHH W AH N\none W AH N\ntwo T UW\n', 'lex.txt');
  assert.deepEqual(lex.get('one'), [['W', 'AH', 'N'], ['HH', 'W', 'AH', 'N']]);
  assert.deepEqual(lex.get('two'), [['T', 'UW']]);
  assert.equal(lex.size, 2);
});

test('parseLexicon rejects a word without phones, naming file and line', () => {
  assert.throws(() => parseLexicon('one W AH N\ntwo\n', 'my/lexicon.txt'), {
    name: 'InputError',
    message: "my/lexicon.txt line 2: word 'two' has no phones; a lexicon line is 'word phone1 phone2 ...'",
  });
});

test('formatLexicon sorts words in C order and round-trips through parseLexicon', () => {
  const lex: Lexicon = new Map();
  addPronunciation(lex, 'b', ['B', 'IY']);
  addPronunciation(lex, 'B', ['B', 'IY']);
  addPronunciation(lex, 'a', ['EY']);
  addPronunciation(lex, 'a', ['AH']);
  assert.equal(addPronunciation(lex, 'a', ['AH']), false);
  const text = formatLexicon(lex);
  assert.equal(text, 'B B IY\na EY\na AH\nb B IY\n');
  assert.deepEqual(parseLexicon(text, 'x'), new Map([...lex].sort((x, y) => compareCLocale(x[0], y[0]))));
  assert.deepEqual(lexiconPhones(lex), ['AH', 'B', 'EY', 'IY']);
});

test('writeLexicon / readLexicon round trip; a missing file is an InputError', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lex-'));
  try {
    const lex = parseLexicon('zero Z IH R OW\nzero Z IY R OW\n', 'x');
    const file = path.join(dir, 'lexicon.txt');
    await writeLexicon(file, lex);
    assert.equal(await readFile(file, 'utf8'), 'zero Z IH R OW\nzero Z IY R OW\n');
    assert.deepEqual(await readLexicon(file), lex);
    await assert.rejects(readLexicon(path.join(dir, 'none.txt')), {
      name: 'InputError',
      message: `${path.join(dir, 'none.txt')}: cannot read lexicon (ENOENT); give a Kaldi lexicon.txt`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('formatLexicon orders words by UTF-8 bytes like LC_ALL=C sort, also above U+FFFF', () => {
  const lex = new Map([['\u{1f600}', [['a']]], ['\ufffd', [['b']]], ['b', [['c']]], ['<unk>', [['SPN']]]]);
  assert.equal(formatLexicon(lex), '<unk> SPN\nb c\n\ufffd b\n\u{1f600} a\n');
  assert.deepEqual(lexiconPhones(lex), ['SPN', 'a', 'b', 'c']);
});
