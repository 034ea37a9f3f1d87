import { InputError } from '../errors.js';
import type { LangDir } from '../lang/lang-dir.js';
import type { TransitionModel } from '../hmm/transition-model.js';
import { EPSILON, minimizeGrammar, type Grammar } from './grammar.js';
import { compareCLocale } from '../data/c-locale.js';
import { expandPhoneNetwork, type PhoneNetwork, type RawArc } from './context-expansion.js';

/** Arc label: no word boundary. */
export const NO_LABEL = -1;
/**
 * Arc label: a word starts here (which word is known only at its end: the lexicon is a prefix
 * tree). Word-start arcs always lead into emitting nodes; the word insertion penalty is paid here.
 */
export const WORD_START = -2;

/**
 * The search network: grammar x lexicon x phone HMMs expanded into nodes (Kaldi's HCLG, built
 * directly as a state network instead of by FST composition). A node is either emitting (one HMM
 * state, `nodePdf >= 0`: entering it consumes a frame scored by that pdf) or non-emitting
 * (`nodePdf === -1`: grammar states and word ends, crossed within a frame). Arcs are stored in
 * compressed rows (CSR): node n's arcs are [arcStart[n], arcStart[n+1]), those into emitting nodes
 * first, up to arcEmitEnd[n]. An arc's label is WORD_START, NO_LABEL, or a word index >= 0 on
 * the arc that leaves that word's last HMM state (the word ends there; word times in the CTM).
 */
export interface DecodingGraph {
  numNodes: number;
  start: number;
  nodePdf: Int32Array;
  /**
   * Per node inside a word's phones, the best word (highest grammar weight) that can end below
   * it in the lexicon tree; -1 elsewhere. Names the unfinished word of a partial (non-final) result.
   */
  nodeWord: Int32Array;
  arcStart: Int32Array;
  arcEmitEnd: Int32Array;
  arcTo: Int32Array;
  arcLogProb: Float32Array;
  arcLabel: Int32Array;
  /** Log final weight per node; -Infinity when not final. */
  finalLogProb: Float32Array;
  /** Output words (the grammar's word list). */
  words: string[];
  numPdfs: number;
}

export interface GraphOptions {
  /**
   * Probability of optional silence at the start, between words and at the end (Kaldi
   * prepare_lang.sh --sil-prob, default 0.5); 0 disables it.
   */
  silenceProb?: number;
  /**
   * Scale on HMM self-loop probabilities, applied as Kaldi's AddSelfLoops does (mkgraph.sh
   * --self-loop-scale, default 0.1): loop log p * scale, forward arcs log(1-p) * scale +
   * log(q / (1-p)). Keeps durations from dominating the acoustic-scaled likelihoods.
   */
  selfLoopScale?: number;
  /** Name of the grammar for error messages. */
  grammarName?: string;
  /**
   * Share the HMM copies of common word-initial phones (a prefix-tree lexicon, default true);
   * false builds one linear chain per pronunciation. Both give the same best path.
   */
  prefixTree?: boolean;
  /**
   * Context-dependent models: share the HMM states that the context copies of a phone have in
   * common (default true; context-expansion.ts mergeEquivalentNodes). Both give the same best path.
   */
  shareStates?: boolean;
}

/**
 * Build the decoding network for `grammar` with the lang directory's lexicon (every
 * pronunciation of a word, weight 1 as in a Kaldi lexicon.txt without probabilities) and the
 * transition model's phone HMMs (the grammar minimized first; the lexicon as a weight-pushed
 * prefix tree per group of word arcs, see below), with optional silence (the lang dir's
 * optional_silence phone) at each grammar state. A context-dependent (train-tri) model's phones
 * are expanded by their left and right phones, across words and optional silences
 * (context-expansion.ts). A grammar word missing from the lexicon is an InputError naming it.
 */
