// Job inputs and results as files, for backends whose jobs run in another process on another
// machine (Slurm, see slurm.ts). Values are written with node:v8's serializer, the structured-clone
// algorithm worker threads use, so a job sees exactly what a local worker would (typed arrays bit
// for bit, Maps, nested objects). Large buffers become blob files written once per buffer and
// named by content, so a corpus shared by every shard of a pass is written once, not once per job.
// A SharedArrayBuffer is always a blob: local workers write into shared memory (the alignment of
// hmm/shard-pass.ts), so a job sends back the byte ranges it changed and the caller copies them
// into its own buffer, which is what the same job would have done in a worker thread.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { FileRange } from './runner.js';

/** Buffers at least this large are written as blob files instead of inside the input file. */
export const BLOB_MIN_BYTES = 1 << 20;

const BLOB_KEY = '__asrDistillBlob';

/** A buffer of the input written as its own file. */
export interface BlobRef {
  /** Absolute path of the blob file. */
  file: string;
  byteLength: number;
  /** A SharedArrayBuffer: the job's writes to it come back in its result. */
  shared: boolean;
  sha256: string;
}

interface BlobPlaceholder {
  [BLOB_KEY]: number;
  /** Typed-array constructor name, or ArrayBuffer / SharedArrayBuffer for a bare buffer. */
  type: string;
  byteOffset: number;
  length: number;
}

/** Byte ranges a job changed in a shared blob. */
export interface SharedWrite {
  blob: number;
  offset: number;
  bytes: Uint8Array;
}

/** Bytes a job wrote in place into a file (one of its JobSpec `writesInPlace` ranges). */
export interface FileWrite {
  file: string;
  offset: number;
  bytes: Uint8Array;
}

/** What a job's result file holds. */
export interface JobResultFile {
  /** The spec hash this result belongs to (a rerun with other inputs must not take it). */
  hash: string;
  result: { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; stack?: string } };
  writes: SharedWrite[];
  /** Its `writesInPlace` ranges as the job left them (written back when a rerun reuses the job). */
  fileWrites?: FileWrite[];
}

type Buf = ArrayBuffer | SharedArrayBuffer;

/** The buffers externalised while preparing the specs of one run (one entry per buffer). */
export class BlobTable {
  readonly buffers: Buf[] = [];
  readonly refs: BlobRef[] = [];
  private readonly index = new Map<Buf, number>();
  constructor(private readonly dir: string) {}

  /** Index of `buf` in this table, writing its blob file the first time it is seen. */
  async add(buf: Buf): Promise<number> {
    const known = this.index.get(buf);
    if (known !== undefined) return known;
    const bytes = new Uint8Array(buf);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = path.join(this.dir, `blob-${sha256.slice(0, 24)}.bin`);
    const st = await fs.stat(file).catch(() => undefined);
    if (st?.size !== bytes.byteLength) await writeFileReplacing(file, bytes);
    const i = this.refs.length;
    this.index.set(buf, i);
    this.buffers.push(buf);
    this.refs.push({ file, byteLength: bytes.byteLength, shared: buf instanceof SharedArrayBuffer, sha256 });
    return i;
  }

  /** Copy a job's shared-memory writes into the caller's buffers (`used`: see externalize). */
  applyWrites(writes: SharedWrite[], used: number[]): void {
    for (const w of writes) new Uint8Array(this.buffers[used[w.blob]]).set(w.bytes, w.offset);
  }
}

