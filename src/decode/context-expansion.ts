// Phone network -> HMM-state network, with phone context for context-dependent models (the role of
// Kaldi's C transducer and H in HCLG = H o C o L o G, done here as one forward expansion instead of
// FST composition). graph.ts builds the phone network (grammar x lexicon: phone instances and
// non-emitting grammar nodes); this module gives each phone instance one HMM copy per (left, right)
// phone pair it can appear between, its pdfs from the decision tree.
//
// Contexts follow the training side exactly (triphone-stats.ts, align-graph.ts): the neighbours are
// the previous and next phone instances whichever words they belong to (cross-word triphones);
// the optional silence between words is a phone like any other, so a word's last phone before a
// silence has right context SIL and the first phone after it left context SIL, while the same words
// without the silence see each other's phones; 0 stands for the utterance edge (no phone before
// the first / after the last instance). A phone whose trees never ask about one side (silence,
// context-independent by default; every phone of a monophone model) gets no copies for that side.
//
// Expanded states: a phone instance copy (node, left, right), and a non-emitting node copy (node,
// previous phone, committed next phone). The committed phone is the right context the previous
// instance's copy was built for: only instances of that phone (or, for the utterance edge 0, a
// final node) may follow, so a path's contexts are always its real neighbours. Both components
// collapse to ANY where nothing asks, so a monophone model expands to exactly one copy per node.
import type { PhoneHmm, TransitionModel } from '../hmm/transition-model.js';
import { treeAsks, treePdf } from '../hmm/context-tree.js';
import { refinePartition } from './grammar.js';

/** An arc of a phone network or of the expanded network; `label` as DecodingGraph's arcLabel. */
export interface RawArc {
  from: number;
  to: number;
  logProb: number;
  label: number;
}

/**
 * The search network at phone level: each node is a phone instance (`nodePhone` = its phone id,
 * whose HMM is copied in) or a non-emitting node (`nodePhone` = -1). An arc out of an instance
 * leaves from its HMM's exit states, an arc into one enters its first state.
 */
export interface PhoneNetwork {
  nodePhone: number[];
  /** Per node, the word `nodeWord` of DecodingGraph gives the node's HMM states (-1: none). */
  nodeWord: number[];
  arcs: RawArc[];
  start: number;
  /** Log final weight per node (non-emitting nodes only); -Infinity when not final. */
  finalLogProb: number[];
}

/** The HMM-state network: node pdfs (-1 = non-emitting), words, arcs, start, final weights. */
export interface ExpandedNetwork {
  nodePdf: number[];
  nodeWord: number[];
  arcs: RawArc[];
  start: number;
  finalLogProb: Float32Array;
}

/** A context the phone's trees never ask about (or, on a non-emitting copy, no committed phone). */
const ANY = -1;
/** Phone id meaning "no phone": the utterance edge (triphone-stats.ts NO_PHONE, Kaldi 0). */
const EDGE = 0;

/**
 * Expand `net` over the phone HMMs of `tm` (self-loops scaled by `selfLoopScale` as Kaldi's
 * AddSelfLoops does). With a tree in `tm`, each instance is copied per (left, right) context its
 * trees ask about and reachable in the network, then the states the copies have in common are
 * shared (`shareStates`, mergeEquivalentNodes); without one, each node is copied once, in node
 * order (the monophone graph).
 *
 * @example expandPhoneNetwork(net, triTm, 0.1) // pdfs of each copy from treePdf(tree, left, phone, right, state)
 */
