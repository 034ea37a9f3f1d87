// Kaldi's table formats (util/kaldi-table.h, util/kaldi-holder-inl.h, base/io-funcs.cc), so
// features and alignments can be exchanged with Kaldi and tools that read its files (kaldiio,
// lhotse):
// - an archive (`ark`) is a sequence of `key ` + object. A binary object starts with `\0B`
//   (InitKaldiOutputStream); a text object has no header.
// - a script file (`scp`) has lines `key rxfilename`, where the rxfilename is `file.ark:offset`
//   (offset = byte position of the object, i.e. of its `\0B`), optionally followed by a row/column
//   range `[r1:r2]` or `[r1:r2,c1:c2]` (inclusive, like Kaldi's ranged rxfilenames).
// Objects here: matrices (binary `FM `/`DM ` + int32 rows + int32 cols + raw row-major data, the
// compressed `CM`/`CM2`/`CM3`, or text ` [\n  v v \n  v v ]\n`), and int32 vectors as alignments
// are stored (BasicVectorHolder<int32>: binary `\4` + int32 size, then `\4` + int32 per element;
// text: the values on the rest of the line). Binary numbers are little-endian, as every machine
// Kaldi runs on writes them.
import { createReadStream, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { InputError, isInputError } from '../errors.js';
import { decodeCompressedMatrix, type DecodedMatrix } from './kaldi-compressed-matrix.js';

/** How a matrix was stored: binary float/double, compressed, or text. */
export type KaldiMatrixFormat = 'FM' | 'DM' | 'CM' | 'CM2' | 'CM3' | 'text';

/** A matrix read from a Kaldi archive, converted to float32 (row-major). */
export interface KaldiMatrix extends DecodedMatrix {
  format: KaldiMatrixFormat;
}

/** One archive entry; `offset` is the byte position of its object (what an scp's `ark:offset` points at). */
export interface ArchiveEntry<T> {
  key: string;
  value: T;
  offset: number;
}

/** One line of an scp file. */
export interface ScpEntry {
  key: string;
  /** The archive or single-object file, as written in the scp. */
  file: string;
  /** Byte offset of the object in `file` (0 when the line has no `:offset`). */
  offset: number;
  /** Inclusive row and column ranges (`[r1:r2,c1:c2]`), when the line has one. */
  rows?: [number, number];
  cols?: [number, number];
  lineNo: number;
}

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** File content quoted in a message: cut short, control and format characters escaped (never sent raw to a terminal). */
const visible = (s: string, max = 20): string => s.slice(0, max).replace(/\p{C}/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
const CONTROL = /\p{Cc}/u;

/** True if the bytes start with the gzip magic number (Kaldi's `ali.*.gz`). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A position in an archive's bytes, with the reads Kaldi's io-funcs.cc does. */
class Cursor {
  pos: number;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
    pos = 0,
    /** Where `bytes` starts in the file (a window of a streamed archive), for positions in errors. */
    readonly base = 0,
  ) {
    this.pos = pos;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new InputError(`${this.what}: ${message} at byte ${this.base + this.pos}; is it a Kaldi archive of the right type?`);
  }

  atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) this.fail(`the file ends inside ${what} (needs ${n} more bytes)`);
  }

  skipSpace(): void {
    while (this.pos < this.bytes.length && isSpace(this.bytes[this.pos])) this.pos++;
  }

  /** Non-whitespace characters from here (like `is >> str`, after skipping whitespace). */
  word(): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.bytes.length && !isSpace(this.bytes[this.pos])) this.pos++;
    return Buffer.from(this.bytes.subarray(start, this.pos)).toString('utf8');
  }

  /** Kaldi ReadToken in binary mode: a word and the single space after it. */
  token(): string {
    const t = this.word();
    if (t === '') this.fail('expected a token, got the end of the file');
    if (this.pos < this.bytes.length) this.pos++;
    return t;
  }

  /** Kaldi ReadBasicType<int32> in binary mode: a size byte (4) then the value. */
  basicInt32(what: string): number {
    this.need(5, what);
    const size = this.bytes[this.pos];
    if (size !== 4) this.fail(`expected a 4-byte integer (size byte 4) for ${what}, got size byte ${size}`);
    const v = this.view.getInt32(this.pos + 1, true);
    this.pos += 5;
    return v;
  }

  /** `n` raw little-endian floats (4 or 8 bytes each) as float32. */
  floats(n: number, bytesPer: 4 | 8, what: string): Float32Array {
    this.need(n * bytesPer, what);
    // A copy (4/8-byte aligned); Buffer#slice would share the pool instead of copying.
    const copy = new Uint8Array(n * bytesPer);
    copy.set(this.bytes.subarray(this.pos, this.pos + n * bytesPer));
    this.pos += n * bytesPer;
    return bytesPer === 4 ? new Float32Array(copy.buffer, 0, n) : Float32Array.from(new Float64Array(copy.buffer, 0, n));
  }
}

