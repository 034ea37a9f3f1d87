// Which word errors make each system's test WER (sclite's confusion pairs, DELETIONS and
// INSERTIONS of the .dtl report, side by side for the three systems): a WER difference of a few
// tenths of a point on digits is often one error type, e.g. the one-vowel "oh" lost after "zero".
import type { WordErrorStats } from '../score/details.js';
import { SYSTEMS, type SystemKey } from './speakers.js';
import { compareCLocale } from '../data/c-locale.js';

/** The per-word error counts a decode's wer.json holds (`wordErrors`). */
export type WordErrorCounts = Pick<WordErrorStats, 'substitutions' | 'deletions' | 'insertions'>;

/** One error type with its count in each system. */
export interface WordErrorRow {
  /** `oh deleted`, `five -> nine`, `oh inserted`. */
  error: string;
  counts: Record<SystemKey, number>;
}

/**
 * The `n` most frequent error types over the three systems (by their summed count; ties by name),
 * each with its count per system (0 where a system never made it).
 *
 * @example topWordErrors({ baseline, ensemble, student }, 8) // [{ error: 'oh deleted', counts: { baseline: 46, ... } }, ...]
 */
export function topWordErrors(perSystem: Record<SystemKey, WordErrorCounts>, n: number): WordErrorRow[] {
  const rows = new Map<string, Record<SystemKey, number>>();
  const add = (error: string, s: SystemKey, count: number) => {
    let r = rows.get(error);
    if (!r) rows.set(error, (r = { baseline: 0, ensemble: 0, student: 0 }));
    r[s] += count;
  };
  for (const s of SYSTEMS) {
    const w = perSystem[s];
    for (const e of w.substitutions) add(`${e.ref} -> ${e.hyp}`, s, e.count);
    for (const e of w.deletions) add(`${e.word} deleted`, s, e.count);
    for (const e of w.insertions) add(`${e.word} inserted`, s, e.count);
  }
  const total = (c: Record<SystemKey, number>) => c.baseline + c.ensemble + c.student;
  return [...rows]
    .map(([error, counts]) => ({ error, counts }))
    .sort((a, b) => total(b.counts) - total(a.counts) || compareCLocale(a.error, b.error))
    .slice(0, n);
}
