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
  const tables = await readDataDirTables(dir);
  const parts = speakerParts(tables.data.spk2utt, n, dir);
  const written: WrittenDataDir[] = [];
  for (let i = 0; i < parts.length; i++) written.push(await writeDataDirTables(path.join(out, String(i + 1)), [{ tables, uttIds: parts[i]! }]));
  return written;
}

/**
 * The utterance ids of parts 1..n of a speaker -> utterances map, as split-data groups them:
 * speakers in C-locale order, contiguous runs of similar utterance counts, no speaker in two parts.
 * Feature and alignment directories are split with it too, so that their parts match
 * `split-data`'s. `what` names the source in errors.
 *
 * @example speakerParts(new Map([['a', ['a-1', 'a-2']], ['b', ['b-1']]]), 2, 'data/train') // [['a-1', 'a-2'], ['b-1']]
 */
export function speakerParts(spk2utt: Map<string, string[]>, n: number, what: string): string[][] {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${n} parts: expected a positive integer`);
  const speakers = [...spk2utt.keys()].sort(compareCLocale);
  if (n > speakers.length) {
    throw new InputError(`${what} has ${speakers.length} speaker${speakers.length === 1 ? '' : 's'}, fewer than the ${n} parts asked for; split into at most ${speakers.length}`);
  }
  return splitIntoShards(speakers, n, (s) => spk2utt.get(s)!.length).map((g) => g.flatMap((s) => spk2utt.get(s)!));
}
