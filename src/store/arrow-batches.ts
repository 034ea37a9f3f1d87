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
  // The writer queues its bytes; this loop moves them to the file as they come.
  const drain = (async () => {
    for await (const chunk of writer) await fh.write(chunk);
  })();
  drain.catch(() => undefined); // reported by close()
  const abort = async () => {
    writer.abort();
    await drain.catch(() => undefined);
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
      await new Promise((r) => setImmediate(r)); // let the drain loop catch up: one piece in memory
    },
    async close() {
      try {
        if (!written) throw new Error(`openArrowFileWriter(${file}): nothing appended, no schema to write`);
        writer.close();
        await drain;
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