/** Write through a temporary name and rename, so a reader on another node never sees half a file. */
export async function writeFileReplacing(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}-${path.basename(file)}`);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * `value` with every large or shared buffer replaced by a placeholder naming its blob (which
 * `blobs` writes), and the table indices of the blobs it uses (placeholder k = `blobs[k]`). Functions and other values structured clone refuses fail the same
 * way here (when v8.serialize sees them).
 */
export async function externalize(value: unknown, blobs: BlobTable, minBytes = BLOB_MIN_BYTES): Promise<{ value: unknown; blobs: number[] }> {
  const seen = new Map<object, unknown>();
  // Placeholders number the blobs of this value (0, 1, ...); `used` maps them to the table's.
  const used: number[] = [];
  const local = new Map<number, number>();
  const blobIndex = async (buf: Buf): Promise<number> => {
    const g = await blobs.add(buf);
    let l = local.get(g);
    if (l === undefined) {
      l = used.length;
      used.push(g);
      local.set(g, l);
    }
    return l;
  };
  const walk = async (v: unknown): Promise<unknown> => {
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return seen.get(v);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const buf = v.buffer;
      if (!(buf instanceof SharedArrayBuffer) && buf.byteLength < minBytes) return v;
      const p: BlobPlaceholder = { [BLOB_KEY]: await blobIndex(buf), type: v.constructor.name, byteOffset: v.byteOffset, length: (v as Uint8Array).length };
      seen.set(v, p);
      return p;
    }
    if (v instanceof SharedArrayBuffer || (v instanceof ArrayBuffer && v.byteLength >= minBytes)) {
      const p: BlobPlaceholder = { [BLOB_KEY]: await blobIndex(v), type: v.constructor.name, byteOffset: 0, length: v.byteLength };
      seen.set(v, p);
      return p;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(await walk(x));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(await walk(k), await walk(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(await walk(x));
      return out;
    }
    // v8 serialises these itself (small buffers included). Class instances lose their prototype
    // in structured clone; walking their own fields below gives the same plain object.
    if (v instanceof Date || v instanceof RegExp || v instanceof Error || v instanceof ArrayBuffer || v instanceof DataView) return v;
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, x] of Object.entries(v)) out[k] = await walk(x);
    return out;
  };
  const out = await walk(value);
  return { value: out, blobs: used };
}

/** Undo `externalize` in the job: placeholders become views on the loaded blob buffers. */
export function internalize(value: unknown, buffers: Buf[]): unknown {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    if (seen.has(v)) return seen.get(v);
    if (BLOB_KEY in v) {
      const p = v as BlobPlaceholder;
      const buf = buffers[p[BLOB_KEY]];
      let out: unknown;
      if (p.type === 'ArrayBuffer' || p.type === 'SharedArrayBuffer') out = buf;
      else {
        const Ctor = (globalThis as unknown as Record<string, new (b: Buf, o: number, n: number) => unknown>)[p.type];
        if (typeof Ctor !== 'function') throw new Error(`job input: unknown typed array ${p.type}`);
        out = new Ctor(buf, p.byteOffset, p.length);
      }
      seen.set(v, out);
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(walk(x));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(walk(k), walk(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(walk(x));
      return out;
    }
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  };
  return walk(value);
}

/**
 * Read a whole file into `into` (or a fresh buffer of the file's size) in pieces of `chunkBytes`
 * through a file handle: fs.readFile refuses files over 2 GiB (ERR_FS_FILE_TOO_LARGE), and a blob
 * read straight into its (Shared)ArrayBuffer is in memory once, not twice. Throws when the file
 * does not have `into`'s size (`what` names it).
 */
export async function readWholeFile(file: string, what: string, into?: Uint8Array, chunkBytes = 1 << 26): Promise<Uint8Array> {
  const fh = await fs.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    if (into && size !== into.byteLength) throw new Error(`${what}: ${file} has ${size} bytes, expected ${into.byteLength} (removed or rewritten while the job was queued?)`);
    const out = into ?? new Uint8Array(size);
    for (let pos = 0; pos < size; ) {
      const { bytesRead } = await fh.read(out, pos, Math.min(chunkBytes, size - pos), pos);
      if (bytesRead === 0) throw new Error(`${what}: ${file} ends at byte ${pos}, expected ${size} (rewritten while it was read?)`);
      pos += bytesRead;
    }
    return out;
  } finally {
    await fh.close();
  }
}

/**
 * Load the blobs of a job: shared ones into SharedArrayBuffers (with a copy to diff against later).
 * Each is read straight into its buffer (readWholeFile: no 2 GiB ceiling). A blob's size is that
 * of a buffer of the caller: the GMM stages' shared corpus (features, alignment) is held in memory
 * only under their --max-memory-frames (gmm-corpus.ts; over it the jobs read scratch files), so
 * its blobs are bounded by that budget, not by the corpus.
 */
export async function loadBlobs(refs: BlobRef[]): Promise<{ buffers: Buf[]; before: (Uint8Array | undefined)[] }> {
  const buffers: Buf[] = [];
  const before: (Uint8Array | undefined)[] = [];
  for (const r of refs) {
    const buf = r.shared ? new SharedArrayBuffer(r.byteLength) : new ArrayBuffer(r.byteLength);
    const bytes = await readWholeFile(r.file, 'job input', new Uint8Array(buf));
    buffers.push(buf);
    before.push(r.shared ? bytes.slice() : undefined);
  }
  return { buffers, before };
}

/**
 * The byte ranges where `after` differs from `before`; ranges closer than `gap` bytes are merged
 * (fewer, larger writes; the merged bytes are the job's values, equal to the originals).
 */
export function changedRanges(before: Uint8Array, after: Uint8Array, gap = 64): { offset: number; end: number }[] {
  const out: { offset: number; end: number }[] = [];
  const n = before.length;
  let i = 0;
  while (i < n) {
    if (before[i] === after[i]) {
      i++;
      continue;
    }
    const start = i;
    let end = i + 1;
    let j = end;
    while (j < n && j - end < gap) {
      if (before[j] !== after[j]) end = j + 1;
      j++;
    }
    out.push({ offset: start, end });
    i = end;
  }
  return out;
}

/** The writes a job made to its shared blobs (see changedRanges). */
export function sharedWrites(buffers: Buf[], before: (Uint8Array | undefined)[]): SharedWrite[] {
  const writes: SharedWrite[] = [];
  buffers.forEach((buf, blob) => {
    const b = before[blob];
    if (!b) return;
    const after = new Uint8Array(buf);
    for (const r of changedRanges(b, after)) writes.push({ blob, offset: r.offset, bytes: after.slice(r.offset, r.end) });
  });
  return writes;
}

/** The bytes of `ranges` as they are now (what a finished job wrote there; read in the job). */
export async function readFileRanges(ranges: FileRange[]): Promise<FileWrite[]> {
  const out: FileWrite[] = [];
  for (const r of ranges) {
    const h = await fs.open(r.file, 'r');
    try {
      const bytes = new Uint8Array(r.length);
      const { bytesRead } = await h.read(bytes, 0, r.length, r.offset);
      if (bytesRead !== r.length) throw new Error(`job result: ${r.file} ends before byte ${r.offset + r.length} (removed or truncated while the job ran?)`);
      out.push({ file: r.file, offset: r.offset, bytes });
    } finally {
      await h.close();
    }
  }
  return out;
}

/** Write a reused job's in-place writes back into their files (which a rerun made afresh). */
export async function applyFileWrites(writes: FileWrite[]): Promise<void> {
  for (const w of writes) {
    const h = await fs.open(w.file, 'r+');
    try {
      await h.write(w.bytes, 0, w.bytes.length, w.offset);
    } finally {
      await h.close();
    }
  }
}

/** Serialise a value (after externalize) for a file. */
export function serialize(value: unknown): Uint8Array {
  return v8.serialize(value);
}

/** Read a value written by `serialize`. */
export function deserialize(bytes: Uint8Array): unknown {
  return v8.deserialize(bytes);
}

/** The hash that identifies a job: its function, its serialised input, the contents of its blobs, its outputs and in-place ranges. */
export function specHash(module: string, fn: string, inputBytes: Uint8Array, blobs: BlobRef[], outputs: string[], writesInPlace: FileRange[] = []): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ module, fn, blobs: blobs.map((b) => [b.sha256, b.shared]), outputs, ...(writesInPlace.length > 0 ? { writesInPlace } : {}) }));
  h.update(inputBytes);
  return h.digest('hex');
}

/** The JSON spec file of one job (`EXP/log/q/NAME.JOB.json`); every path absolute. */
export interface JobSpecFile {
  /** `NAME.JOB`, as in the log file name. */
  name: string;
  module: string;
  fn: string;
  hash: string;
  /** The input, serialised (after externalize). */
  input: string;
  blobs: BlobRef[];
  /** Where the job writes its JobResultFile. */
  result: string;
  /** Where the job appends its progress reports, one JSON line each. */
  progress: string;
  log: string;
  /** Files the job writes besides its result (a finished job whose outputs are gone is redone). */
  outputs: string[];
  /** Byte ranges of files the job writes in place (JobSpec `writesInPlace`); their bytes go into the result. */
  writesInPlace?: FileRange[];
  /** Set once submitted. */
  slurmJobId?: string;
}