export function buildDecodingGraph(input: Grammar, lang: LangDir, tm: TransitionModel, options: GraphOptions = {}): DecodingGraph {
  const grammar = minimizeGrammar(input);
  const silenceProb = options.silenceProb ?? 0.5;
  const selfLoopScale = options.selfLoopScale ?? 0.1;
  const what = options.grammarName ?? 'grammar';
  if (!(silenceProb >= 0 && silenceProb < 1)) throw new InputError(`silence probability ${silenceProb} must be in [0, 1)`);
  const prefixTree = options.prefixTree ?? true;
  // The phone-level network: phone instances and non-emitting nodes (expanded into HMM states below).
  const net: PhoneNetwork = { nodePhone: [], nodeWord: [], arcs: [], start: 0, finalLogProb: [] };
  const newNode = (phone: number) => (net.nodeWord.push(-1), net.finalLogProb.push(-Infinity), net.nodePhone.push(phone) - 1);
  const arc = (from: number, to: number, logProb: number, label = NO_LABEL) => net.arcs.push({ from, to, logProb, label });
  const phoneOf = (phone: string, word: string): number => {
    const id = lang.phoneIds.get(phone);
    if (id === undefined || !tm.phones[id]) throw new InputError(`lexicon of ${lang.dir}: phone ${phone} (in the pronunciation of '${word}') has no HMM in the transition model; was the model trained with this lang directory?`);
    return id;
  };

  // Per grammar state: E (arrival: a word just ended) -> [optional silence] -> G (departure).
  const E = new Int32Array(grammar.numStates);
  const G = new Int32Array(grammar.numStates);
  for (let g = 0; g < grammar.numStates; g++) {
    E[g] = newNode(-1);
    G[g] = newNode(-1);
  }
  const silPhone = silenceProb > 0 ? phoneOf(lang.optionalSilence, '<silence>') : -1;
  for (let g = 0; g < grammar.numStates; g++) {
    if (silPhone < 0) {
      arc(E[g], G[g], 0);
      continue;
    }
    arc(E[g], G[g], Math.log1p(-silenceProb));
    const sil = newNode(silPhone);
    arc(E[g], sil, Math.log(silenceProb));
    arc(sil, G[g], 0);
  }
  // Word arcs, grouped into lexicon networks. Arcs from one source state into one destination
  // form a set (word, pronunciation, log p); two such sets whose log-probabilities differ only by a
  // constant share one network (the per-source constant goes on the entry arcs), so a word loop
  // holds one copy of the lexicon and a bigram LM one chain per word (all arcs into state w read w).
  const groups = new Map<string, { to: number; entries: LexEntry[]; sources: { from: number; logProb: number }[] }>();
  const bySource = new Map<string, Map<string, LexEntry>>();
  for (const ga of grammar.arcs) {
    if (ga.word === EPSILON) {
      arc(G[ga.from], G[ga.to], ga.logProb);
      continue;
    }
    const word = grammar.words[ga.word];
    const prons = lang.lexicon.get(word);
    if (!prons || prons.length === 0) {
      throw new InputError(`${what}: word '${word}' is not in the lexicon of ${lang.dir}; add it to the lexicon (asr-distill prepare-lang) or remove it from the grammar`);
    }
    const key = `${ga.from}>${ga.to}`;
    const set = bySource.get(key) ?? new Map<string, LexEntry>();
    bySource.set(key, set);
    prons.forEach((pron, k) => {
      if (pron.length === 0) throw new InputError(`lexicon of ${lang.dir}: word '${word}' has an empty pronunciation`);
      const id = `${ga.word}:${k}`;
      // Two grammar arcs reading the same word between the same states: Viterbi keeps the better.
      const old = set.get(id);
      if (!old || ga.logProb > old.logProb) set.set(id, { word: ga.word, pron, logProb: ga.logProb });
    });
  }
  for (const [key, set] of bySource) {
    const [from, to] = key.split('>').map(Number);
    const entries = [...set.values()].sort((a, b) => a.word - b.word || compareCLocale(a.pron.join(' '), b.pron.join(' ')));
    const best = Math.max(...entries.map((e) => e.logProb));
    const rel = entries.map((e) => ({ ...e, logProb: e.logProb - best }));
    const sig = `${to}|${rel.map((e) => `${e.word}:${e.pron.join(' ')}:${e.logProb.toPrecision(12)}`).join('|')}`;
    const g = groups.get(sig) ?? { to, entries: rel, sources: [] };
    groups.set(sig, g);
    g.sources.push({ from, logProb: best });
  }
  for (const g of groups.values()) {
    const root = lexiconTrie(g.entries, prefixTree);
    // Weight pushing (Mohri; Kaldi's pushed HCLG): each arc into a trie node carries the change
    // in the best word log-probability reachable below it, so a partial word is scored with its
    // best possible grammar weight (pruning sees it early) and a full path's total is unchanged.
    const build = (n: TrieNode, parentBest: number, into: { from: number; logProb: number; label: number }[], word: string): void => {
      const inst = newNode(phoneOf(n.phone, word));
      net.nodeWord[inst] = n.bestWord;
      for (const x of into) arc(x.from, inst, x.logProb + n.best - parentBest, x.label);
      for (const e of n.ends) arc(inst, E[g.to], e.logProb - n.best, e.word);
      for (const c of n.children) build(c, n.best, [{ from: inst, logProb: 0, label: NO_LABEL }], grammar.words[c.bestWord]);
    };
    for (const c of root.children) {
      build(c, 0, g.sources.map((s) => ({ from: G[s.from], logProb: s.logProb, label: WORD_START })), grammar.words[c.bestWord]);
    }
  }
  // Final weights live on departure nodes G(g), after the optional trailing silence.
  for (let g = 0; g < grammar.numStates; g++) net.finalLogProb[G[g]] = grammar.finalLogProb[g];
  net.start = E[grammar.start];
  const x = expandPhoneNetwork(net, tm, selfLoopScale, options.shareStates ?? true);
  return packGraph(x.nodePdf, x.nodeWord, x.arcs, x.start, x.finalLogProb, grammar.words, tm.numPdfs);
}

