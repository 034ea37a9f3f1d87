// Per-utterance alignment graph (Kaldi compile-train-graphs): the transcript's words in order, each
// with all its pronunciations from the lexicon, optional silence at the start, between words and
// at the end (Kaldi L.fst with sil_prob 0.5), expanded into the phones' HMM states. Arcs carry the
// transition id they take, so a Viterbi path is directly a Kaldi-style transition-id alignment.
// With a context-dependent model each phone instance is copied per left/right context (below).
import { InputError } from '../errors.js';
import type { LangDir } from '../lang/lang-dir.js';
import { treeAsks, treePdf } from './decision-tree.js';
import type { TransitionModel } from './transition-model.js';
import type { TransitionIndex } from './transitions.js';
import { NO_PHONE } from './triphone-stats.js';

/** Context value of a copy whose phone's trees ignore that side. */
const ANY = -1;

/** An HMM-state graph in CSR form. Arc destination -1 means "end of utterance". */
export interface AlignGraph {
  numStates: number;
  pdf: Int32Array;
  phoneId: Int32Array;
  arcStart: Int32Array;
  arcFrom: Int32Array;
  arcTo: Int32Array;
  arcLogProb: Float64Array;
  arcTid: Int32Array;
  startStates: Int32Array;
  startLogProb: Float64Array;
  /** Fewest frames of any complete path (shorter utterances cannot be aligned). */
  minFrames: number;
}

export interface AlignGraphOptions {
  /** Probability of the optional silence at each word boundary and at the edges (Kaldi prepare_lang --sil-prob 0.5). */
  silProb?: number;
  /** Scale on self-loop log-probabilities (Kaldi --self-loop-scale 0.1 in train_mono.sh / align_si.sh). */
  selfLoopScale?: number;
  /** Scale on the other transition log-probabilities (Kaldi --transition-scale 1.0). */
  transitionScale?: number;
}

/**
 * The phone-level structure of a transcript: slots in order, each a set of alternatives
 * (phone sequences) plus whether the slot may be skipped. Pure; throws InputError for an OOV word.
 */
export interface PhoneSlot {
  alternatives: number[][];
  /** log-probability of taking one of the alternatives / of skipping (optional silence only). */
  takeLogProb: number;
  skipLogProb?: number;
}

/**
 * Phone slots for `words`: [opt SIL] w1 [opt SIL] w2 ... wn [opt SIL]. OOV words map to the lang
 * directory's OOV word when it has one (Kaldi sym2int.pl --map-oov); otherwise they are an error
 * naming `what` (e.g. `data/train/text (utt spk1-0003)`).
 */
export function transcriptSlots(words: string[], lang: LangDir, what: string, silProb = 0.5): PhoneSlot[] {
  if (words.length === 0) throw new InputError(`${what}: empty transcript; nothing to align`);
  const silId = lang.phoneIds.get(lang.optionalSilence);
  if (silId === undefined) throw new InputError(`${lang.dir}: optional silence ${lang.optionalSilence} is not in phones.txt`);
  const sil: PhoneSlot = { alternatives: [[silId]], takeLogProb: Math.log(silProb), skipLogProb: Math.log(1 - silProb) };
  const slots: PhoneSlot[] = silProb > 0 ? [sil] : [];
  for (const w of words) {
    let prons = lang.lexicon.get(w);
    if (!prons && lang.oovWord) prons = lang.lexicon.get(lang.oovWord);
    if (!prons) throw new InputError(`${what}: word '${w}' is not in the lexicon ${lang.dir}/lexicon.txt; add a pronunciation or map it to an OOV word (prepare-lang --oov-word)`);
    const alternatives = prons.map((p) =>
      p.map((ph) => {
        const id = lang.phoneIds.get(ph);
        if (id === undefined) throw new InputError(`${lang.dir}/lexicon.txt: phone '${ph}' of '${w}' is not in phones.txt`);
        return id;
      }),
    );
    slots.push({ alternatives, takeLogProb: 0 });
    if (silProb > 0) slots.push(sil);
  }
  return slots;
}