/** InitKaldiInputStream: a binary object starts with `\0B`; anything else is text. */
function readBinaryFlag(cur: Cursor): boolean {
  if (cur.bytes[cur.pos] !== 0) return false;
  if (cur.bytes[cur.pos + 1] !== 0x42) cur.fail("found '\\0' not followed by 'B' (a binary header)");
  cur.pos += 2;
  return true;
}

/** Matrix::Read: binary FM/DM/CM*, or text `[ ... ]` with rows ended by newlines. */
function readMatrix(cur: Cursor, binary: boolean): KaldiMatrix {
  if (!binary) return readTextMatrix(cur);
  const tok = cur.token();
  if (tok === 'CM' || tok === 'CM2' || tok === 'CM3') {
    const { matrix, byteLength } = decodeCompressedMatrix(tok, cur.bytes, cur.pos, cur.what);
    cur.pos += byteLength;
    return { ...matrix, format: tok };
  }
  if (tok !== 'FM' && tok !== 'DM') cur.fail(`expected a matrix (FM, DM, CM, CM2 or CM3), got token '${visible(tok)}'`);
  const numRows = cur.basicInt32('the number of rows');
  const numCols = cur.basicInt32('the number of columns');
  if (numRows < 0 || numCols < 0) cur.fail(`negative matrix size ${numRows} x ${numCols}`);
  const data = cur.floats(numRows * numCols, tok === 'FM' ? 4 : 8, `a ${numRows} x ${numCols} matrix`);
  return { numRows, numCols, data, format: tok };
}

function readTextMatrix(cur: Cursor): KaldiMatrix {
  let w = cur.word();
  // Matrix::Read accepts an old text form with a binary-style header: `FM rows cols [`.
  if (w === 'FM' || w === 'DM') {
    cur.word();
    cur.word();
    w = cur.word();
  }
  if (w === '[]') return { numRows: 0, numCols: 0, data: new Float32Array(0), format: 'text' };
  if (w !== '[') cur.fail(`expected '[' to start a text matrix, got '${visible(w)}'`);
  const rows: number[][] = [];
  let row: number[] = [];
  const b = cur.bytes;
  for (;;) {
    if (cur.atEnd()) cur.fail("the file ends inside a text matrix (no closing ']')");
    const c = b[cur.pos];
    if (c === 0x5d /* ] */) {
      cur.pos++;
      if (b[cur.pos] === 0x0d) cur.pos++;
      if (b[cur.pos] === 0x0a) cur.pos++;
      if (row.length > 0) rows.push(row);
      break;
    }
    if (c === 0x0a || c === 0x3b /* ; */) {
      cur.pos++;
      if (row.length > 0) rows.push(row);
      row = [];
      continue;
    }
    if (isSpace(c)) {
      cur.pos++;
      continue;
    }
    const start = cur.pos;
    while (cur.pos < b.length && !isSpace(b[cur.pos]) && b[cur.pos] !== 0x5d && b[cur.pos] !== 0x3b) cur.pos++;
    const s = Buffer.from(b.subarray(start, cur.pos)).toString('latin1');
    let v = Number(s);
    if (Number.isNaN(v)) {
      // Kaldi reads inf/infinity/nan in any case; glibc prints a negative NaN as -nan.
      if (/^[-+]?(inf|infinity)$/i.test(s)) v = s[0] === '-' ? -Infinity : Infinity;
      else if (!/^[-+]?nan$/i.test(s)) {
        cur.pos = start;
        cur.fail(`expected a number in a text matrix, got '${visible(s)}'`);
      }
    }
    row.push(v);
  }
  const numCols = rows.length > 0 ? rows[0].length : 0;
  const data = new Float32Array(rows.length * numCols);
  rows.forEach((r, i) => {
    if (r.length !== numCols) cur.fail(`text matrix row ${i + 1} has ${r.length} values but row 1 has ${numCols}`);
    data.set(r, i * numCols);
  });
  return { numRows: rows.length, numCols, data, format: 'text' };
}

