// Contiguous, balanced splits of an ordered list: the shards of `features` (one run of sorted
// utterances per job, like Kaldi's split_scp.pl) and the speaker groups of `split-data`
// (utils/split_data.sh: each speaker's utterances in one part, parts of similar size).

/**
 * Split `items` into at most `n` contiguous, non-empty runs of nearly equal total `weight` (by
 * default equal counts), keeping order: shards of a sorted utterance list stay sorted, so reading
 * them back in order is sorted too.
 */
export function splitIntoShards<T>(items: T[], n: number, weight: (item: T, index: number) => number = () => 1): T[][] {
  const count = Math.max(1, Math.min(n, items.length));
  if (items.length === 0) return [[]];
  const weights = items.map(weight);
  const total = weights.reduce((s, w) => s + w, 0);
  const out: T[][] = [];
  let start = 0;
  let acc = 0;
  for (let j = 1; j < count; j++) {
    const target = (total * j) / count;
    let end = start + 1; // every shard gets at least one item
    acc += weights[start];
    // Leave at least one item for each remaining shard; stop at the item closest to the target.
    while (end < items.length - (count - j) && acc + weights[end] / 2 < target) {
      acc += weights[end];
      end++;
    }
    out.push(items.slice(start, end));
    start = end;
  }
  out.push(items.slice(start));
  return out;
}