export function expandPhoneNetwork(net: PhoneNetwork, tm: TransitionModel, selfLoopScale: number, shareStates = true): ExpandedNetwork {
  const numNodes = net.nodePhone.length;
  const tree = tm.tree;
  const out: number[][] = Array.from({ length: numNodes }, () => []);
  net.arcs.forEach((a, k) => out[a.from].push(k));
  const hmmOf = (u: number): PhoneHmm => tm.phones[net.nodePhone[u]]!;
  const askCache = new Map<number, [boolean, boolean]>();
  const asks = (phone: number): [boolean, boolean] => {
    let r = askCache.get(phone);
    if (!r) {
      const roots = tree?.roots[phone];
      r = [!!roots && roots.some((n) => treeAsks(n, 'left')), !!roots && roots.some((n) => treeAsks(n, 'right'))];
      askCache.set(phone, r);
    }
    return r;
  };
  // Per non-emitting node, over paths through non-emitting nodes: the phones of the instances
  // reached (EDGE when a final node is reached) and whether any of them asks its left context.
  const epsNext: Set<number>[] = new Array(numNodes);
  const epsNeedsLeft = new Uint8Array(numNodes);
  for (let u = 0; u < numNodes; u++) {
    if (net.nodePhone[u] >= 0) continue;
    const phones = new Set<number>();
    const seen = new Set([u]);
    const queue = [u];
    for (let i = 0; i < queue.length; i++) {
      const v = queue[i];
      if (net.finalLogProb[v] > -Infinity) phones.add(EDGE);
      for (const k of out[v]) {
        const w = net.arcs[k].to;
        const ph = net.nodePhone[w];
        if (ph >= 0) {
          phones.add(ph);
          if (asks(ph)[0]) epsNeedsLeft[u] = 1;
        } else if (!seen.has(w)) {
          seen.add(w);
          queue.push(w);
        }
      }
    }
    epsNext[u] = phones;
  }
  // Right contexts of an instance: the phones that can follow it (sorted, so copies come out in a fixed order).
  const rightsOf = (v: number): number[] => {
    if (!asks(net.nodePhone[v])[1]) return [ANY];
    const s = new Set<number>();
    for (const k of out[v]) {
      const w = net.arcs[k].to;
      if (net.nodePhone[w] >= 0) s.add(net.nodePhone[w]);
      else for (const p of epsNext[w]) s.add(p);
    }
    return [...s].sort((a, b) => a - b);
  };
  const rightsMemo = new Map<number, number[]>();
  const rights = (v: number) => rightsMemo.get(v) ?? (rightsMemo.set(v, rightsOf(v)), rightsMemo.get(v)!);

  // Forward discovery of the expanded states reachable from the start.
  const stride = tm.phones.length + 2;
  const stateIds: Map<number, number>[] = Array.from({ length: numNodes }, () => new Map());
  const states: { node: number; a: number; b: number }[] = [];
  const stateOf = (node: number, a: number, b: number): number => {
    const key = (a + 1) * stride + (b + 1);
    let id = stateIds[node].get(key);
    if (id === undefined) {
      id = states.length;
      stateIds[node].set(key, id);
      states.push({ node, a, b });
    }
    return id;
  };
  /** Expanded states entered by arc `k` from a state whose previous phone is `prev` and committed next phone `next`. */
  const targets = (k: number, prev: number, next: number): number[] => {
    const w = net.arcs[k].to;
    const ph = net.nodePhone[w];
    if (ph < 0) {
      if (next !== ANY && !epsNext[w].has(next)) return [];
      return [stateOf(w, epsNeedsLeft[w] ? prev : ANY, next)];
    }
    if (next !== ANY && next !== ph) return [];
    const left = asks(ph)[0] ? prev : ANY;
    return rights(w).map((r) => stateOf(w, left, r));
  };
  const start = stateOf(net.start, epsNeedsLeft[net.start] ? EDGE : ANY, ANY);
  const succ: number[][][] = [];
  for (let i = 0; i < states.length; i++) {
    const { node, a, b } = states[i];
    // From a non-emitting copy the previous phone is its `a`; from an instance copy, its own phone.
    const prev = net.nodePhone[node] >= 0 ? net.nodePhone[node] : a;
    succ[i] = out[node].map((k) => targets(k, prev, b));
  }

  // Number the graph nodes by network node, then by context (a monophone model: network order).
  const order = states.map((_, i) => i).sort((x, y) => states[x].node - states[y].node || states[x].a - states[y].a || states[x].b - states[y].b);
  const base = new Int32Array(states.length);
  const nodePdf: number[] = [];
  const nodeWord: number[] = [];
  for (const i of order) {
    const { node, a, b } = states[i];
    base[i] = nodePdf.length;
    const ph = net.nodePhone[node];
    if (ph < 0) {
      nodePdf.push(-1);
      nodeWord.push(net.nodeWord[node]);
      continue;
    }
    hmmOf(node).states.forEach((s, si) => {
      nodePdf.push(tree ? treePdf(tree, a, ph, b, si) : s.pdfId);
      nodeWord.push(net.nodeWord[node]);
    });
  }
  const arcs: RawArc[] = [];
  const finalLogProb = new Float32Array(nodePdf.length).fill(-Infinity);
  for (const i of order) {
    const { node, b } = states[i];
    const ks = out[node];
    if (net.nodePhone[node] < 0) {
      if (net.finalLogProb[node] > -Infinity && (b === ANY || b === EDGE)) finalLogProb[base[i]] = net.finalLogProb[node];
      ks.forEach((k, j) => {
        for (const t of succ[i][j]) arcs.push({ from: base[i], to: base[t], logProb: net.arcs[k].logProb, label: net.arcs[k].label });
      });
      continue;
    }
    const hmm = hmmOf(node);
    const exits: { from: number; logProb: number }[] = [];
    hmm.states.forEach((_, si) => {
      for (const x of scaledArcs(hmm, si, selfLoopScale)) {
        if (x.logProb === -Infinity) continue;
        if (x.to === hmm.states.length) exits.push({ from: base[i] + si, logProb: x.logProb });
        else arcs.push({ from: base[i] + si, to: base[i] + x.to, logProb: x.logProb, label: -1 });
      }
    });
    ks.forEach((k, j) => {
      for (const t of succ[i][j]) for (const x of exits) arcs.push({ from: x.from, to: base[t], logProb: x.logProb + net.arcs[k].logProb, label: net.arcs[k].label });
    });
  }
  const expanded = { nodePdf, nodeWord, arcs, start: base[start], finalLogProb };
  return tree && shareStates ? mergeEquivalentNodes(expanded) : expanded;
}