/** BasicVectorHolder<int32>::Read: binary size + elements, or text values up to the end of the line. */
function readInt32Vector(cur: Cursor, binary: boolean): Int32Array {
  if (binary) {
    const n = cur.basicInt32('the vector size');
    if (n < 0) cur.fail(`negative vector size ${n}`);
    cur.need(5 * n, `an int32 vector of ${n} elements`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = cur.basicInt32(`element ${i}`);
    return out;
  }
  const b = cur.bytes;
  let end = cur.pos;
  while (end < b.length && b[end] !== 0x0a) end++;
  const line = Buffer.from(b.subarray(cur.pos, end)).toString('latin1').trim();
  const fields = line === '' ? [] : line.split(/\s+/);
  const out = new Int32Array(fields.length);
  fields.forEach((f, i) => {
    if (!/^[-+]?\d+$/.test(f) || Math.abs(Number(f)) > 0x7fffffff) cur.fail(`expected integers, got '${visible(f)}'`);
    out[i] = Number(f);
  });
  cur.pos = Math.min(end + 1, b.length);
  return out;
}

/** Read the key of the next entry (SequentialTableReaderArchiveImpl::Next), or null at the end. */
function readKey(cur: Cursor): string | null {
  const key = cur.word();
  if (key === '') return null;
  // Kaldi keys are printable tokens (IsToken); a control character means this is not a table.
  const bad = CONTROL.exec(key);
  if (bad) cur.fail(`key '${visible(key, 40)}' contains the control character U+${bad[0].codePointAt(0)!.toString(16).padStart(4, '0')}`);
  const c = cur.bytes[cur.pos];
  // Kaldi wants one space after the key; it also takes a tab (consumed) or a newline (kept).
  if (c !== 0x20 && c !== 0x09 && c !== 0x0a) cur.fail(`expected a space after key '${visible(key, 40)}'`);
  if (c !== 0x0a) cur.pos++;
  return key;
}

/**
 * Every entry of an archive of objects read by `readObject`; gzip-compressed archives are
 * unpacked first. `what` names the archive in errors.
 */
function readEntries<T>(bytes: Uint8Array, what: string, readObject: (cur: Cursor, binary: boolean) => T): ArchiveEntry<T>[] {
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new InputError(`${what}: starts like a gzip file but cannot be unpacked (${(e as Error).message}); is it complete?`);
    }
  }
  const cur = new Cursor(bytes, what);
  const out: ArchiveEntry<T>[] = [];
  for (let key = readKey(cur); key !== null; key = readKey(cur)) {
    const offset = cur.pos;
    const entry = new Cursor(bytes, `${what} (key ${key})`, offset);
    const value = readObject(entry, readBinaryFlag(entry));
    cur.pos = entry.pos;
    out.push({ key, value, offset });
  }
  return out;
}

/**
 * The matrices of a Kaldi archive (binary, compressed or text; `feats.ark`, `copy-feats ... ark:`),
 * converted to float32.
 *
 * @example readMatrixArchive(await fs.readFile('raw_fbank_train.1.ark'), 'raw_fbank_train.1.ark')[0].value.numRows
 */
export function readMatrixArchive(bytes: Uint8Array, what: string): ArchiveEntry<KaldiMatrix>[] {
  return readEntries(bytes, what, readMatrixObject);
}

/** A matrix entry's object, with the tail Kaldi leaves after an empty compressed one. */
function readMatrixObject(cur: Cursor, binary: boolean): KaldiMatrix {
  const m = readMatrix(cur, binary);
  skipEmptyCompressedTail(cur, m);
  return m;
}

/**
 * Kaldi writes an empty compressed matrix as token + a 20-byte header but reads back only 16 bytes
 * (CompressedMatrix::Write/Read), so 4 zero bytes follow it in an archive; skip them.
 */
function skipEmptyCompressedTail(cur: Cursor, m: KaldiMatrix): void {
  if (m.format.startsWith('CM') && m.numCols === 0 && cur.bytes.length >= cur.pos + 4 && cur.bytes.subarray(cur.pos, cur.pos + 4).every((x) => x === 0)) cur.pos += 4;
}

/** The int32 vectors of a Kaldi archive (`ali-to-pdf ... ark:-`, binary or text, optionally gzipped). */
export function readInt32VectorArchive(bytes: Uint8Array, what: string): ArchiveEntry<Int32Array>[] {
  return readEntries(bytes, what, readInt32Vector);
}

/**
 * An int32-vector archive as a map from key to values (`ali-to-pdf ... ark:pdf.ark`, gzipped
 * `ali.*.gz`, or text); a key that appears twice is an error.
 */
