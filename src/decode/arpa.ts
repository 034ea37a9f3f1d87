import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { EPSILON, trim, validateGrammar, type Grammar, type GrammarArc } from './grammar.js';

/** Sentence-start and sentence-end tokens of an ARPA LM. */
export const BOS = '<s>';
export const EOS = '</s>';

/** An n-gram entry: log10 probability and optional log10 backoff weight, as in the file. */
export interface NgramEntry {
  log10Prob: number;
  log10Backoff?: number;
}

/** A backoff n-gram LM: per order (1-based index order-1), n-grams keyed by their words joined with a space. */
export interface ArpaLm {
  order: number;
  ngrams: Map<string, NgramEntry>[];
}

/**
 * Parse an ARPA file (the `\data\` header with `ngram N=count`, `\N-grams:` sections of
 * `log10prob w1 .. wN [log10backoff]`, `\end\`), as written by SRILM, KenLM, IRSTLM or
 * `asr-distill train-lm`. Counts are checked against the header.
 */
export function parseArpa(text: string, file: string): ArpaLm {
  const lines = text.split('\n');
  let i = 0;
  const err = (msg: string) => new InputError(`${file} line ${i + 1}: ${msg}`);
  while (i < lines.length && lines[i].trim() !== '\\data\\') i++;
  if (i === lines.length) throw new InputError(`${file}: not an ARPA language model (no \\data\\ line)`);
  i++;
  const counts: number[] = [];
  for (; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '') continue;
    const m = l.match(/^ngram\s+(\d+)\s*=\s*(\d+)$/);
    if (!m) break;
    const n = Number(m[1]);
    if (n !== counts.length + 1) throw err(`expected 'ngram ${counts.length + 1}=...', found '${l}'`);
    counts.push(Number(m[2]));
  }
  if (counts.length === 0) throw err("no 'ngram N=count' lines after \\data\\");
  const ngrams: Map<string, NgramEntry>[] = counts.map(() => new Map());
  let order = 0;
  let ended = false;
  for (; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '') continue;
    if (l === '\\end\\') {
      ended = true;
      break;
    }
    const sec = l.match(/^\\(\d+)-grams:$/);
    if (sec) {
      order = Number(sec[1]);
      if (order < 1 || order > counts.length) throw err(`section \\${order}-grams: but the header declares orders 1..${counts.length}`);
      continue;
    }
    if (order === 0) throw err(`expected a \\1-grams: section, found '${l}'`);
    const f = l.split(/\s+/);
    if (f.length !== order + 1 && f.length !== order + 2) throw err(`a ${order}-gram line needs a log-probability, ${order} words and an optional backoff; found ${f.length} fields`);
    const log10Prob = Number(f[0]);
    const log10Backoff = f.length === order + 2 ? Number(f[order + 1]) : undefined;
    if (!Number.isFinite(log10Prob) || (log10Backoff !== undefined && !Number.isFinite(log10Backoff))) throw err(`bad number in '${l}'`);
    const key = f.slice(1, order + 1).join(' ');
    ngrams[order - 1].set(key, log10Backoff === undefined ? { log10Prob } : { log10Prob, log10Backoff });
  }
  if (!ended) throw new InputError(`${file}: no \\end\\ line; the file is truncated`);
  counts.forEach((c, k) => {
    if (ngrams[k].size !== c) throw new InputError(`${file}: header declares ${c} ${k + 1}-grams but ${ngrams[k].size} are listed`);
  });
  return { order: counts.length, ngrams };
}

/** Read an ARPA file (see `parseArpa`). */
export async function readArpa(file: string): Promise<ArpaLm> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError(`${file}: language model file not found`);
  }
  return parseArpa(text, file);
}

/**
 * log10 P(word | history) by the backoff rule: the longest listed n-gram's probability plus the
 * backoff weights of the histories dropped on the way. -Infinity for a word not in the vocabulary.
 */
export function arpaLog10Prob(lm: ArpaLm, history: string[], word: string): number {
  const h = history.slice(Math.max(0, history.length - (lm.order - 1)));
  let backoff = 0;
  for (let start = 0; start <= h.length; start++) {
    const ctx = h.slice(start);
    const e = lm.ngrams[ctx.length].get([...ctx, word].join(' '));
    if (e) return backoff + e.log10Prob;
    if (ctx.length > 0) backoff += lm.ngrams[ctx.length - 1].get(ctx.join(' '))?.log10Backoff ?? 0;
  }
  return -Infinity;
}

/**
 * The LM as a word-level grammar, as Kaldi's arpa2fst builds G.fst: one state per history
 * (listed n-grams of order < N, plus the empty history), an arc per n-gram to the longest listed
 * suffix history, and an epsilon backoff arc from each history to its one-shorter suffix
 * carrying the backoff weight. `</s>` probabilities become final weights; decoding starts in
 * the `<s>` state. As in Kaldi, backoff arcs are ordinary epsilons, so Viterbi search may take a
 * backoff path where an explicit n-gram exists (the usual approximation). Probabilities are
 * converted from log10 to natural log.
 */
export function arpaToGrammar(lm: ArpaLm, what = 'language model'): Grammar {
  const LN10 = Math.LN10;
  const stateOf = new Map<string, number>([['', 0]]);
  for (let k = 0; k < lm.order - 1; k++) {
    for (const key of lm.ngrams[k].keys()) if (!key.endsWith(` ${EOS}`) && key !== EOS) stateOf.set(key, stateOf.size);
  }
  if (!lm.ngrams[0].has(BOS)) throw new InputError(`${what}: no ${BOS} unigram; an ARPA LM needs the sentence-start token`);
  const words: string[] = [];
  const wordIds = new Map<string, number>();
  const arcs: GrammarArc[] = [];
  const finalLogProb = new Array<number>(stateOf.size).fill(-Infinity);
  // The longest suffix of `ctx` that is a state.
  const suffixState = (ctx: string[]): number => {
    for (let s = 0; s < ctx.length; s++) {
      const id = stateOf.get(ctx.slice(s).join(' '));
      if (id !== undefined) return id;
    }
    return 0;
  };
  for (let k = 0; k < lm.order; k++) {
    for (const [key, e] of lm.ngrams[k]) {
      const f = key.split(' ');
      const w = f[f.length - 1];
      const from = stateOf.get(f.slice(0, -1).join(' '));
      if (from === undefined) continue; // history never reachable (e.g. after </s>)
      if (w === BOS) continue;
      const logProb = e.log10Prob * LN10;
      if (w === EOS) {
        finalLogProb[from] = logProb;
        continue;
      }
      let id = wordIds.get(w);
      if (id === undefined) {
        id = words.push(w) - 1;
        wordIds.set(w, id);
      }
      const ctx = lm.order > 1 ? f.slice(Math.max(0, f.length - (lm.order - 1))) : [];
      arcs.push({ from, to: lm.order > 1 ? suffixState(ctx) : 0, word: id, logProb });
    }
  }
  for (const [key, s] of stateOf) {
    if (key === '') continue;
    const f = key.split(' ');
    const bo = lm.ngrams[f.length - 1].get(key)?.log10Backoff ?? 0;
    arcs.push({ from: s, to: suffixState(f.slice(1)), word: EPSILON, logProb: bo * LN10 });
  }
  const g = trim({ words, numStates: stateOf.size, start: stateOf.get(BOS) ?? 0, arcs, finalLogProb });
  validateGrammar(g, what);
  return g;
}
