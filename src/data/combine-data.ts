// Combine data directories into one (Kaldi utils/combine_data.sh): the union of their utterances,
// recordings and speakers; ids must not clash.
import { InputError } from '../errors.js';
import { readDataDirTables, writeDataDirTables, type WrittenDataDir } from './data-dir-tables.js';

/**
 * Write the union of the data directories `dirs` into `out` (validated). A file that only some
 * of them have (`text`, `segments`, ...) is left out and named in `dropped`.
 *
 * @example await combineDataDirs('data/train_all', ['data/train_clean', 'data/train_noisy'])
 */
export async function combineDataDirs(out: string, dirs: string[]): Promise<WrittenDataDir> {
  if (dirs.length === 0) throw new InputError('give at least one source directory');
  const parts = [];
  for (const d of dirs) {
    const tables = await readDataDirTables(d);
    parts.push({ tables, uttIds: tables.data.utterances.map((u) => u.uttId) });
  }
  return writeDataDirTables(out, parts);
}
