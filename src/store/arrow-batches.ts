// Reading Arrow IPC files record batch by record batch through a file handle, for archives of any
// size: `fs.readFile` refuses files over 2 GiB (ERR_FS_FILE_TOO_LARGE), and a whole-file buffer
// would hold the archive in memory twice. Used by the feature shards, the alignment archive and
// the soft-target cache.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';
import { InputError } from '../errors.js';

// The single-file bundle, as in feats-archive.ts (fast start-up in workers). Callers only read
// columns (getChild, data, valueOffsets, values), so mixing with the ESM package's objects is safe.
const { RecordBatchReader } = createRequire(import.meta.url)('apache-arrow/Arrow.esnext.min') as typeof ArrowModule;

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
