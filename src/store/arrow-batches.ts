// Reading Arrow IPC files record batch by record batch through a file handle, for archives of any
// size: `fs.readFile` refuses files over 2 GiB (ERR_FS_FILE_TOO_LARGE), and a whole-file buffer
// would hold the archive in memory twice. Used by the feature shards, the alignment archive and
// the soft-target cache.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';
import { InputError } from '../errors.js';
import { tempPathFor } from './atomic.js';
import { makeDirs } from './paths.js';

// The single-file bundle, as in feats-archive.ts (fast start-up in workers). Callers only read
// columns (getChild, data, valueOffsets, values), so mixing with the ESM package's objects is safe.
const { RecordBatchFileWriter, RecordBatchReader, tableFromIPC } = createRequire(import.meta.url)('apache-arrow/Arrow.esnext.min') as typeof ArrowModule;

/**
 * The record batches of an Arrow IPC file read through a file handle, one at a time (apache-arrow's
 * RecordBatchReader on a FileHandle: random-access reads, never the whole file in one buffer, so no
 * 2 GiB `readFile` ceiling). Errors name the file as `what` (e.g. `feature shard`) and end with `hint`.
 */
export async function* readArrowBatches(file: string, what: string, hint: string): AsyncGenerator<ArrowModule.RecordBatch> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    throw new InputError(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? e}); ${hint}`);
  }
  try {
    let reader: ArrowModule.AsyncRecordBatchFileReader | ArrowModule.AsyncRecordBatchStreamReader;
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
    } catch (e) {
      throw new InputError(`${file}: not a readable Arrow ${what} (${(e as Error).message}); ${hint}`);
    }
    if (reader.schema === undefined || reader.schema.fields.length === 0) throw new InputError(`${file}: not a readable Arrow ${what} (no columns); ${hint}`);
    while (true) {
      let next: IteratorResult<ArrowModule.RecordBatch>;
      try {
        next = await reader.next();
      } catch (e) {
        throw new InputError(`${file}: damaged Arrow record batch (${(e as Error).message}); ${hint}`);
      }
      if (next.done) break;
      yield next.value;
    }
  } finally {
    await handle.close();
  }
}

/** An Arrow IPC file being written record batch by record batch (openArrowFileWriter). */
export interface ArrowFileWriter {
  /** Append the record batches of `ipc` (the bytes of an Arrow IPC file or stream with the same schema as the others). */
  append(ipc: Uint8Array): Promise<void>;
  /** Finish the file (footer, fsync) and rename it into place. */
  close(): Promise<void>;
  /** Drop the unfinished file; the final path is untouched. */
  abort(): Promise<void>;
}

/**
 * Write an Arrow IPC *file* of any size piece by piece: each `append` adds record batches, so a
 * writer holds one piece at a time instead of the whole table (tableToIPC needs it all in memory).
 * The file appears at `file` only on close() (temp name, fsync, rename, as writeFileAtomic). The
 * pieces come as IPC bytes, so callers may build them with either copy of apache-arrow.
 *
 * @example const w = await openArrowFileWriter('ali.arrow'); for (const g of groups) await w.append(encode(g)); await w.close();
 */
export async function openArrowFileWriter(file: string): Promise<ArrowFileWriter> {
  await makeDirs(path.dirname(file));
  const tmp = tempPathFor(file);
  const fh = await fs.open(tmp, 'w');
  const writer = new RecordBatchFileWriter();
  let written = false;
  // The writer queues its bytes (an async queue, no backpressure): each append moves what it queued
  // to the file before returning, so at most one piece is in memory however fast the caller produces
  // (a background drain fell behind a fast producer: import-ali of 450M frames peaked at 3.4 GB RSS).
  const queue = writer[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  let next: Promise<IteratorResult<Uint8Array>> | undefined;
  const EMPTY = Symbol('empty');
  const drain = async (untilDone: boolean) => {
    for (;;) {
      if (!next) {
        next = queue.next();
        next.catch(() => undefined); // abort() rejects a pending read that no one may await any more
      }
      // The queue answers at once when it holds bytes; a pending answer means it is empty (kept for later).
      const r = untilDone ? await next : await Promise.race([next, Promise.resolve(EMPTY)]);
      if (r === EMPTY) return;
      next = undefined;
      if (r.done) return;
      await fh.write(r.value);
    }
  };
  const abort = async () => {
    writer.abort();
    await fh.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
  };
  return {
    async append(ipc) {
      const table = tableFromIPC(ipc);
      // The first piece sets the schema, even without rows (an empty file is still readable).
      if (!written) writer.reset(undefined, table.schema);
      written = true;
      for (const b of table.batches) writer.write(b);
      await drain(false);
    },
    async close() {
      try {
        if (!written) throw new Error(`openArrowFileWriter(${file}): nothing appended, no schema to write`);
        writer.close();
        await drain(true);
        await fh.sync();
        await fh.close();
        await fs.rename(tmp, file);
      } catch (e) {
        await abort();
        throw e;
      }
    },
    abort,
  };
}

/** One column of a record batch read by readArrowColumns: its values, or a list column's offsets only. */
export type ArrowColumnValues = { kind: 'utf8'; values: string[] } | { kind: 'int32'; values: Int32Array } | { kind: 'list-offsets'; offsets: Int32Array };

/**
 * Some columns of an Arrow IPC *file*, record batch by record batch, reading from disk only their
 * buffers (the footer's record batch blocks, each batch's metadata, then the wanted buffers): a
 * list column yields its offsets without its values, so a pass over utterance ids and frame counts
 * of a feature shard reads a few bytes per utterance instead of its features. apache-arrow's
 * readers load whole record batch bodies (no column projection), hence this reader; it handles the
 * types asr-distill writes (utf8, int32, list; no nulls, no compression) and refuses others.
 *
 * @example for await (const b of readArrowColumns('feats.1.arrow', ['utt_id', 'num_frames'], 'feature shard', 're-run')) b.columns.get('utt_id')
 */
export async function* readArrowColumns(file: string, names: string[], what: string, hint: string): AsyncGenerator<{ numRows: number; columns: Map<string, ArrowColumnValues> }> {
  const { Message, DataType } = await import('apache-arrow');
  const { Footer } = await import('apache-arrow/ipc/metadata/file');
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    throw new InputError(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? e}); ${hint}`);
  }
  const bad = (why: string): InputError => new InputError(`${file}: not a readable Arrow ${what} (${why}); ${hint}`);
  const read = async (position: number, length: number): Promise<Uint8Array> => {
    const buf = new Uint8Array(new ArrayBuffer(length));
    const { bytesRead } = await handle.read(buf, 0, length, position);
    if (bytesRead !== length) throw bad(`${length} bytes expected at offset ${position}, ${bytesRead} there`);
    return buf;
  };
  try {
    // Arrow IPC file: ... footer, int32 footer length, "ARROW1" (columnar format spec, "IPC File Format").
    const size = (await handle.stat()).size;
    if (size < 16) throw bad('too short');
    const tail = await read(size - 10, 10);
    if (new TextDecoder().decode(tail.subarray(4)) !== 'ARROW1') throw bad('no ARROW1 trailer: not an Arrow IPC file');
    const footerLength = new DataView(tail.buffer).getInt32(0, true);
    if (!(footerLength > 0 && footerLength <= size - 10)) throw bad(`footer length ${footerLength}`);
    const footer = Footer.decode(await read(size - 10 - footerLength, footerLength));
    // Where each field's nodes and buffers start, in the depth-first order of a record batch's metadata.
    const layout = new Map<string, { type: ArrowColumnValues['kind']; node: number; buffer: number }>();
    let node = 0;
    let buffer = 0;
    const walk = (type: ArrowModule.DataType, name: string | undefined): void => {
      if (DataType.isUtf8(type)) {
        if (name) layout.set(name, { type: 'utf8', node, buffer });
        node += 1;
        buffer += 3; // validity, offsets, data
      } else if (DataType.isInt(type) || DataType.isFloat(type)) {
        if (name) {
          if (!(DataType.isInt(type) && type.bitWidth === 32 && type.isSigned)) throw bad(`column ${name} is ${type}, not int32`);
          layout.set(name, { type: 'int32', node, buffer });
        }
        node += 1;
        buffer += 2; // validity, data
      } else if (DataType.isList(type)) {
        if (name) layout.set(name, { type: 'list-offsets', node, buffer });
        node += 1;
        buffer += 2; // validity, offsets
        walk(type.children[0].type, undefined);
      } else {
        throw bad(`column type ${type} is not one this reader knows`);
      }
    };
    for (const f of footer.schema.fields) walk(f.type, names.includes(f.name) ? f.name : undefined);
    const missing = names.filter((n) => !layout.has(n));
    if (missing.length > 0) throw bad(`missing column(s) ${missing.join(', ')}`);
    for (const block of footer.recordBatches()) {
      const offset = Number(block.offset);
      const meta = await read(offset, block.metaDataLength);
      const view = new DataView(meta.buffer);
      // The encapsulated message: 0xFFFFFFFF continuation marker (absent before format 0.15), int32 length, flatbuffer.
      const start = view.getInt32(0, true) === -1 ? 8 : 4;
      const message = Message.decode(meta.subarray(start, start + view.getInt32(start - 4, true)));
      if (!message.isRecordBatch()) throw bad('a footer block that is not a record batch');
      if (message.compression) throw bad('compressed record batches');
      const header = message.header();
      const body = offset + block.metaDataLength;
      const columns = new Map<string, ArrowColumnValues>();
      for (const name of names) {
        const l = layout.get(name)!;
        const n = header.nodes[l.node];
        if (!n) throw bad(`record batch without column ${name}`);
        if (Number(n.nullCount) !== 0) throw bad(`nulls in column ${name}`);
        const region = async (i: number): Promise<Uint8Array> => {
          const r = header.buffers[l.buffer + i];
          if (!r) throw bad(`record batch without buffer ${l.buffer + i}`);
          return read(body + Number(r.offset), Number(r.length));
        };
        const rows = Number(n.length);
        const int32s = async (i: number, count: number): Promise<Int32Array> => {
          const b = await region(i);
          if (b.byteLength < 4 * count) throw bad(`column ${name}: ${b.byteLength} bytes for ${count} values`);
          return new Int32Array(b.buffer, 0, count);
        };
        if (l.type === 'int32') columns.set(name, { kind: 'int32', values: await int32s(1, rows) });
        else if (l.type === 'list-offsets') columns.set(name, { kind: 'list-offsets', offsets: await int32s(1, rows + 1) });
        else {
          const offsets = await int32s(1, rows + 1);
          const data = await region(2);
          const dec = new TextDecoder();
          columns.set(name, { kind: 'utf8', values: Array.from({ length: rows }, (_, i) => dec.decode(data.subarray(offsets[i], offsets[i + 1]))) });
        }
      }
      yield { numRows: Number(header.length), columns };
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw bad((e as Error).message);
  } finally {
    await handle.close();
  }
}