/**
 * Share the HMM states that copies of a phone have in common (what Kaldi gets from determinizing
 * and minimizing HCLG): first nodes with the same pdf and word reached by the same arcs from the
 * same nodes (forward bisimulation: the first states of copies that differ only in their right
 * context), then nodes with the same pdf, word and final weight whose arcs lead the same way
 * (backward: the last states of copies that differ only in their left context). Both keep every
 * path's pdf sequence, weights and labels, so the best path is unchanged; the network shrinks.
 */
export function mergeEquivalentNodes(x: ExpandedNetwork): ExpandedNetwork {
  return quotient(quotient(x, 'forward'), 'backward');
}

/** The network with the classes of Moore's partition refinement in `dir` merged into one node each. */
function quotient(x: ExpandedNetwork, dir: 'forward' | 'backward'): ExpandedNetwork {
  const n = x.nodePdf.length;
  const adj: number[][] = Array.from({ length: n }, () => []);
  x.arcs.forEach((a, k) => adj[dir === 'forward' ? a.to : a.from].push(k));
  const other = (k: number) => (dir === 'forward' ? x.arcs[k].from : x.arcs[k].to);
  // Initial classes: what a merged node must share whichever way it is reached or left.
  const initial = (i: number) => `${x.nodePdf[i]} ${x.nodeWord[i]} ${dir === 'forward' ? i === x.start : x.finalLogProb[i]}`;
  // Each arc's (label, weight) as a small integer, once: the signatures of the refinement rounds
  // are then integer lists (formatting the weights anew every round made building a large
  // vocabulary's graph mostly string garbage).
  const kindIds = new Map<string, number>();
  const arcKind = Int32Array.from(x.arcs, (a) => {
    const key = `${a.label} ${a.logProb}`;
    let id = kindIds.get(key);
    if (id === undefined) kindIds.set(key, (id = kindIds.size));
    return id;
  });
  const sig: number[] = [];
  const { cls, numClasses } = refinePartition(n, initial, (i, c) => {
    sig.length = 0;
    for (const k of adj[i]) sig.push(arcKind[k] * n + c[other(k)]);
    if (sig.length > 1) sig.sort((a, b) => a - b);
    let out = '';
    for (let j = 0; j < sig.length; j++) if (j === 0 || sig[j] !== sig[j - 1]) out += `${sig[j]},`;
    return out;
  });
  if (numClasses === n) return x;
  // Classes numbered by their first node, so the order stays that of the input.
  const newId = new Int32Array(numClasses).fill(-1);
  const nodePdf: number[] = [];
  const nodeWord: number[] = [];
  const finals: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = cls[i];
    if (newId[c] < 0) {
      newId[c] = nodePdf.length;
      nodePdf.push(x.nodePdf[i]);
      nodeWord.push(x.nodeWord[i]);
      finals.push(-Infinity);
    }
    // Forward-merged nodes may differ in final weight: the merged node keeps the best.
    finals[newId[c]] = Math.max(finals[newId[c]], x.finalLogProb[i]);
  }
  const seen = new Set<string>();
  const arcs: RawArc[] = [];
  x.arcs.forEach((a, k) => {
    const from = newId[cls[a.from]];
    const to = newId[cls[a.to]];
    const key = `${from} ${to} ${arcKind[k]}`;
    if (seen.has(key)) return;
    seen.add(key);
    arcs.push({ from, to, logProb: a.logProb, label: a.label });
  });
  return { nodePdf, nodeWord, arcs, start: newId[cls[x.start]], finalLogProb: Float32Array.from(finals) };
}

/**
 * Arcs of HMM state `i` with the self-loop scaled as Kaldi's AddSelfLoops does (mkgraph.sh
 * --self-loop-scale): loop log p * scale, forward arcs log(1-p) * scale + log(q / (1-p)).
 */
function scaledArcs(hmm: PhoneHmm, i: number, selfLoopScale: number): { to: number; logProb: number }[] {
  const st = hmm.states[i];
  const loop = st.arcs.find((a) => a.to === i);
  if (!loop || selfLoopScale === 1) return st.arcs;
  const pLoop = Math.exp(loop.logProb);
  const log1m = Math.log1p(-pLoop);
  return st.arcs.map((a) => (a.to === i ? { to: i, logProb: selfLoopScale * a.logProb } : { to: a.to, logProb: selfLoopScale * log1m + (a.logProb - log1m) }));
}