/** One pronunciation of a grammar word in a lexicon network, with its (relative) grammar log-probability. */
export interface LexEntry {
  word: number;
  pron: string[];
  logProb: number;
}

/** A phone of the lexicon prefix tree: the words ending after it and the phones that may follow. */
export interface TrieNode {
  phone: string;
  ends: LexEntry[];
  children: TrieNode[];
  /** Best log-probability of a word ending at or below this node, and that word. */
  best: number;
  bestWord: number;
}

/**
 * The lexicon as a prefix tree over phones (`prefixTree`: pronunciations sharing their first
 * phones share those HMM copies, as in tree-structured lexicons since Ney et al. 1992), or as one
 * linear chain per pronunciation. The root is a dummy node (phone '').
 */
export function lexiconTrie(entries: LexEntry[], prefixTree: boolean): TrieNode {
  const root: TrieNode = { phone: '', ends: [], children: [], best: -Infinity, bestWord: -1 };
  for (const e of entries) {
    let n = root;
    for (const phone of e.pron) {
      let c = prefixTree ? n.children.find((x) => x.phone === phone) : undefined;
      if (!c) {
        c = { phone, ends: [], children: [], best: -Infinity, bestWord: -1 };
        n.children.push(c);
      }
      n = c;
    }
    n.ends.push(e);
  }
  const fill = (n: TrieNode): void => {
    for (const e of n.ends) if (e.logProb > n.best) [n.best, n.bestWord] = [e.logProb, e.word];
    for (const c of n.children) {
      fill(c);
      if (c.best > n.best) [n.best, n.bestWord] = [c.best, c.bestWord];
    }
  };
  fill(root);
  return root;
}

function packGraph(nodePdf: number[], nodeWord: number[], arcs: RawArc[], start: number, finalLogProb: Float32Array, words: string[], numPdfs: number): DecodingGraph {
  const numNodes = nodePdf.length;
  const pdf = Int32Array.from(nodePdf);
  // Order arcs by source node, arcs into emitting nodes first (they are expanded per frame).
  const sorted = arcs.slice().sort((a, b) => a.from - b.from || (pdf[a.to] >= 0 ? 0 : 1) - (pdf[b.to] >= 0 ? 0 : 1));
  const arcStart = new Int32Array(numNodes + 1);
  const arcEmitEnd = new Int32Array(numNodes);
  for (const a of sorted) arcStart[a.from + 1]++;
  for (let n = 0; n < numNodes; n++) arcStart[n + 1] += arcStart[n];
  const arcTo = new Int32Array(sorted.length);
  const arcLogProb = new Float32Array(sorted.length);
  const arcLabel = new Int32Array(sorted.length);
  sorted.forEach((a, k) => {
    arcTo[k] = a.to;
    arcLogProb[k] = a.logProb;
    arcLabel[k] = a.label;
  });
  for (let n = 0; n < numNodes; n++) {
    let k = arcStart[n];
    while (k < arcStart[n + 1] && pdf[arcTo[k]] >= 0) k++;
    arcEmitEnd[n] = k;
  }
  return { numNodes, start, nodePdf: pdf, nodeWord: Int32Array.from(nodeWord), arcStart, arcEmitEnd, arcTo, arcLogProb, arcLabel, finalLogProb, words, numPdfs };
}
