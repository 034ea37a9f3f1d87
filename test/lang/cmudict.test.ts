import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cmudictToLexicon, loadCmudict, stripStress } from '../../src/lang/cmudict.js';

test('stripStress removes only a trailing stress digit', () => {
  assert.equal(stripStress('AH0'), 'AH');
  assert.equal(stripStress('ER2'), 'ER');
  assert.equal(stripStress('TH'), 'TH');
});

test('cmudictToLexicon merges word(N) variants and the duplicates stress stripping creates', () => {
  const entries = { read: 'R EH1 D', 'read(2)': 'R IY1 D', record: 'R EH1 K ER0 D', 'record(2)': 'R EH0 K ER1 D' };
  const lex = cmudictToLexicon(entries);
  assert.deepEqual(lex.get('read'), [['R', 'EH', 'D'], ['R', 'IY', 'D']]);
  assert.deepEqual(lex.get('record'), [['R', 'EH', 'K', 'ER', 'D']]);
  const stressed = cmudictToLexicon(entries, { keepStress: true });
  assert.deepEqual(stressed.get('record'), [['R', 'EH1', 'K', 'ER0', 'D'], ['R', 'EH0', 'K', 'ER1', 'D']]);
});

test('loadCmudict has the TIDIGITS words with CMUdict pronunciations', async () => {
  const lex = await loadCmudict();
  assert.ok(lex.size > 100000);
  assert.deepEqual(lex.get('zero'), [['Z', 'IH', 'R', 'OW'], ['Z', 'IY', 'R', 'OW']]);
  assert.deepEqual(lex.get('seven'), [['S', 'EH', 'V', 'AH', 'N']]);
  assert.deepEqual((await loadCmudict({ keepStress: true })).get('seven'), [['S', 'EH1', 'V', 'AH0', 'N']]);
  assert.equal(await loadCmudict(), lex, 'loaded once and shared');
});
