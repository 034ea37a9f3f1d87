import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { compareCLocale } from '../../src/data/c-locale.js';

// Characters around the UTF-16 / UTF-8 disagreement: below the surrogates, U+E000-U+FFFF (private
// use, CJK compatibility, U+FFFD), and above U+FFFF (emoji, CJK extension B, plane 15).
const MIXED = ['a', 'B', '_', 'é', '\u4e00', '\ud7ff', '\ue000', '\uf900', '\ufffd', '\uffff', '\u{10000}', '\u{1f600}', '\u{20000}', '\u{f0000}'];

function byteOrder(xs: string[]): string[] {
  return [...xs].sort((x, y) => Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8')));
}

test('ids mixing characters above U+FFFF with U+E000-U+FFFF sort as LC_ALL=C sort does (not by UTF-16 code units)', () => {
  assert.deepEqual(['\u{1f600}', '\ufffd', '\ue000', 'z'].sort(compareCLocale), ['z', '\ue000', '\ufffd', '\u{1f600}']);
  assert.deepEqual(['utt-\u{20000}', 'utt-\uf900', 'utt-\u4e00', 'utt'].sort(compareCLocale), ['utt', 'utt-\u4e00', 'utt-\uf900', 'utt-\u{20000}']);
  // JS `<` orders the pair the other way: this is the case the comparator exists for.
  assert.ok('\u{1f600}' < '\ufffd');
  assert.ok(compareCLocale('\u{1f600}', '\ufffd') > 0);
});

test('compareCLocale is byte order on ASCII ids: uppercase before lowercase, punctuation by code', () => {
  assert.deepEqual(['b', 'B', 'a_1', 'a-1', 'a1', 'A', '<unk>', 'a'].sort(compareCLocale), ['<unk>', 'A', 'B', 'a', 'a-1', 'a1', 'a_1', 'b']);
  assert.equal(compareCLocale('spk1-0003', 'spk1-0003'), 0);
  assert.ok(compareCLocale('spk1', 'spk1-0003') < 0, 'a prefix sorts first');
  assert.ok(compareCLocale('spk1-0003', 'spk1') > 0);
});

test('compareCLocale agrees with UTF-8 byte comparison on every pair of mixed-plane strings', () => {
  const words: string[] = [];
  for (const x of MIXED) for (const y of MIXED) words.push(x + y);
  for (const x of words) {
    for (const y of words) {
      const want = Math.sign(Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8')));
      assert.equal(Math.sign(compareCLocale(x, y)), want, `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
  }
});

test('compareCLocale sorts like the real `LC_ALL=C sort` binary', (t) => {
  const words: string[] = [];
  for (const x of MIXED) for (const y of MIXED) words.push(`u${x}${y}`);
  const input = [...words].reverse().join('\n') + '\n';
  const r = spawnSync('sort', [], { input, env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    t.skip(`no usable sort binary (${r.error?.message ?? r.stderr})`);
    return;
  }
  const fromSort = r.stdout.split('\n').slice(0, -1);
  assert.deepEqual([...words].sort(compareCLocale), fromSort);
  assert.deepEqual(fromSort, byteOrder(words), 'the sort binary compares bytes');
});
