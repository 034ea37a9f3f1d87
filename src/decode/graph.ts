import { InputError } from '../errors.js';
import type { LangDir } from '../lang/lang-dir.js';
import type { PhoneHmm, TransitionModel } from '../hmm/transition-model.js';
import { EPSILON, minimizeGrammar, type Grammar } from './grammar.js';

/** Arc label: no word boundary. */
export const NO_LABEL = -1;
/** Arc label: the word being traversed ends here (used for word end times in the CTM). */
export const WORD_END = -2;

/**
 * The search network: grammar x lexicon x phone HMMs expanded into nodes (Kaldi's HCLG, built
 * directly as a state network instead of by FST composition). A node is either emitting (one HMM
 * state, `nodePdf >= 0`: entering it consumes a frame scored by that pdf) or non-emitting
 * (`nodePdf === -1`: grammar states and word ends, crossed within a frame). Arcs are stored in
 * compressed rows (CSR): node n's arcs are [arcStart[n], arcStart[n+1]), those into emitting nodes
 * first, up to arcEmitEnd[n]. An arc's label is a word index (the word starts there), WORD_END
 * or NO_LABEL.
 */
export interface DecodingGraph {
  numNodes: number;
  start: number;
  nodePdf: Int32Array;
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
}

interface RawArc {
  from: number;
  to: number;
  logProb: number;
  label: number;
}

/**
 * Build the decoding network for `grammar` with the lang directory's lexicon (every
 * pronunciation of a word, weight 1 as in a Kaldi lexicon.txt without probabilities) and the
 * transition model's phone HMMs (the grammar minimized first, word chains shared per destination
 * state), with optional silence (the lang dir's optional_silence phone) at
 * each grammar state. A grammar word missing from the lexicon is an InputError naming it.
 */
export function buildDecodingGraph(input: Grammar, lang: LangDir, tm: TransitionModel, options: GraphOptions = {}): DecodingGraph {
  const grammar = minimizeGrammar(input);
  const silenceProb = options.silenceProb ?? 0.5;
  const selfLoopScale = options.selfLoopScale ?? 0.1;
  const what = options.grammarName ?? 'grammar';
  if (!(silenceProb >= 0 && silenceProb < 1)) throw new InputError(`silence probability ${silenceProb} must be in [0, 1)`);
  const nodePdf: number[] = [];
  const arcs: RawArc[] = [];
  const newNode = (pdf: number) => nodePdf.push(pdf) - 1;
  const arc = (from: number, to: number, logProb: number, label = NO_LABEL) => arcs.push({ from, to, logProb, label });

  const hmmOf = (phone: string, word: string): PhoneHmm => {
    const id = lang.phoneIds.get(phone);
    const hmm = id === undefined ? null : tm.phones[id];
    if (!hmm) throw new InputError(`lexicon of ${lang.dir}: phone ${phone} (in the pronunciation of '${word}') has no HMM in the transition model; was the model trained with this lang directory?`);
    return hmm;
  };
  const scaledArcs = (hmm: PhoneHmm, i: number): { to: number; logProb: number }[] => {
    const st = hmm.states[i];
    const loop = st.arcs.find((a) => a.to === i);
    if (!loop || selfLoopScale === 1) return st.arcs;
    const pLoop = Math.exp(loop.logProb);
    const log1m = Math.log1p(-pLoop);
    return st.arcs.map((a) => (a.to === i ? { to: i, logProb: selfLoopScale * a.logProb } : { to: a.to, logProb: selfLoopScale * log1m + (a.logProb - log1m) }));
  };
  // A copy of a phone HMM; returns its entry node and the exit arcs still to connect.
  const instantiate = (hmm: PhoneHmm): { entry: number; exits: { from: number; logProb: number }[] } => {
    const base = nodePdf.length;
    for (const s of hmm.states) newNode(s.pdfId);
    const exits: { from: number; logProb: number }[] = [];
    hmm.states.forEach((_, i) => {
      for (const a of scaledArcs(hmm, i)) {
        if (a.logProb === -Infinity) continue;
        if (a.to === hmm.states.length) exits.push({ from: base + i, logProb: a.logProb });
        else arc(base + i, base + a.to, a.logProb);
      }
    });
    return { entry: base, exits };
  };

  // Per grammar state: E (arrival: a word just ended) -> [optional silence] -> G (departure).
  const E = new Int32Array(grammar.numStates);
  const G = new Int32Array(grammar.numStates);
  for (let g = 0; g < grammar.numStates; g++) {
    E[g] = newNode(-1);
    G[g] = newNode(-1);
  }
  const silHmm = silenceProb > 0 ? hmmOf(lang.optionalSilence, '<silence>') : null;
  for (let g = 0; g < grammar.numStates; g++) {
    if (!silHmm) {
      arc(E[g], G[g], 0);
      continue;
    }
    arc(E[g], G[g], Math.log1p(-silenceProb));
    const sil = instantiate(silHmm);
    arc(E[g], sil.entry, Math.log(silenceProb));
    for (const x of sil.exits) arc(x.from, G[g], x.logProb);
  }
  const chainEntry = new Map<string, number>();
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
    prons.forEach((pron, k) => {
      // One HMM chain per (word, pronunciation, destination state), shared by every grammar arc
      // that reads this word into the same state: their tokens meet at the chain's entry (Viterbi
      // max), which is exact because the chain's path does not depend on where it was entered.
      // A word loop thus holds one copy of the lexicon, a bigram LM one copy per word.
      const key = `${ga.word}:${k}:${ga.to}`;
      const shared = chainEntry.get(key);
      if (shared !== undefined) {
        arc(G[ga.from], shared, ga.logProb, ga.word);
        return;
      }
      let pending: { from: number; logProb: number }[] | null = null;
      for (const phone of pron) {
        const copy = instantiate(hmmOf(phone, word));
        if (pending === null) {
          arc(G[ga.from], copy.entry, ga.logProb, ga.word);
          chainEntry.set(key, copy.entry);
        } else for (const x of pending) arc(x.from, copy.entry, x.logProb);
        pending = copy.exits;
      }
      if (pending === null) throw new InputError(`lexicon of ${lang.dir}: word '${word}' has an empty pronunciation`);
      for (const x of pending) arc(x.from, E[ga.to], x.logProb, WORD_END);
    });
  }
  // Final weights live on departure nodes G(g), after the optional trailing silence.
  const finalLogProb = new Float32Array(nodePdf.length).fill(-Infinity);
  for (let g = 0; g < grammar.numStates; g++) finalLogProb[G[g]] = grammar.finalLogProb[g];
  return packGraph(nodePdf, arcs, E[grammar.start], finalLogProb, grammar.words, tm.numPdfs);
}

function packGraph(nodePdf: number[], arcs: RawArc[], start: number, finalLogProb: Float32Array, words: string[], numPdfs: number): DecodingGraph {
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
  return { numNodes, start, nodePdf: pdf, arcStart, arcEmitEnd, arcTo, arcLogProb, arcLabel, finalLogProb, words, numPdfs };
}
