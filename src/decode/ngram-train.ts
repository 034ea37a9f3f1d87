import { BOS, EOS } from './arpa.js';
import { compareCLocale } from '../data/c-locale.js';
import { InputError } from '../errors.js';

export interface NgramTrainOptions {
  /** N-gram order (1 = unigram). */
  order: number;
}

/**
 * Estimate a backoff n-gram LM with interpolated Witten-Bell smoothing (Witten & Bell 1991; the
 * form of SRILM `ngram-count -wbdiscount -interpolate`) and return it as ARPA text. For a history h
 * seen c(h) times followed by T(h) distinct words,
 *   P(w | h) = (c(h, w) + T(h) P(w | h')) / (c(h) + T(h)),
 * with h' the history without its first word; the unigram level interpolates with the uniform
 * distribution over the vocabulary (the words seen plus `</s>`). Written as ARPA, an n-gram's
 * log10 probability is this interpolated value and the history's backoff weight is
 * T(h) / (c(h) + T(h)), so a backoff reader reproduces the interpolated model exactly.
 * Witten-Bell rather than Kneser-Ney because it needs no count-of-counts, which are often zero on
 * the small corpora we train on. `<s>` gets the customary unigram log-probability -99.
 *
 * @example trainNgramArpa([['one', 'two'], ['two']], { order: 2 }) // '\\data\\\nngram 1=4\nngram 2=5\n...'
 */
export function trainNgramArpa(sentences: string[][], options: NgramTrainOptions): string {
  const N = options.order;
  if (!Number.isInteger(N) || N < 1) throw new InputError(`--order ${N}: the n-gram order must be an integer >= 1`);
  if (sentences.length === 0) throw new InputError('train-lm: no sentences to train on');
  // counts[k]: (k+1)-gram -> count; follow[k]: k-word history -> { total, distinct } of what follows.
  const counts: Map<string, number>[] = Array.from({ length: N }, () => new Map());
  for (const s of sentences) {
    for (const w of s) {
      if (w === BOS || w === EOS) throw new InputError(`train-lm: the text contains the reserved token ${w}; remove it (sentence boundaries are added automatically)`);
    }
    const padded = [BOS, ...s, EOS];
    for (let end = 1; end < padded.length; end++) {
      for (let k = 0; k < N && end - k >= 0; k++) {
        const key = padded.slice(end - k, end + 1).join(' ');
        counts[k].set(key, (counts[k].get(key) ?? 0) + 1);
      }
    }
  }
  const follow: Map<string, { total: number; distinct: number }>[] = Array.from({ length: N }, () => new Map());
  for (let k = 0; k < N; k++) {
    for (const [key, c] of counts[k]) {
      const h = k === 0 ? '' : key.slice(0, key.lastIndexOf(' '));
      const f = follow[k].get(h) ?? { total: 0, distinct: 0 };
      f.total += c;
      f.distinct += 1;
      follow[k].set(h, f);
    }
  }
  const vocabSize = counts[0].size; // words seen + </s> (<s> is never predicted)
  const prob: Map<string, number>[] = Array.from({ length: N }, () => new Map());
  for (let k = 0; k < N; k++) {
    for (const [key, c] of counts[k]) {
      const cut = key.indexOf(' ');
      const h = k === 0 ? '' : key.slice(0, key.lastIndexOf(' '));
      const f = follow[k].get(h)!;
      const lower = k === 0 ? 1 / vocabSize : prob[k - 1].get(key.slice(cut + 1))!;
      prob[k].set(key, (c + f.distinct * lower) / (f.total + f.distinct));
    }
  }
  const fmt = (x: number) => x.toFixed(6);
  const backoffOf = (key: string, k: number): string => {
    if (k + 1 >= N) return '';
    const f = follow[k + 1].get(key);
    return f ? `\t${fmt(Math.log10(f.distinct / (f.total + f.distinct)))}` : '';
  };
  const sections: string[] = [];
  const sizes: number[] = [];
  for (let k = 0; k < N; k++) {
    const lines: string[] = [];
    if (k === 0) lines.push(`-99\t${BOS}${backoffOf(BOS, 0)}`);
    for (const key of [...prob[k].keys()].sort(compareCLocale)) lines.push(`${fmt(Math.log10(prob[k].get(key)!))}\t${key}${backoffOf(key, k)}`);
    sizes.push(lines.length);
    sections.push(`\\${k + 1}-grams:\n${lines.join('\n')}\n`);
  }
  return `\\data\\\n${sizes.map((n, k) => `ngram ${k + 1}=${n}`).join('\n')}\n\n${sections.join('\n')}\n\\end\\\n`;
}
