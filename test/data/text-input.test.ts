import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { bomMessage, decodeTextFile, hasBom, printable, readTextLines } from '../../src/data/text-input.js';
import { InputError } from '../../src/errors.js';

test('printable escapes terminal control characters (C0, DEL, C1, bidi overrides, U+FFFD) and keeps ordinary text', () => {
  assert.equal(printable('spk1-0003'), 'spk1-0003');
  assert.equal(printable('caf\u00e9 \u4e00 \u{1f600}'), 'caf\u00e9 \u4e00 \u{1f600}');
  assert.equal(printable('a\x1b[2Jb\x07\x7f\x9b'), 'a\\x1b[2Jb\\x07\\x7f\\x9b');
  assert.equal(printable('x\u202ey\u200bz\ufffd\u2028'), 'x\\u{202e}y\\u{200b}z\\u{fffd}\\u{2028}');
  assert.doesNotMatch(printable(String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i)), 300), /[\x00-\x1f\x7f-\x9f]/);
});

test('printable cuts long text by characters and says how much was left out', () => {
  assert.equal(printable('abcdefgh', 5), 'abcde... (3 more characters)');
  assert.equal(printable('\u{1f600}'.repeat(4), 2), '\u{1f600}\u{1f600}... (2 more characters)', 'never splits a surrogate pair');
  assert.equal(printable('abcde', 5), 'abcde');
});

function rejects(bytes: number[], message: string): void {
  assert.throws(
    () => decodeTextFile(Uint8Array.from(bytes), 'f.txt', 'text'),
    (e: unknown) => e instanceof InputError && e.message === message,
  );
}

test('decodeTextFile refuses binary data and non-UTF-8 bytes naming the first bad byte; UTF-8 decodes as is', () => {
  assert.equal(decodeTextFile(Buffer.from('u1 caf\u00e9 \u{1f600}\n'), 'f.txt', 'text'), 'u1 caf\u00e9 \u{1f600}\n');
  assert.equal(decodeTextFile(Buffer.from('\ufeffu1\n'), 'f.txt', 'text'), '\ufeffu1\n', 'the BOM is kept for the parser to report');
  rejects([0x61, 0x00, 0x62], 'f.txt: not a text file (byte 1 is a NUL byte: binary data?); expected text');
  const notUtf8 = (at: number, b: number) =>
    `f.txt: not UTF-8 text (byte ${at} is 0x${b.toString(16)}): binary data, or another encoding (convert it, e.g. iconv -f latin1 -t utf-8); expected text`;
  rejects([0x63, 0x61, 0x66, 0xe9, 0x0a], notUtf8(3, 0xe9)); // latin-1 "café"
  rejects([0x61, 0xc3], notUtf8(1, 0xc3)); // cut off at the end of the file
  rejects([0x61, 0xc0, 0xaf], notUtf8(1, 0xc0)); // overlong '/'
  rejects([0xed, 0xa0, 0x80], notUtf8(0, 0xed)); // an encoded surrogate
  rejects([0xf4, 0x90, 0x80, 0x80], notUtf8(0, 0xf4)); // above U+10FFFF
  rejects([0x61, 0x80], notUtf8(1, 0x80)); // a stray continuation byte
});

test('decodeTextFile finds the first bad byte exactly where Node says the prefix stops being UTF-8', () => {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let t = 0; t < 20000; t++) {
    const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 6) }, () => 1 + Math.floor(next() * 255));
    let at = -1;
    try {
      decodeTextFile(bytes, 'f', 'text');
    } catch (e) {
      at = Number(/byte (\d+)/.exec((e as Error).message)![1]);
    }
    assert.equal(at < 0, isUtf8(bytes), `${Buffer.from(bytes).toString('hex')}`);
    if (at >= 0) assert.ok(isUtf8(bytes.subarray(0, at)), `prefix before byte ${at} of ${Buffer.from(bytes).toString('hex')} is valid`);
  }
});

test('hasBom and bomMessage: a leading U+FEFF is named as a byte order mark with the command that removes it', () => {
  assert.ok(hasBom('\ufeffu1 a'));
  assert.ok(!hasBom('u1 \ufeff'));
  assert.ok(!hasBom(''));
  assert.equal(
    bomMessage('data/train/text'),
    "data/train/text: starts with a UTF-8 byte order mark (BOM, bytes EF BB BF); Kaldi files have none: remove it, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' data/train/text",
  );
});

test('readTextLines splits chunks at newlines like split(\'\\n\'), joins a line or a UTF-8 character cut between chunks, and names file byte positions', async () => {
  const text = 'u1 0 1\r\ncaf\u00e9 \u4e00\n\nlast';
  const bytes = Buffer.from(text);
  const lines = async (b: Uint8Array, size: number) => {
    const chunks = Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));
    const out: string[] = [];
    for await (const l of readTextLines(chunks, 'x.txt', 'text')) out.push(l);
    return out;
  };
  for (const size of [1, 2, 3, 64]) assert.deepEqual(await lines(bytes, size), text.split('\n'), `${size}-byte chunks`);
  await assert.rejects(lines(Buffer.from('ok\nab\0c\n'), 2), { message: 'x.txt: not a text file (byte 5 is a NUL byte: binary data?); expected text' });
  await assert.rejects(lines(Buffer.from('ok\nu1 1\xfe\n', 'latin1'), 3), { message: /^x\.txt: not UTF-8 text \(byte 7 is 0xfe\)/ });
});
