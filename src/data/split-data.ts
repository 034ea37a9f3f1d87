// Split a data directory into N parts by speaker (Kaldi utils/split_data.sh): every speaker's
// utterances in one part, parts contiguous in speaker order with similar utterance counts.
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { splitIntoShards } from './balanced-split.js';
import { compareCLocale } from './c-locale.js';
import { readDataDirTables, writeDataDirTables, type WrittenDataDir } from './data-dir-tables.js';

/**
 * Write parts 1..n of `dir` into `out/1` ... `out/n` (Kaldi writes `DIR/splitN/JOB`), each a
 * validated data directory.
 *
 * @example await splitDataDir('data/train', 'data/train/split4', 4)
 */
export async function splitDataDir(dir: string, out: string, n: number): Promise<WrittenDataDir[]> {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${n} parts: expected a positive integer`);
  const tables = await readDataDirTables(dir);
  const speakers = [...tables.data.spk2utt.keys()].sort(compareCLocale);
  if (n > speakers.length) {
    throw new InputError(`${dir} has ${speakers.length} speaker${speakers.length === 1 ? '' : 's'}, fewer than the ${n} parts asked for; split into at most ${speakers.length}`);
  }
  const groups = splitIntoShards(speakers, n, (s) => tables.data.spk2utt.get(s)!.length);
  const written: WrittenDataDir[] = [];
  for (let i = 0; i < groups.length; i++) {
    written.push(await writeDataDirTables(path.join(out, String(i + 1)), [{ tables, uttIds: groups[i]!.flatMap((s) => tables.data.spk2utt.get(s)!) }]));
  }
  return written;
}
