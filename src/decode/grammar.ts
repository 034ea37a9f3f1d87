import { InputError } from '../errors.js';

/** Word label of an arc that emits no word. */
export const EPSILON = -1;

/** One arc of a word-level grammar: from state `from` to `to`, reading `word` (or EPSILON). */
export interface GrammarArc {
  from: number;
  to: number;
  /** Index into `Grammar.words`, or EPSILON. */
  word: number;
  /** Natural-log probability (<= 0 for a normalized grammar). */
  logProb: number;
}

/**
 * A word-level weighted finite-state acceptor (Kaldi's G.fst, with log-probabilities instead of
 * costs). States are 0..numStates-1; a state is final when `finalLogProb[s] > -Infinity`.
 */
export interface Grammar {
  words: string[];
  numStates: number;
  start: number;
  arcs: GrammarArc[];
  finalLogProb: number[];
}

/**
 * Default probability of continuing after a word in a word loop (and of repeating in JSGF `+`/`*`):
 * 0.75, so the expected number of words is 1 / (1 - 0.75) = 4 (our digit strings have 1-7 digits).
 * Stated explicitly because two decoders given "the same" loop grammar can differ by points of WER
 * through these weights alone.
 */
export const DEFAULT_LOOP_PROB = 0.75;

/** The eleven digit words of a digits task (TIDIGITS vocabulary). */
export const DIGIT_WORDS = ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

export interface WordLoopOptions {
  /** Probability of another word after each word; the exit (final) probability is 1 - loopProb. */
  loopProb?: number;
}

/**
 * A word loop: one or more words, each word with probability 1/|V| at every position; after each
 * word, continue with `loopProb` (default 0.75) or stop with 1 - loopProb.
 * States: 0 (start, not final) and 1 (after a word, final with log(1 - loopProb)).
 *
 * @example wordLoopGrammar(['yes', 'no']) // arcs 0 -yes/log(1/2)-> 1, 1 -no/log(0.75/2)-> 1, ...
 */
export function wordLoopGrammar(words: string[], options: WordLoopOptions = {}): Grammar {
  const loopProb = options.loopProb ?? DEFAULT_LOOP_PROB;
  if (words.length === 0) throw new InputError('word loop: the vocabulary is empty; give at least one word');
  if (!(loopProb >= 0 && loopProb < 1)) throw new InputError(`word loop: loop probability ${loopProb} must be in [0, 1)`);
  const uniq = [...new Set(words)];
  const pWord = Math.log(1 / uniq.length);
  const arcs: GrammarArc[] = [];
  uniq.forEach((_, w) => arcs.push({ from: 0, to: 1, word: w, logProb: pWord }));
  if (loopProb > 0) uniq.forEach((_, w) => arcs.push({ from: 1, to: 1, word: w, logProb: Math.log(loopProb) + pWord }));
  return { words: uniq, numStates: 2, start: 0, arcs, finalLogProb: [-Infinity, Math.log(1 - loopProb)] };
}

/** The digit loop: `wordLoopGrammar(DIGIT_WORDS)`, each digit log(1/11) per position. */
export function digitLoopGrammar(options: WordLoopOptions = {}): Grammar {
  return wordLoopGrammar(DIGIT_WORDS, options);
}

/** Check state indices and weights; throws InputError naming `what`. */
export function validateGrammar(g: Grammar, what: string): void {
  if (!(g.start >= 0 && g.start < g.numStates)) throw new InputError(`${what}: start state ${g.start} out of range`);
  if (g.finalLogProb.length !== g.numStates) throw new InputError(`${what}: ${g.finalLogProb.length} final weights for ${g.numStates} states`);
  for (const a of g.arcs) {
    if (!(a.from >= 0 && a.from < g.numStates && a.to >= 0 && a.to < g.numStates)) throw new InputError(`${what}: arc ${a.from} -> ${a.to} leaves the ${g.numStates} states`);
    if (a.word !== EPSILON && !(a.word >= 0 && a.word < g.words.length)) throw new InputError(`${what}: arc ${a.from} -> ${a.to} has word label ${a.word}`);
    if (Number.isNaN(a.logProb) || a.logProb === Infinity) throw new InputError(`${what}: arc ${a.from} -> ${a.to} has weight ${a.logProb}`);
  }
  if (!g.finalLogProb.some((f) => f > -Infinity)) throw new InputError(`${what}: no final state; the grammar accepts no sentence`);
}

/**
 * Remove epsilon arcs in the tropical (Viterbi) semiring: from each state, the best epsilon path
 * to every state it reaches is folded into that state's word arcs and final weight. Viterbi
 * decoding over the result gives the same best path as over the input. States no longer
 * reachable from the start are dropped.
 */
export function removeEpsilons(g: Grammar): Grammar {
  const out: GrammarArc[][] = Array.from({ length: g.numStates }, () => []);
  for (const a of g.arcs) out[a.from].push(a);
  const newArcs: GrammarArc[] = [];
  const finalLogProb = new Array<number>(g.numStates).fill(-Infinity);
  const best = new Float64Array(g.numStates);
  for (let s = 0; s < g.numStates; s++) {
    // Epsilon closure by label-correcting relaxation (a FIFO queue; correct for any weights as
    // long as no epsilon cycle has positive weight, which a probabilistic grammar cannot have).
    best.fill(-Infinity);
    best[s] = 0;
    const reached: number[] = [];
    const queue = [s];
    for (let q = 0; q < queue.length; q++) {
      const u = queue[q];
      for (const a of out[u]) {
        if (a.word !== EPSILON) continue;
        const v = best[u] + a.logProb;
        if (v > best[a.to] + 1e-12) {
          if (best[a.to] === -Infinity && a.to !== s) reached.push(a.to);
          best[a.to] = v;
          queue.push(a.to);
        }
      }
    }
    for (const t of [s, ...reached]) {
      const w = best[t];
      finalLogProb[s] = Math.max(finalLogProb[s], w + g.finalLogProb[t]);
      for (const a of out[t]) if (a.word !== EPSILON) newArcs.push({ from: s, to: a.to, word: a.word, logProb: w + a.logProb });
    }
  }
  return trim({ words: g.words, numStates: g.numStates, start: g.start, arcs: newArcs, finalLogProb });
}

