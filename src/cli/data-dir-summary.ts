import type { WrittenDataDir } from '../data/data-dir-tables.js';

/** `OUT: 120 utterances, 4 speakers` plus the files left out, for subset-data, split-data and combine-data. */
export function formatWrittenDataDir(out: string, r: WrittenDataDir): string {
  const n = r.data.utterances.length;
  const s = r.data.spk2utt.size;
  const dropped = r.dropped.length ? ` (left out ${r.dropped.join(', ')}: not in every source directory)` : '';
  return `${out}: ${n} utterance${n === 1 ? '' : 's'}, ${s} speaker${s === 1 ? '' : 's'}${dropped}`;
}