export function readInt32VectorTable(bytes: Uint8Array, what: string): Map<string, Int32Array> {
  const out = new Map<string, Int32Array>();
  for (const e of readInt32VectorArchive(bytes, what)) {
    if (out.has(e.key)) throw new InputError(`${what}: key ${e.key} appears twice`);
    out.set(e.key, e.value);
  }
  return out;
}

/** True for a gzip file or an archive whose first object is binary (`key \0B...`): not a text file. */
export function isBinaryArchive(bytes: Uint8Array): boolean {
  if (isGzip(bytes)) return true;
  let i = 0;
  while (i < bytes.length && isSpace(bytes[i])) i++;
  while (i < bytes.length && !isSpace(bytes[i])) i++;
  return bytes[i] === 0x20 && bytes[i + 1] === 0 && bytes[i + 2] === 0x42;
}

/** The matrix whose object starts at `offset` of a file's bytes (one scp entry). */
export function readMatrixAt(bytes: Uint8Array, offset: number, what: string): KaldiMatrix {
  if (offset >= bytes.length) throw new InputError(`${what}: offset ${offset} is past the end of the file (${bytes.length} bytes); the scp does not belong to this archive`);
  const cur = new Cursor(bytes, what, offset);
  return readMatrix(cur, readBinaryFlag(cur));
}

/** Parse an scp file's text: `key file[:offset][range]` per line. Errors name the line. */
export function parseScp(text: string, file: string): ScpEntry[] {
  const out: ScpEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    const where = `${file} line ${i + 1}`;
    if (CONTROL.test(line)) throw new InputError(`${where}: contains a control character ('${visible(line, 80)}'); is it an scp file?`);
    if (!m) throw new InputError(`${where}: expected 'key file.ark:offset', got '${visible(line, 80)}'`);
    let rx = m[2];
    if (rx.endsWith('|')) throw new InputError(`${where} (key ${m[1]}): commands ('... |') are not supported; run the command and give its output archive instead`);
    const entry: ScpEntry = { key: m[1], file: rx, offset: 0, lineNo: i + 1 };
    const range = /\[([^\]]*)\]$/.exec(rx);
    if (range) {
      rx = rx.slice(0, range.index);
      const parts = range[1].split(',');
      const parsePart = (s: string): [number, number] => {
        const r = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(s);
        if (!r || Number(r[1]) > Number(r[2])) throw new InputError(`${where} (key ${m[1]}): bad range '[${range[1]}]'; expected [first:last] or [first:last,first:last]`);
        return [Number(r[1]), Number(r[2])];
      };
      if (parts.length > 2) throw new InputError(`${where} (key ${m[1]}): bad range '[${range[1]}]'`);
      if (parts[0].trim() !== '') entry.rows = parsePart(parts[0]);
      if (parts.length === 2) entry.cols = parsePart(parts[1]);
    }
    const off = /:(\d+)$/.exec(rx);
    if (off) {
      entry.offset = Number(off[1]);
      rx = rx.slice(0, off.index);
    }
    entry.file = rx;
    out.push(entry);
  }
  return out;
}

/** Apply an scp entry's `[r1:r2,c1:c2]` range (inclusive) to a matrix. */
export function sliceMatrix(m: KaldiMatrix, rows: [number, number] | undefined, cols: [number, number] | undefined, what: string): KaldiMatrix {
  if (!rows && !cols) return m;
  const [r0, r1] = rows ?? [0, m.numRows - 1];
  const [c0, c1] = cols ?? [0, m.numCols - 1];
  if (r1 >= m.numRows || c1 >= m.numCols) throw new InputError(`${what}: range [${r0}:${r1},${c0}:${c1}] is outside the ${m.numRows} x ${m.numCols} matrix`);
  const numRows = r1 - r0 + 1;
  const numCols = c1 - c0 + 1;
  const data = new Float32Array(numRows * numCols);
  for (let r = 0; r < numRows; r++) data.set(m.data.subarray((r0 + r) * m.numCols + c0, (r0 + r) * m.numCols + c1 + 1), r * numCols);
  return { numRows, numCols, data, format: m.format };
}

/**
 * Read every matrix an scp file points at, in the scp's order. Archive paths are taken as Kaldi
 * takes them (relative to the current directory); a relative path that does not exist there is
 * tried next to the scp file. Each matrix is read at its offset (readMatrixRefs), never a whole
 * archive: no 2 GiB ceiling (the result is in memory; import-feats streams the refs instead).
 */