/** Keep only the states reachable from the start (renumbered in discovery order). */
export function trim(g: Grammar): Grammar {
  const out: GrammarArc[][] = Array.from({ length: g.numStates }, () => []);
  for (const a of g.arcs) out[a.from].push(a);
  const map = new Int32Array(g.numStates).fill(-1);
  const order = [g.start];
  map[g.start] = 0;
  for (let i = 0; i < order.length; i++) {
    for (const a of out[order[i]]) {
      if (map[a.to] < 0) {
        map[a.to] = order.length;
        order.push(a.to);
      }
    }
  }
  return {
    words: g.words,
    numStates: order.length,
    start: 0,
    arcs: g.arcs.filter((a) => map[a.from] >= 0).map((a) => ({ ...a, from: map[a.from], to: map[a.to] })),
    finalLogProb: order.map((s) => g.finalLogProb[s]),
  };
}

/** Is `words` a sentence of the grammar? Returns its best (Viterbi) log-probability, or -Infinity. */
export function sentenceLogProb(g: Grammar, words: string[]): number {
  const ids = new Map(g.words.map((w, i) => [w, i]));
  const out: GrammarArc[][] = Array.from({ length: g.numStates }, () => []);
  for (const a of g.arcs) out[a.from].push(a);
  const closure = (scores: Float64Array) => {
    // Relax epsilon arcs until nothing improves (no positive-weight cycles in a probabilistic grammar).
    for (let changed = true; changed; ) {
      changed = false;
      for (let s = 0; s < g.numStates; s++) {
        if (scores[s] === -Infinity) continue;
        for (const a of out[s]) {
          if (a.word === EPSILON && scores[s] + a.logProb > scores[a.to] + 1e-12) {
            scores[a.to] = scores[s] + a.logProb;
            changed = true;
          }
        }
      }
    }
  };
  let cur = new Float64Array(g.numStates).fill(-Infinity);
  cur[g.start] = 0;
  closure(cur);
  for (const w of words) {
    const id = ids.get(w);
    if (id === undefined) return -Infinity;
    const next = new Float64Array(g.numStates).fill(-Infinity);
    for (let s = 0; s < g.numStates; s++) {
      if (cur[s] === -Infinity) continue;
      for (const a of out[s]) if (a.word === id) next[a.to] = Math.max(next[a.to], cur[s] + a.logProb);
    }
    closure(next);
    cur = next;
  }
  let best = -Infinity;
  for (let s = 0; s < g.numStates; s++) best = Math.max(best, cur[s] + g.finalLogProb[s]);
  return best;
}

/**
 * Merge bisimilar states (Moore's partition refinement): states with the same final weight whose
 * arcs carry the same words and weights into the same classes accept every sentence with the same
 * weights, so they can be one state. Shrinks JSGF grammars after epsilon removal (a `( ... )+`
 * loop leaves one state per word) and hence the decoding graph.
 */
export function minimizeGrammar(g: Grammar): Grammar {
  const out: GrammarArc[][] = Array.from({ length: g.numStates }, () => []);
  for (const a of g.arcs) out[a.from].push(a);
  const { cls, numClasses } = refinePartition(
    g.numStates,
    (s) => String(g.finalLogProb[s]),
    (s, c) => out[s].map((a) => `${a.word} ${a.logProb} ${c[a.to]}`).sort().join('|'),
  );
  const rep = new Int32Array(numClasses).fill(-1);
  for (let s = 0; s < g.numStates; s++) if (rep[cls[s]] < 0) rep[cls[s]] = s;
  const arcs: GrammarArc[] = [];
  const seen = new Set<string>();
  for (let c = 0; c < numClasses; c++) {
    for (const a of out[rep[c]]) {
      const k = `${c} ${a.word} ${a.logProb} ${cls[a.to]}`;
      if (seen.has(k)) continue;
      seen.add(k);
      arcs.push({ from: c, to: cls[a.to], word: a.word, logProb: a.logProb });
    }
  }
  const finalLogProb = Array.from(rep, (s) => g.finalLogProb[s]);
  return trim({ words: g.words, numStates: numClasses, start: cls[g.start], arcs, finalLogProb });
}

/**
 * Moore's partition refinement over items 0..n-1: start from the classes of `initial`, then split
 * every class by `signature(i, cls)` (which describes item i's neighbours by their current class)
 * until no class splits. Returns each item's class, numbered in order of first occurrence.
 */
export function refinePartition(n: number, initial: (i: number) => string, signature: (i: number, cls: Int32Array) => string): { cls: Int32Array; numClasses: number } {
  let cls = new Int32Array(n);
  let numClasses: number;
  {
    const ids = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const key = initial(i);
      if (!ids.has(key)) ids.set(key, ids.size);
      cls[i] = ids.get(key)!;
    }
    numClasses = ids.size;
  }
  for (;;) {
    const ids = new Map<string, number>();
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = `${cls[i]}#${signature(i, cls)}`;
      if (!ids.has(key)) ids.set(key, ids.size);
      next[i] = ids.get(key)!;
    }
    cls = next;
    if (ids.size === numClasses) return { cls, numClasses };
    numClasses = ids.size;
  }
}
