// Text input the user hands us (Kaldi tables, transcripts, alignments) may be anything, binary
// garbage included: decode it strictly, and never echo it raw into a message, where control
// characters would drive the terminal. Hand-written (a dozen lines; jsesc and the like escape for
// JavaScript source, not for terminals, and leave bidi and C1 controls in).
import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.js';

// Control (Cc, with C1), format (Cf: bidi overrides, zero-width), surrogate, private-use and
// unassigned characters, line/paragraph separators, and U+FFFD (what invalid UTF-8 decodes to).
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}\uFFFD]/gu;

/**
 * Untrusted text made safe to show in a message: unprintable characters escaped (`\x1b`,
 * `\u{202e}`) and anything beyond `maxChars` characters cut off with a count of the rest.
 *
 * @example printable('utt\x1b[2J1') // 'utt\\x1b[2J1'
 */
export function printable(text: string, maxChars = 40): string {
  const chars = Array.from(text);
  const shown = chars.length > maxChars ? chars.slice(0, maxChars).join('') : text;
  const escaped = shown.replace(UNPRINTABLE, (c) => {
    const cp = c.codePointAt(0)!;
    return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
  });
  return chars.length > maxChars ? `${escaped}... (${chars.length - maxChars} more characters)` : escaped;
}

/** Byte offset of the first byte that is not part of a valid UTF-8 sequence (-1: all valid). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : 0;
    // Not a lead byte, or the sequence is cut off by the end of the file.
    if (n === 0 || i + n >= b.length) return i;
    // The second byte's range excludes overlong forms and surrogates (RFC 3629 sec. 4).
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k <= n; k++) if (b[i + k]! < 0x80 || b[i + k]! > 0xbf) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Decode a text file's bytes as UTF-8, refusing binary data (a NUL byte) and other encodings
 * (bytes that are not UTF-8, which would otherwise all decode to U+FFFD and make different words
 * equal) with an InputError naming the file, the byte offset, and what was `expected`.
 *
 * `byteOffset` is where `bytes` starts in the file (a line of a streamed file), for the message.
 *
 * @example decodeTextFile(await fs.readFile('text'), 'text', "Kaldi text: 'uttid word ...' per line")
 */
export function decodeTextFile(bytes: Uint8Array, file: string, expected: string, byteOffset = 0): string {
  const nul = bytes.indexOf(0);
  const bad = nul >= 0 ? nul : isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (nul >= 0) throw new InputError(`${file}: not a text file (byte ${byteOffset + nul} is a NUL byte: binary data?); expected ${expected}`);
  if (bad >= 0) {
    throw new InputError(
      `${file}: not UTF-8 text (byte ${byteOffset + bad} is 0x${bytes[bad]!.toString(16).padStart(2, '0')}): binary data, or another encoding ` +
        `(convert it, e.g. iconv -f latin1 -t utf-8); expected ${expected}`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The message for a UTF-8 byte order mark at the start of a Kaldi text file (Kaldi would read it as part of the first id). */
export function bomMessage(file: string): string {
  return `${file}: starts with a UTF-8 byte order mark (BOM, bytes EF BB BF); Kaldi files have none: remove it, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' ${file}`;
}

/** Whether decoded text starts with a UTF-8 byte order mark. */
export function hasBom(text: string): boolean {
  return text.charCodeAt(0) === 0xfeff;
}

/**
 * The lines of a text file arriving in chunks (a read stream), each decoded and checked as
 * decodeTextFile does (byte positions in messages are the file's): one line and one chunk in
 * memory, so a file of any size. Lines are split at `\n` like `text.split('\n')` (a `\r` stays).
 *
 * @example for await (const line of readTextLines(createReadStream('ali.txt'), 'ali.txt', 'ali-to-pdf text')) ...
 */
export async function* readTextLines(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, file: string, expected: string): AsyncGenerator<string> {
  // The pieces of the line not ended yet (joined once, when its newline comes: no quadratic copying).
  let pending: Uint8Array[] = [];
  let base = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const line = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(start, nl)]) : chunk.subarray(start, nl);
      yield decodeTextFile(line, file, expected, base);
      base += line.length + 1;
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  yield decodeTextFile(Buffer.concat(pending), file, expected, base);
}