export async function readScpMatrices(scpFile: string): Promise<{ key: string; value: KaldiMatrix }[]> {
  const out: { key: string; value: KaldiMatrix }[] = [];
  for await (const e of readMatrixRefs(await scpMatrixRefs(scpFile))) out.push(e);
  return out;
}

// ---- Reading archives of any size, one matrix at a time -----------------------------------------

/** Where one matrix of a Kaldi archive is: an scp line, or an entry found by scanning an ark. */
export interface MatrixRef extends Omit<ScpEntry, 'lineNo'> {
  /** `offset` is that of the entry's key (an ark entry found by arkMatrixRefs), not of the matrix after it (an scp's). */
  keyed: boolean;
  /** Names the entry in errors (`feats.scp line 3 (key u1)`). */
  where: string;
}

/** The largest entry readMatrixEntryAt reads (1 GiB: 6.7M frames of 40 floats); a bigger one is refused as corrupt. */
const MAX_ENTRY_BYTES = 1 << 30;

async function readAt(fh: FileHandle, offset: number, n: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(n);
  let done = 0;
  while (done < n) {
    const { bytesRead } = await fh.read(bytes, done, n - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === n ? bytes : bytes.subarray(0, done);
}

/**
 * The entry at byte `offset` of an archive, read with positioned reads through `fh` (a file of
 * `fileSize` bytes), never the whole file: no 2 GiB readFile ceiling, one matrix in memory. With
 * `withKey` the entry starts with its key (scanning an ark); null at the end of the file. A window
 * from `offset` is parsed, doubled while the entry runs past it. `end` is the byte after the entry.
 */
export async function readMatrixEntryAt(fh: FileHandle, fileSize: number, offset: number, what: string, withKey: boolean): Promise<{ key?: string; value: KaldiMatrix; end: number } | null> {
  if (offset >= fileSize) {
    if (withKey) return null;
    throw new InputError(`${what}: offset ${offset} is past the end of the file (${fileSize} bytes); the scp does not belong to this archive`);
  }
  for (let size = 1 << 16; ; size *= 2) {
    const bytes = await readAt(fh, offset, Math.min(size, fileSize - offset, MAX_ENTRY_BYTES));
    const whole = offset + bytes.length >= fileSize || bytes.length >= MAX_ENTRY_BYTES;
    try {
      const cur = new Cursor(bytes, what, 0, offset);
      let key: string | undefined;
      if (withKey) {
        const k = readKey(cur);
        if (k === null) {
          if (whole) return null;
          continue;
        }
        key = k;
      }
      const entry = new Cursor(bytes, key === undefined ? what : `${what} (key ${key})`, cur.pos, offset);
      const value = readMatrix(entry, readBinaryFlag(entry));
      // The empty compressed matrix's 4-byte tail (skipEmptyCompressedTail) must be in the window.
      if (withKey && value.format.startsWith('CM') && value.numCols === 0 && entry.pos + 4 > bytes.length && !whole) continue;
      if (withKey) skipEmptyCompressedTail(entry, value);
      return { ...(key !== undefined ? { key } : {}), value, end: offset + entry.pos };
    } catch (e) {
      if (whole || !isInputError(e)) throw e;
    }
  }
}

/** The matrices an scp file points at (not read yet), with their keys; archive paths resolved as readScpMatrices does. */
export async function scpMatrixRefs(scpFile: string): Promise<MatrixRef[]> {
  let text: string;
  try {
    text = await fs.readFile(scpFile, 'utf8');
  } catch (e) {
    throw new InputError(`${scpFile}: cannot read the scp file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const found = new Map<string, string>();
  const out: MatrixRef[] = [];
  for (const e of parseScp(text, scpFile)) {
    let file = found.get(e.file);
    if (file === undefined) {
      const candidates = path.isAbsolute(e.file) ? [e.file] : [e.file, path.join(path.dirname(scpFile), e.file)];
      for (const f of candidates) if (await fs.stat(f).catch(() => null)) {
        file = f;
        break;
      }
      if (file === undefined) throw new InputError(`${scpFile} line ${e.lineNo} (key ${e.key}): archive not found: ${candidates.join(' or ')}`);
      found.set(e.file, file);
    }
    out.push({ key: e.key, file, offset: e.offset, keyed: false, ...(e.rows ? { rows: e.rows } : {}), ...(e.cols ? { cols: e.cols } : {}), where: `${e.file}:${e.offset} (key ${e.key}, ${scpFile} line ${e.lineNo})` });
  }
  return out;
}

/** The entries of an uncompressed ark, found by reading it entry by entry (null for a gzip-compressed one: it cannot be read at offsets). */
export async function arkMatrixRefs(file: string): Promise<MatrixRef[] | null> {
  const fh = await fs.open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new InputError(`${file}: cannot read the archive (${e.code ?? e})`);
  });
  try {
    const { size } = await fh.stat();
    if (isGzip(await readAt(fh, 0, 2))) return null;
    const out: MatrixRef[] = [];
    for (let offset = 0; ; ) {
      const e = await readMatrixEntryAt(fh, size, offset, file, true);
      if (!e) return out;
      out.push({ key: e.key!, file, offset, keyed: true, where: `${file} (key ${e.key})` });
      offset = e.end;
    }
  } finally {
    await fh.close();
  }
}

/** Read the matrices `refs` point at, in their order, one at a time (each archive opened once). */
export async function* readMatrixRefs(refs: MatrixRef[]): AsyncGenerator<{ key: string; value: KaldiMatrix }> {
  const open = new Map<string, { fh: FileHandle; size: number }>();
  try {
    for (const r of refs) {
      let f = open.get(r.file);
      if (!f) {
        const fh = await fs.open(r.file, 'r');
        f = { fh, size: (await fh.stat()).size };
        open.set(r.file, f);
        if (isGzip(await readAt(fh, 0, 2)) && r.offset > 0) throw new InputError(`${r.where}: ${r.file} is gzip-compressed; offsets cannot point into it (gunzip it first)`);
      }
      const e = await readMatrixEntryAt(f.fh, f.size, r.offset, r.where, r.keyed);
      if (!e) throw new InputError(`${r.where}: the archive ends before this entry (changed while it was read?)`);
      yield { key: r.key, value: sliceMatrix(e.value, r.rows, r.cols, r.where) };
    }
  } finally {
    for (const f of open.values()) await f.fh.close();
  }
}

// ---- Reading archives sequentially (gzipped ones too) --------------------------------------------

/** Options of the sequential archive readers. */
export interface ArchiveStreamOptions {
  /** Bytes per read from the file, and the least a window grows by (default 64 KiB); tests use a few bytes to cut entries anywhere. */
  chunkBytes?: number;
}

/**
 * The bytes of `file`, chunk by chunk, unpacked through node's zlib stream when the file starts
 * with the gzip magic number (Kaldi's `ali.*.gz`, `gzip -c feats.ark`): never the whole file, or
 * its unpacked content, in memory.
 */
export async function* readArchiveChunks(file: string, opts: ArchiveStreamOptions = {}): AsyncGenerator<Uint8Array> {
  const highWaterMark = opts.chunkBytes ?? 1 << 16;
  const fh = await fs.open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new InputError(`${file}: cannot read the archive (${e.code ?? e})`);
  });
  let gzipped: boolean;
  try {
    gzipped = isGzip(await readAt(fh, 0, 2));
  } finally {
    await fh.close();
  }
  const raw = createReadStream(file, { highWaterMark });
  if (!gzipped) {
    yield* raw;
    return;
  }
  // pipeline() hands a read error of the file to the gunzip stream, and destroys both when the
  // consumer stops early (a for-await left by break or throw destroys the stream it iterates).
  const unpacked = pipeline(raw, createGunzip(), () => undefined);
  try {
    yield* unpacked;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new InputError(`${file}: starts like a gzip file but cannot be unpacked (${(e as Error).message}); is it complete?`);
    throw e;
  }
}

/**
 * Bytes an entry must leave after it in the window before it is taken (unless the input ended):
 * a text vector's line, a number of a text matrix, or the 4-byte tail of an empty compressed
 * matrix cut by the end of the window would otherwise pass for a whole entry.
 */
const STREAM_MARGIN = 8;

/**
 * The entries of an archive read front to back in one pass (SequentialTableReader), parsed from
 * a window over readArchiveChunks: an entry cut by the window's end is parsed again once the
 * window has grown (doubled, so a big entry costs twice its size, not its size squared). Memory:
 * one entry and one window; no 2 GiB ceiling, gzipped archives included.
 */
async function* streamEntries<T>(file: string, readObject: (cur: Cursor, binary: boolean) => T, opts: ArchiveStreamOptions): AsyncGenerator<{ key: string; value: T }> {
  const chunks = readArchiveChunks(file, opts);
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0;
  let base = 0;
  let ended = false;
  // Keep the unparsed bytes and read at least `atLeast` more (or up to the end of the input).
  const grow = async (atLeast: number) => {
    const parts = [buf.subarray(pos)];
    let got = 0;
    while (got < atLeast) {
      const r = await chunks.next();
      if (r.done) {
        ended = true;
        break;
      }
      parts.push(r.value);
      got += r.value.length;
    }
    base += pos;
    buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    pos = 0;
  };
  try {
    for (;;) {
      try {
        const cur = new Cursor(buf, file, pos, base);
        const key = readKey(cur);
        if (key === null) {
          if (ended) return;
        } else {
          const entry = new Cursor(buf, `${file} (key ${key})`, cur.pos, base);
          const value = readObject(entry, readBinaryFlag(entry));
          if (ended || entry.pos + STREAM_MARGIN <= buf.length) {
            pos = entry.pos;
            yield { key, value };
            continue;
          }
        }
      } catch (e) {
        // Cut by the window's end, or broken: only more bytes tell.
        if (ended || !isInputError(e) || buf.length - pos >= MAX_ENTRY_BYTES) throw e;
      }
      // At least a read's worth, or as much again as is held: a big entry is parsed O(log size) times.
      await grow(Math.max(opts.chunkBytes ?? 1 << 16, buf.length - pos));
    }
  } finally {
    await chunks.return(undefined);
  }
}

/**
 * The int32 vectors of an archive in its order, one at a time (`ali-to-pdf ... ark:-` binary or
 * text, `ali.*.gz`): readInt32VectorArchive for files of any size.
 *
 * @example for await (const { key, value } of streamInt32VectorArchive('exp/tri1_ali/ali.1.gz')) console.log(key, value.length);
 */
export function streamInt32VectorArchive(file: string, opts: ArchiveStreamOptions = {}): AsyncGenerator<{ key: string; value: Int32Array }> {
  return streamEntries(file, readInt32Vector, opts);
}

/** The matrices of an archive in its order, one at a time (gzipped too): readMatrixArchive for files of any size. */
export function streamMatrixArchive(file: string, opts: ArchiveStreamOptions = {}): AsyncGenerator<{ key: string; value: KaldiMatrix }> {
  return streamEntries(file, readMatrixObject, opts);
}

/** Whether `file` is gzipped or its first object binary (isBinaryArchive on its first 64 KiB); false for a text file. */
export async function isBinaryArchiveFile(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    return isBinaryArchive(await readAt(fh, 0, 1 << 16));
  } finally {
    await fh.close();
  }
}

// ---- Writing ----------------------------------------------------------------------------------

const textEncoder = new TextEncoder();

function checkKey(key: string): void {
  // Kaldi keys are non-empty and contain no whitespace (IsToken).
  if (key === '' || /\s/.test(key)) throw new InputError(`'${key}' cannot be a Kaldi archive key (keys must be non-empty and have no spaces)`);
}

/** The size in bytes of encodeBinaryMatrix's object: a writer can place objects before it has their values. */
export function binaryMatrixBytes(numRows: number, numCols: number): number {
  return 5 + 10 + numRows * numCols * 4;
}

/** A binary object of a float matrix: `\0BFM ` + `\4` rows + `\4` cols + float32 data (MatrixBase::Write). */
export function encodeBinaryMatrix(data: Float32Array, numRows: number, numCols: number): Uint8Array {
  if (data.length !== numRows * numCols) throw new Error(`encodeBinaryMatrix: ${data.length} values for ${numRows} x ${numCols}`);
  const out = new Uint8Array(binaryMatrixBytes(numRows, numCols));
  out.set([0, 0x42, 0x46, 0x4d, 0x20], 0);
  const view = new DataView(out.buffer);
  out[5] = 4;
  view.setInt32(6, numRows, true);
  out[10] = 4;
  view.setInt32(11, numCols, true);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 15);
  return out;
}

/** A binary object of an int32 vector: `\0B` + `\4` size + (`\4` value) per element (BasicVectorHolder<int32>::Write). */
export function encodeBinaryInt32Vector(values: Int32Array): Uint8Array {
  const out = new Uint8Array(2 + 5 * (values.length + 1));
  const view = new DataView(out.buffer);
  out[0] = 0;
  out[1] = 0x42;
  out[2] = 4;
  view.setInt32(3, values.length, true);
  for (let i = 0; i < values.length; i++) {
    out[7 + 5 * i] = 4;
    view.setInt32(8 + 5 * i, values[i], true);
  }
  return out;
}

/**
 * A binary archive of `entries` (`key ` + object each) and, for each entry, the offset of its
 * object (for the scp). `encode` makes one object's bytes.
 */
export function encodeArchive<T>(entries: { key: string; value: T }[], encode: (value: T) => Uint8Array): { bytes: Uint8Array; offsets: number[] } {
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let pos = 0;
  for (const e of entries) {
    checkKey(e.key);
    const head = textEncoder.encode(`${e.key} `);
    const body = encode(e.value);
    parts.push(head, body);
    offsets.push(pos + head.length);
    pos += head.length + body.length;
  }
  return { bytes: Buffer.concat(parts), offsets };
}

/** scp lines `key file:offset` for an archive written with `encodeArchive`. */
export function formatScp(keys: string[], arkFile: string, offsets: number[]): string {
  return keys.map((k, i) => `${k} ${arkFile}:${offsets[i]}\n`).join('');
}

// ---- Text form (`ark,t:`), as `copy-feats ark:- ark,t:-` prints it -----------------------------

/**
 * The significant digits of `v` (> 0, finite) rounded to `precision` digits half to even, as
 * glibc's printf rounds the exact binary value, and the decimal exponent of the first digit.
 * JavaScript's toExponential rounds exact ties away from zero instead, so a tie is recomputed
 * exactly from v = M * 2^E (a tie needs the digits after the kept ones to be exactly 5000...).
 */
function roundDigits(v: number, precision: number): { digits: string; exp10: number } {
  const [m, e] = v.toExponential(precision - 1).split('e');
  const fast = { digits: m.replace('.', ''), exp10: Number(e) };
  if (!v.toExponential(precision).split('e')[0].endsWith('5')) return fast;
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, v);
  const hi = bits.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  if (biased !== 0) mant |= 1n << 52n;
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  // v = digits / 10^scale exactly.
  const exact = (exp2 >= 0 ? mant << BigInt(exp2) : mant * 5n ** BigInt(-exp2)).toString();
  const scale = exp2 >= 0 ? 0 : -exp2;
  let exp10 = exact.length - 1 - scale;
  if (exact.length <= precision) return { digits: exact.padEnd(precision, '0'), exp10 };
  let head = exact.slice(0, precision);
  const rest = exact.slice(precision);
  const up = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || Number(head[head.length - 1]) % 2 === 1));
  if (up) {
    head = (BigInt(head) + 1n).toString();
    if (head.length > precision) {
      head = head.slice(0, precision);
      exp10++;
    }
  }
  return { digits: head, exp10 };
}

/**
 * A float as Kaldi's text archives print it: `std::ostream << float` (printf `%g`) with the
 * precision 7 that InitKaldiOutputStream sets ("a bit more than the precision of float").
 */
export function formatKaldiFloat(v: number, precision = 7): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const { digits, exp10 } = roundDigits(Math.abs(v), precision);
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp10 < -4 || exp10 >= precision) {
    const e = Math.abs(exp10);
    return `${sign}${strip(`${digits[0]}.${digits.slice(1)}`)}e${exp10 < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp10 < 0) return `${sign}${strip(`0.${'0'.repeat(-exp10 - 1)}${digits}`)}`;
  return `${sign}${strip(`${digits.slice(0, exp10 + 1)}.${digits.slice(exp10 + 1)}`)}`;
}

/**
 * One entry of a text int32-vector archive (`ali-to-pdf ... ark,t:-`): `key ` then each value
 * followed by a space (WriteBasicType in text mode), then a newline (BasicVectorHolder::Write).
 */
export function formatKaldiTextInt32Vector(key: string, values: ArrayLike<number>): string {
  let line = `${key} `;
  for (let i = 0; i < values.length; i++) line += `${values[i]} `;
  return line + '\n';
}

/**
 * One text archive entry as TableWriter writes it: `key ` then MatrixBase::Write in text mode
 * (` [`, per row `\n  ` and each value followed by a space, then `]\n`; an empty matrix is ` [ ]\n`).
 */
export function formatKaldiTextMatrix(key: string, data: ArrayLike<number>, numRows: number, numCols: number): string {
  if (numCols === 0 || numRows === 0) return `${key}  [ ]\n`;
  const parts: string[] = [`${key}  [`];
  for (let r = 0; r < numRows; r++) {
    let line = '\n  ';
    const base = r * numCols;
    for (let c = 0; c < numCols; c++) line += formatKaldiFloat(data[base + c]) + ' ';
    parts.push(line);
  }
  parts.push(']\n');
  return parts.join('');
}