/** Scaled arc log-probabilities of one HMM state (Kaldi AddSelfLoops with self-loop scale). */
function scaledArcs(arcs: { to: number; logProb: number }[], self: number, selfScale: number, transScale: number): number[] {
  const selfArc = arcs.find((a) => a.to === self);
  if (!selfArc) return arcs.map((a) => transScale * a.logProb);
  const pSelf = Math.exp(selfArc.logProb);
  const logNotSelf = Math.log(Math.max(1 - pSelf, 1e-30));
  return arcs.map((a) => (a.to === self ? selfScale * a.logProb : transScale * (a.logProb - logNotSelf) + selfScale * logNotSelf));
}

/**
 * Expand phone slots into an HMM-state graph over `tm`. Each phone instance gets its own copy of
 * its phone's HMM (one per left/right context with a context-dependent `tm`, whose pdfs the tree
 * gives); the exit arcs of the last state of each instance lead to every instance that can follow
 * it (through skippable slots, and into the copies for this phone as left context), or to the end.
 */
export function buildAlignGraph(slots: PhoneSlot[], tm: TransitionModel, idx: TransitionIndex, opts: AlignGraphOptions = {}): AlignGraph {
  const selfScale = opts.selfLoopScale ?? 0.1;
  const transScale = opts.transitionScale ?? 1.0;
  // Phone instances, slot by slot; `firsts[k]` = (instance, logProb) entering slot k's alternatives.
  const instPhone: number[] = [];
  const instNext: number[] = []; // next instance in the same alternative, or -1 (= leaves the slot)
  const instSlot: number[] = [];
  const firsts: [number, number][][] = [];
  slots.forEach((slot, k) => {
    const f: [number, number][] = [];
    for (const alt of slot.alternatives) {
      alt.forEach((ph, i) => {
        if (!tm.phones[ph]) throw new Error(`align graph: phone id ${ph} has no HMM`);
        instPhone.push(ph);
        instSlot.push(k);
        instNext.push(i + 1 < alt.length ? instPhone.length : -1);
        if (i === 0) f.push([instPhone.length - 1, slot.takeLogProb]);
      });
    }
    firsts.push(f);
  });
  // Entries reachable from the start of slot k (skipping optional slots); `final` for k = slots.length.
  const entryMemo = new Map<number, { inst: [number, number][]; finalLogProb: number }>();
  const entries = (k: number): { inst: [number, number][]; finalLogProb: number } => {
    if (k === slots.length) return { inst: [], finalLogProb: 0 };
    const m = entryMemo.get(k);
    if (m) return m;
    const out: [number, number][] = [...firsts[k]];
    let finalLogProb = -Infinity;
    const skip = slots[k].skipLogProb;
    if (skip !== undefined) {
      const rest = entries(k + 1);
      for (const [i, lp] of rest.inst) out.push([i, lp + skip]);
      finalLogProb = rest.finalLogProb + skip;
    }
    const r = { inst: out, finalLogProb };
    entryMemo.set(k, r);
    return r;
  };
  const tree = tm.tree;
  const nextOf = instPhone.map((_, i) => (instNext[i] >= 0 ? { inst: [[instNext[i], 0]] as [number, number][], finalLogProb: -Infinity } : entries(instSlot[i] + 1)));
  const start = entries(0);
  // Context expansion (context-dependent models): an instance gets one copy of its HMM per (left,
  // right) phone pair that can surround it, across word boundaries and optional silences (0 = the
  // utterance edge); a context its phone's trees never ask about collapses to ANY, so a monophone
  // model keeps one copy per instance.
  const lefts = instPhone.map(() => new Set<number>());
  for (const [j] of start.inst) lefts[j].add(NO_PHONE);
  instPhone.forEach((ph, i) => {
    for (const [j] of nextOf[i].inst) lefts[j].add(ph);
  });
  const asks = (ph: number, key: 'left' | 'right') => !!tree && tm.phones[ph]!.states.some((_, si) => treeAsks(tree.roots[ph]![si], key));
  const copies: { left: number; right: number; base: number }[][] = [];
  let numStates = 0;
  instPhone.forEach((ph, i) => {
    const rights = new Set(nextOf[i].inst.map(([j]) => instPhone[j]));
    if (nextOf[i].finalLogProb > -Infinity) rights.add(NO_PHONE);
    const list: { left: number; right: number; base: number }[] = [];
    for (const left of asks(ph, 'left') ? [...lefts[i]] : [ANY]) {
      for (const right of asks(ph, 'right') ? [...rights] : [ANY]) {
        list.push({ left, right, base: numStates });
        numStates += tm.phones[ph]!.states.length;
      }
    }
    copies.push(list);
  });
  /** The copies of instance j that can follow phone `from`. */
  const entryCopies = (j: number, from: number) => copies[j].filter((c) => c.left === ANY || c.left === from);
  const pdf = new Int32Array(numStates);
  const phoneId = new Int32Array(numStates);
  const arcFrom: number[] = [];
  const arcTo: number[] = [];
  const arcLp: number[] = [];
  const arcTid: number[] = [];
  const arcStart = new Int32Array(numStates + 1);
  instPhone.forEach((ph, i) => {
    const hmm = tm.phones[ph]!;
    const n = hmm.states.length;
    const next = nextOf[i];
    for (const c of copies[i]) {
      hmm.states.forEach((s, si) => {
        const g = c.base + si;
        pdf[g] = tree ? treePdf(tree, c.left, ph, c.right, si) : s.pdfId;
        phoneId[g] = ph;
        const lps = scaledArcs(s.arcs, si, selfScale, transScale);
        s.arcs.forEach((a, ai) => {
          const tid = idx.pdfTidBase[pdf[g]] + ai;
          const add = (to: number, lp: number) => {
            arcFrom.push(g);
            arcTo.push(to);
            arcLp.push(lp);
            arcTid.push(tid);
          };
          if (a.to < n) add(c.base + a.to, lps[ai]);
          else {
            for (const [j, lp] of next.inst) {
              if (c.right !== ANY && c.right !== instPhone[j]) continue;
              for (const e of entryCopies(j, ph)) add(e.base, lps[ai] + lp);
            }
            if (next.finalLogProb > -Infinity && (c.right === ANY || c.right === NO_PHONE)) add(-1, lps[ai] + next.finalLogProb);
          }
        });
        arcStart[g + 1] = arcFrom.length;
      });
    }
  });
  const startStates: number[] = [];
  const startLogProb: number[] = [];
  for (const [j, lp] of start.inst) {
    for (const e of entryCopies(j, NO_PHONE)) {
      startStates.push(e.base);
      startLogProb.push(lp);
    }
  }
  return {
    numStates,
    pdf,
    phoneId,
    arcStart,
    arcFrom: Int32Array.from(arcFrom),
    arcTo: Int32Array.from(arcTo),
    arcLogProb: Float64Array.from(arcLp),
    arcTid: Int32Array.from(arcTid),
    startStates: Int32Array.from(startStates),
    startLogProb: Float64Array.from(startLogProb),
    minFrames: shortestPathFrames(numStates, arcStart, arcTo, startStates),
  };
}

/** Fewest frames from a start state to the end (BFS: every emitting state costs one frame). */
function shortestPathFrames(numStates: number, arcStart: Int32Array, arcTo: number[], starts: number[]): number {
  const dist = new Int32Array(numStates).fill(-1);
  let frontier = [...new Set(starts)];
  for (const s of frontier) dist[s] = 1;
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const s of frontier) {
      for (let a = arcStart[s]; a < arcStart[s + 1]; a++) {
        const d = arcTo[a];
        if (d < 0) return dist[s];
        if (dist[d] < 0) {
          dist[d] = dist[s] + 1;
          next.push(d);
        }
      }
    }
    frontier = next;
  }
  return Infinity;
}
