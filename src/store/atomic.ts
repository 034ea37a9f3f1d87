import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { makeDirs } from './paths.js';

/** A temporary name beside `finalPath` (same directory, so the rename is atomic). */
export function tempPathFor(finalPath: string): string {
  const dir = path.dirname(finalPath);
  const base = path.basename(finalPath);
  return path.join(dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}-${base}`);
}

/**
 * Write a file so that readers see either the old content or the whole new one, never a
 * truncated file: write to a temp name in the same directory, fsync, then rename. `data` may be
 * chunks (written one after the other, never joined in memory).
 */
export async function writeFileAtomic(finalPath: string, data: string | Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  await writeFileAtomicWith(finalPath, async (fh) => {
    if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
    else for await (const chunk of data) await fh.writeFile(chunk); // each from where the last ended
  });
}

/**
 * writeFileAtomic for writers that need the file handle (positional writes, e.g. export-feats
 * placing each utterance at its offset): `fill` writes the temp file, which is then fsynced and
 * renamed to `finalPath`; if `fill` throws, the temp file is removed and `finalPath` is untouched.
 */
export async function writeFileAtomicWith(finalPath: string, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  await makeDirs(path.dirname(finalPath));
  const tmp = tempPathFor(finalPath);
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, finalPath);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Produce `finalPath` (a file or a directory) through `produce(tmpPath)`, then rename into place.
 * If `produce` throws, the temp output is removed and any existing `finalPath` is left untouched.
 */
export async function produceAtomic<T>(finalPath: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  await makeDirs(path.dirname(finalPath));
  const tmp = tempPathFor(finalPath);
  try {
    const result = await produce(tmp);
    await fs.rm(finalPath, { recursive: true, force: true });
    await fs.rename(tmp, finalPath);
    return result;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
