// Corpus-sized arrays kept on disk instead of in memory (a spilled GmmCorpus, gmm-corpus.ts): the
// GMM features [totalFrames x dim] float32 and the transition-id alignment [totalFrames] int32,
// read and written at row offsets with positioned reads/writes, one utterance at a time. As Kaldi's
// gmm-acc-stats-ali reads its own split's archive, a job touches only its utterances' rows, so a
// process holds one utterance, never the corpus. Native byte order (files are scratch, written and
// read on machines of one architecture: the nodes of a cluster sharing the filesystem).
// Hand-written: node:fs positioned reads are all it takes (no npm package fits better).
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

/** An open rows file (synchronous: the job functions are synchronous numeric loops). */
export interface RowsFile {
  fd: number;
  file: string;
}

/** Open `file` for row reads (`r`), reads and writes (`r+`), or as a new file (`w+`); close with closeRows. */
export function openRows(file: string, mode: 'r' | 'r+' | 'w+' = 'r'): RowsFile {
  return { fd: openSync(file, mode), file };
}

export function closeRows(f: RowsFile): void {
  closeSync(f.fd);
}

function readFully(f: RowsFile, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(f.fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new Error(`${f.file}: ends before byte ${position + bytes.length} (the scratch file was truncated or removed while in use)`);
    done += n;
  }
}

function writeFully(f: RowsFile, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(f.fd, bytes, done, bytes.length - done, position + done);
}

/** Rows `firstRow .. firstRow+numRows` of a float32 file of `dim` columns. */
export function readFloatRows(f: RowsFile, firstRow: number, numRows: number, dim: number): Float32Array {
  const out = new Float32Array(numRows * dim);
  readFully(f, new Uint8Array(out.buffer), firstRow * dim * 4);
  return out;
}

/** Write `values` (whole rows of `dim` float32) at row `firstRow`. */
export function writeFloatRows(f: RowsFile, firstRow: number, values: Float32Array, dim: number): void {
  writeFully(f, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), firstRow * dim * 4);
}

/** `n` int32 values from index `first` of an int32 file. */
export function readIntRows(f: RowsFile, first: number, n: number): Int32Array {
  const out = new Int32Array(n);
  readFully(f, new Uint8Array(out.buffer), first * 4);
  return out;
}

/** Write int32 `values` at index `first`. */
export function writeIntRows(f: RowsFile, first: number, values: Int32Array): void {
  writeFully(f, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), first * 4);
}

/** Run `fn` with `file` open, closing it whatever happens. */
export function withRows<T>(file: string, mode: 'r' | 'r+', fn: (f: RowsFile) => T): T {
  const f = openRows(file, mode);
  try {
    return fn(f);
  } finally {
    closeRows(f);
  }
}
