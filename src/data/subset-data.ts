// A subset of a data directory (Kaldi utils/subset_data_dir.sh): N utterances or a fraction drawn
// at random with a seed (optionally speaker-balanced), or every utterance of the given speakers.
import { InputError } from '../errors.js';
import { compareCLocale } from './c-locale.js';
import type { DataDir } from './data-dir.js';
import { readDataDirTables, writeDataDirTables, type WrittenDataDir } from './data-dir-tables.js';
import { makeRng, shuffleInPlace } from './random.js';

/** Which utterances to keep: exactly one of `utts`, `fraction`, `speakers`. */
export interface SubsetSelection {
  /** This many utterances, drawn at random (seeded). */
  utts?: number;
  /** This fraction of the utterances (rounded, at least 1), drawn at random (seeded). */
  fraction?: number;
  /** Every utterance of these speakers. */
  speakers?: string[];
  /** Seed of the random draw (default 1): the same seed gives the same subset. */
  seed?: number;
  /**
   * With `utts`/`fraction`: draw from every speaker in proportion to its utterances (largest
   * remainders, ties broken at random), so a small subset keeps the full set's speaker mix (Hinton
   * et al. 2015 sec. 6 trains on 3% of the data; a plain draw of 3% may miss speakers).
   */
  speakerBalanced?: boolean;
}

/** `n` of `data`'s utterances, each speaker's share proportional to its utterance count. */
function speakerBalancedDraw(data: DataDir, n: number, seed: number): string[] {
  const speakers = [...data.spk2utt.keys()].sort(compareCLocale);
  const total = speakers.reduce((a, s) => a + data.spk2utt.get(s)!.length, 0);
  const exact = speakers.map((s) => (n * data.spk2utt.get(s)!.length) / total);
  const quota = exact.map(Math.floor);
  // The speakers left to round up: largest remainder first, ties in a seeded random order.
  const order = shuffleInPlace(makeRng(seed, 'subset-data/speakers'), speakers.map((_, i) => i));
  const rank = new Map(order.map((i, r) => [i, r]));
  const byRemainder = [...order].sort((a, b) => exact[b] - quota[b] - (exact[a] - quota[a]) || rank.get(a)! - rank.get(b)!);
  for (let k = 0, left = n - quota.reduce((a, b) => a + b, 0); k < left; k++) quota[byRemainder[k]]++;
  return speakers.flatMap((s, i) => shuffleInPlace(makeRng(seed, `subset-data/${s}`), [...data.spk2utt.get(s)!].sort(compareCLocale)).slice(0, quota[i]));
}

/** The utterance ids `sel` picks from `data`, sorted (C locale). */
export function selectUtterances(data: DataDir, sel: SubsetSelection): string[] {
  const given = (['utts', 'fraction', 'speakers'] as const).filter((k) => sel[k] !== undefined);
  if (given.length !== 1) throw new InputError(`give exactly one of --utts, --fraction, --speakers${given.length ? ` (got ${given.map((k) => `--${k}`).join(', ')})` : ''}`);
  const ids = data.utterances.map((u) => u.uttId);
  if (sel.speakers) {
    if (sel.speakerBalanced) throw new InputError(`--speaker-balanced draws from every speaker; use it with --utts or --fraction, not --speakers`);
    const unknown = sel.speakers.filter((s) => !data.spk2utt.has(s));
    if (unknown.length > 0) throw new InputError(`${data.dir} has no speaker ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}; see its spk2utt`);
    return sel.speakers.flatMap((s) => data.spk2utt.get(s)!).sort(compareCLocale);
  }
  let n: number;
  if (sel.fraction !== undefined) {
    if (!(sel.fraction > 0 && sel.fraction <= 1)) throw new InputError(`--fraction ${sel.fraction}: expected a number in (0, 1]`);
    n = Math.max(1, Math.round(sel.fraction * ids.length));
  } else {
    n = sel.utts!;
    if (!Number.isInteger(n) || n < 1) throw new InputError(`--utts ${n}: expected a positive integer`);
    if (n > ids.length) throw new InputError(`--utts ${n} but ${data.dir} has only ${ids.length} utterances`);
  }
  if (sel.speakerBalanced) return speakerBalancedDraw(data, n, sel.seed ?? 1).sort(compareCLocale);
  return shuffleInPlace(makeRng(sel.seed ?? 1, 'subset-data'), ids).slice(0, n).sort(compareCLocale);
}

/**
 * Write the subset `sel` of data directory `dir` into `out` (validated).
 *
 * @example await subsetDataDir('data/train', 'data/train_1k', { utts: 1000, seed: 3 })
 */
export async function subsetDataDir(dir: string, out: string, sel: SubsetSelection): Promise<WrittenDataDir> {
  const tables = await readDataDirTables(dir);
  return writeDataDirTables(out, [{ tables, uttIds: selectUtterances(tables.data, sel) }]);
}
