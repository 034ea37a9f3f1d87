// Phonetic questions for the decision tree, obtained automatically like Kaldi's cluster-phones:
// top-down binary k-means of the phones' Gaussian statistics (the distance is the log-likelihood
// lost by pooling, as Kaldi's GaussClusterable), every cluster of the resulting binary tree becomes
// one question (a set of phones); plus the lines of LANG_DIR/extra_questions.txt when present.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import type { LangDir } from '../lang/lang-dir.js';
import { addGaussStats, gaussLogLike, newGaussStats, sumGaussStats, type GaussStats } from './triphone-stats.js';

/** The optional file of hand-written questions (Kaldi data/lang/phones/extra_questions.txt). */
export const EXTRA_QUESTIONS_FILE = 'extra_questions.txt';

/** Log-likelihood lost when `b` is pooled into `a` (>= 0 up to the variance floor). */
function mergeLoss(a: GaussStats, b: GaussStats): number {
  const both = sumGaussStats(a.sum.length, [a, b]);
  return gaussLogLike(a) + gaussLogLike(b) - gaussLogLike(both);
}

/** k-means with k=2 from the seeds `a` and `b`: returns each phone's side (0 or 1) and the total log-likelihood. */
function kMeans2(ids: number[], stats: Map<number, GaussStats>, a: number, b: number): { side: Map<number, number>; logLike: number } {
  const dim = stats.get(ids[0])!.sum.length;
  // Start from the nearer seed, then move phones one at a time while that helps (Kaldi RefineClusters).
  const side = new Map<number, number>(ids.map((p) => [p, p === b ? 1 : p === a ? 0 : mergeLoss(stats.get(b)!, stats.get(p)!) < mergeLoss(stats.get(a)!, stats.get(p)!) ? 1 : 0]));
  const totals = [newGaussStats(dim), newGaussStats(dim)];
  for (const p of ids) addGaussStats(totals[side.get(p)!], stats.get(p)!);
  for (let iter = 0; iter < 50; iter++) {
    let moved = false;
    for (const p of ids) {
      const s = stats.get(p)!;
      const cur = side.get(p)!;
      const without = sumGaussStats(dim, [totals[cur]]);
      without.count -= s.count;
      for (let d = 0; d < dim; d++) {
        without.sum[d] -= s.sum[d];
        without.sumSq[d] -= s.sumSq[d];
      }
      if (without.count <= 0) continue; // never empty a cluster
      if (mergeLoss(totals[1 - cur], s) < mergeLoss(without, s) - 1e-9) {
        side.set(p, 1 - cur);
        totals[cur] = without;
        addGaussStats(totals[1 - cur], s);
        moved = true;
      }
    }
    if (!moved) break;
  }
  return { side, logLike: gaussLogLike(totals[0]) + gaussLogLike(totals[1]) };
}

/**
 * Split `ids` (at least 2) into two clusters by k-means on Gaussian statistics (Kaldi ClusterKMeans
 * with k=2, whose distance is the log-likelihood lost by pooling). Kaldi restarts from random
 * seeds (--num-tries); here every phone in turn seeds one cluster, with the phone farthest from it
 * seeding the other, and the best result is kept: deterministic, and cheap for a phone set.
 */
export function splitInTwo(ids: number[], stats: Map<number, GaussStats>): [number[], number[]] {
  let best: { side: Map<number, number>; logLike: number } | undefined;
  for (const a of ids) {
    let b = -1;
    let far = -Infinity;
    for (const p of ids) {
      if (p === a) continue;
      const l = mergeLoss(stats.get(a)!, stats.get(p)!);
      if (l > far) [far, b] = [l, p];
    }
    const r = kMeans2(ids, stats, a, b);
    if (!best || r.logLike > best.logLike + 1e-9) best = r;
  }
  const side = best!.side;
  // The cluster holding the first phone comes first.
  const first = side.get(ids[0]);
  return [ids.filter((p) => side.get(p) === first), ids.filter((p) => side.get(p) !== first)];
}

/**
 * Kaldi cluster-phones: split the phones top-down into a binary tree until every leaf is one phone,
 * and return every node's phone set (the root included), each sorted by phone id, in the order
 * found (breadth first). Phones without statistics are left out.
 *
 * @example clusterPhones(phoneStateStats(stats, () => 1)) // [[3,4,5,...], [3,5], [4,...], ...]
 */
export function clusterPhones(stats: Map<number, GaussStats>): number[][] {
  const ids = [...stats.keys()].filter((p) => stats.get(p)!.count > 0).sort((a, b) => a - b);
  if (ids.length === 0) return [];
  const out: number[][] = [];
  const queue: number[][] = [ids];
  while (queue.length > 0) {
    const set = queue.shift()!;
    out.push(set);
    if (set.length < 2) continue;
    const [a, b] = splitInTwo(set, stats);
    queue.push(a, b);
  }
  return out;
}

/**
 * LANG_DIR/extra_questions.txt (one question per line: phone names separated by spaces), or []
 * when the file is absent. Unknown phones are an InputError naming the line.
 */
export async function readExtraQuestions(lang: LangDir): Promise<number[][]> {
  const file = path.join(lang.dir, EXTRA_QUESTIONS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseQuestions(text, lang.phoneIds, file);
}

/** Parse question lines (phone names) into sorted phone-id sets; blank lines are skipped. */
export function parseQuestions(text: string, phoneIds: Map<string, number>, file: string): number[][] {
  const out: number[][] = [];
  text.split('\n').forEach((line, i) => {
    const names = line.trim().split(/\s+/).filter((x) => x !== '');
    if (names.length === 0) return;
    out.push(
      names
        .map((n) => {
          const id = phoneIds.get(n);
          if (id === undefined || id === 0) throw new InputError(`${file} line ${i + 1}: phone '${n}' is not in phones.txt; list phones of the lang directory only`);
          return id;
        })
        .sort((a, b) => a - b),
    );
  });
  return out;
}

/**
 * The question sets the tree may ask: the automatic clusters, the silence phones as one set (Kaldi
 * prepare_lang puts it in extra_questions.txt too), then the extra questions; duplicates removed.
 */
export function questionSets(clusters: number[][], silencePhoneIds: number[], extra: number[][]): number[][] {
  const seen = new Set<string>();
  const out: number[][] = [];
  for (const q of [...clusters, [...silencePhoneIds].sort((a, b) => a - b), ...extra]) {
    const key = q.join(' ');
    if (q.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push(q);
  }
  return out;
}
