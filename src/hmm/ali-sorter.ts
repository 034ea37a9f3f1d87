// Alignments that arrive in any order (an imported Kaldi archive, a directory of TextGrids) put
// in the C-locale order ALI_DIR/ali.arrow keeps, with bounded memory: each utterance's pdf and
// phone ids go to a scratch file as they come and only (id, position, length) stay in memory;
// the sorted utterances are then read back one at a time (as Kaldi sorts its tables on disk with
// `sort`, never in memory). Scratch rows through corpus-rows.ts (positioned reads and writes).
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { compareCLocale } from '../data/c-locale.js';
import { closeRows, openRows, readIntRows, writeIntRows, type RowsFile } from './corpus-rows.js';
import type { UttAlignment } from './ali-archive.js';

/** An alignment sorter over a scratch file (openAliSorter). */
export interface AliSorter {
  /**
   * Note utterance `uttId`, with its alignment or null (skipped: only its id is checked for
   * duplicates); `tag` goes to the duplicate message (e.g. the input line).
   */
  add(uttId: string, ali: UttAlignment | null, tag?: number): void;
  /** Utterances added with an alignment so far. */
  readonly numAlis: number;
  /** Sort the ids (C-locale) and check that none came twice: InputError `twice(uttId, tag of the later one)`. */
  sort(twice: (uttId: string, tag: number) => string): void;
  /** The alignments in sorted order (after sort()), read back one at a time. */
  sorted(): Generator<UttAlignment>;
  /** Close and delete the scratch file. */
  close(): Promise<void>;
}

/**
 * Open a sorter whose scratch file is `scratchFile` (created, deleted by close()).
 *
 * @example const s = openAliSorter('/data/.tmp-ali'); s.add(a.uttId, a); s.sort(msg); for (const a of s.sorted()) await writer.add(a); await s.close();
 */
export function openAliSorter(scratchFile: string): AliSorter {
  const rows: RowsFile = openRows(scratchFile, 'w+');
  // Per utterance: id, first int32 of its pdf ids in the scratch file (phone ids follow), frames (-1: skipped), tag.
  const index: { uttId: string; first: number; numFrames: number; tag: number }[] = [];
  let next = 0;
  let numAlis = 0;
  let isSorted = false;
  return {
    add(uttId, ali, tag = 0) {
      isSorted = false;
      if (!ali) {
        index.push({ uttId, first: 0, numFrames: -1, tag });
        return;
      }
      const n = ali.pdfIds.length;
      if (ali.phoneIds.length !== n) throw new Error(`alignment of ${uttId}: ${n} pdf ids but ${ali.phoneIds.length} phone ids`);
      writeIntRows(rows, next, ali.pdfIds);
      writeIntRows(rows, next + n, ali.phoneIds);
      index.push({ uttId, first: next, numFrames: n, tag });
      next += 2 * n;
      numAlis++;
    },
    get numAlis() {
      return numAlis;
    },
    sort(twice) {
      // Array.prototype.sort is stable: of two equal ids the later-added one comes second.
      index.sort((a, b) => compareCLocale(a.uttId, b.uttId));
      for (let i = 1; i < index.length; i++) if (index[i].uttId === index[i - 1].uttId) throw new InputError(twice(index[i].uttId, index[i].tag));
      isSorted = true;
    },
    *sorted() {
      if (!isSorted) throw new Error('openAliSorter: sorted() before sort()');
      for (const e of index) {
        if (e.numFrames < 0) continue;
        yield { uttId: e.uttId, pdfIds: readIntRows(rows, e.first, e.numFrames), phoneIds: readIntRows(rows, e.first + e.numFrames, e.numFrames) };
      }
    },
    async close() {
      closeRows(rows);
      await fs.rm(scratchFile, { force: true });
    },
  };
}
