// Phonetic decision tree for tying triphone states (Kaldi build-tree, build-tree-utils.cc): one
// tree per (central phone, HMM state) (Kaldi roots.txt `not-shared split` for every phone, so a
// tied state always belongs to one phone and one state); leaves are split greedily, the best split
// over all leaves first, by the gain in the log-likelihood of single diagonal Gaussians on the
// pooled statistics, asking whether the left or right phone is in a question set; then leaves of the
// same root whose merge loses less than the clustering threshold are tied together (Kaldi
// ClusterEventMapRestrictedByMap). Context-independent phones (silence) have all-zero contexts in
// the statistics, so they never split.
import type { GaussStats, TriphoneStats } from './triphone-stats.js';
import { gaussLogLike, sumGaussStats } from './triphone-stats.js';
import type { ContextKey, ContextTree, TreeNode } from './context-tree.js';

// The tree's types and lookups live in context-tree.ts (pure, also used by the decoder).
export { nodePdfs, treeAsks, treePdf, treeWellFormed, type ContextKey, type ContextTree, type TreeNode } from './context-tree.js';

export interface BuildTreeOptions {
  /** Stop when the trees have this many leaves in total (Kaldi build-tree --max-leaves). */
  numLeaves: number;
  /** Smallest log-likelihood gain for a split (Kaldi build-tree --thresh 300). */
  thresh?: number;
  /** Each side of a split needs at least this many frames (HTK TB's RO outlier threshold; Kaldi has none). */
  minLeafCount?: number;
  /** Leaves of one root merge when that loses less than this; < 0: the smallest split gain used (Kaldi --cluster-thresh -1). */
  clusterThresh?: number;
  /** Variance floor of the Gaussian likelihood (Kaldi acc-tree-stats 0.01). */
  varFloor?: number;
}

export interface BuildTreeResult {
  tree: ContextTree;
  /** Pooled statistics of every pdf (the initial single-Gaussian GMMs). */
  pdfStats: GaussStats[];
  /** Log-likelihood of the statistics with one Gaussian per root, and the gain of the tree over it. */
  rootLogLike: number;
  gain: number;
  numSplits: number;
  numMerged: number;
}

interface Leaf {
  root: number;
  items: number[];
  stats: GaussStats;
  logLike: number;
  best?: { key: ContextKey; question: number; yes: number[]; no: number[]; gain: number };
  /** Where the leaf sits: replaced by a split or a pdf at the end. */
  node: { leaf: Leaf } | MutableSplit;
}

interface MutableSplit {
  key: ContextKey;
  question: number;
  yes: MutableNode;
  no: MutableNode;
}
type MutableNode = { leaf: Leaf } | MutableSplit;

/**
 * Grow and cluster the trees. `numStates(phone)` is the number of HMM states of each phone with an
 * HMM (0 for none, e.g. `<eps>`); `numPhones` the size of the phone table. Every (phone, state)
 * gets a root, with one leaf when it has no statistics.
 *
 * @example buildTree(stats, questions, lang.phones.length, (p) => tm.phones[p]?.states.length ?? 0, { numLeaves: 500 })
 */
export function buildTree(stats: TriphoneStats, questions: number[][], numPhones: number, numStates: (phone: number) => number, opts: BuildTreeOptions): BuildTreeResult {
  const thresh = opts.thresh ?? 300;
  const minCount = opts.minLeafCount ?? 20;
  const varFloor = opts.varFloor ?? 0.01;
  const { dim, entries } = stats;
  const qsets = questions.map((q) => new Set(q));
  const ll = (s: GaussStats) => gaussLogLike(s, varFloor);
  // Roots in (phone, state) order.
  const rootIndex: number[][] = [];
  const rootLeaves: Leaf[] = [];
  const byRoot = new Map<string, number[]>();
  entries.forEach((e, i) => {
    const k = `${e.phone},${e.state}`;
    const l = byRoot.get(k);
    if (l) l.push(i);
    else byRoot.set(k, [i]);
  });
  for (let p = 0; p < numPhones; p++) {
    rootIndex.push([]);
    for (let s = 0; s < numStates(p); s++) {
      const items = byRoot.get(`${p},${s}`) ?? [];
      const st = sumGaussStats(dim, items.map((i) => entries[i].stats));
      const leaf: Leaf = { root: rootLeaves.length, items, stats: st, logLike: ll(st), node: undefined as never };
      leaf.node = { leaf };
      rootIndex[p].push(rootLeaves.length);
      rootLeaves.push(leaf);
    }
  }
  const rootLogLike = rootLeaves.reduce((a, l) => a + l.logLike, 0);
  const findBest = (leaf: Leaf): void => {
    leaf.best = undefined;
    for (const key of ['left', 'right'] as const) {
      qsets.forEach((q, qi) => {
        const yes: number[] = [];
        const no: number[] = [];
        for (const i of leaf.items) (q.has(key === 'left' ? entries[i].left : entries[i].right) ? yes : no).push(i);
        if (yes.length === 0 || no.length === 0) return;
        const ys = sumGaussStats(dim, yes.map((i) => entries[i].stats));
        const ns = sumGaussStats(dim, no.map((i) => entries[i].stats));
        if (ys.count < minCount || ns.count < minCount) return;
        const gain = ll(ys) + ll(ns) - leaf.logLike;
        if (!leaf.best || gain > leaf.best.gain + 1e-9) leaf.best = { key, question: qi, yes, no, gain };
      });
    }
  };
  const leaves = [...rootLeaves];
  for (const l of leaves) findBest(l);
  let numSplits = 0;
  let smallestGain = Infinity;
  while (leaves.length < opts.numLeaves) {
    let bi = -1;
    for (let i = 0; i < leaves.length; i++) if (leaves[i].best && (bi < 0 || leaves[i].best!.gain > leaves[bi].best!.gain)) bi = i;
    if (bi < 0 || leaves[bi].best!.gain < thresh) break;
    const leaf = leaves[bi];
    const b = leaf.best!;
    const mk = (items: number[]): Leaf => {
      const st = sumGaussStats(dim, items.map((i) => entries[i].stats));
      const l: Leaf = { root: leaf.root, items, stats: st, logLike: ll(st), node: undefined as never };
      l.node = { leaf: l };
      findBest(l);
      return l;
    };
    const y = mk(b.yes);
    const n = mk(b.no);
    // Turn the leaf's node into a split in place (its parent keeps the reference).
    const node = leaf.node as unknown as Record<string, unknown>;
    delete node.leaf;
    Object.assign(node, { key: b.key, question: b.question, yes: y.node, no: n.node });
    leaves.splice(bi, 1, y, n);
    numSplits++;
    smallestGain = Math.min(smallestGain, b.gain);
  }
  // Post-clustering within each root: merge the pair of clusters that loses least while below the threshold.
  const clusterThresh = (opts.clusterThresh ?? -1) < 0 ? (Number.isFinite(smallestGain) ? smallestGain : 0) : opts.clusterThresh!;
  const clusterOf = new Map<Leaf, number>();
  const clusters: { root: number; stats: GaussStats; logLike: number; leaves: Leaf[] }[] = [];
  for (const l of leaves) {
    clusterOf.set(l, clusters.length);
    clusters.push({ root: l.root, stats: l.stats, logLike: l.logLike, leaves: [l] });
  }
  let numMerged = 0;
  const byRootClusters = new Map<number, number[]>();
  clusters.forEach((c, i) => {
    const list = byRootClusters.get(c.root);
    if (list) list.push(i);
    else byRootClusters.set(c.root, [i]);
  });
  for (const ids of byRootClusters.values()) {
    const alive = [...ids];
    for (;;) {
      let best: { a: number; b: number; loss: number; st: GaussStats; ll: number } | undefined;
      for (let i = 0; i < alive.length; i++) {
        for (let j = i + 1; j < alive.length; j++) {
          const A = clusters[alive[i]];
          const B = clusters[alive[j]];
          const st = sumGaussStats(dim, [A.stats, B.stats]);
          const m = ll(st);
          const loss = A.logLike + B.logLike - m;
          if (!best || loss < best.loss - 1e-9) best = { a: i, b: j, loss, st, ll: m };
        }
      }
      if (!best || best.loss >= clusterThresh) break;
      const A = clusters[alive[best.a]];
      const B = clusters[alive[best.b]];
      A.stats = best.st;
      A.logLike = best.ll;
      A.leaves.push(...B.leaves);
      for (const l of B.leaves) clusterOf.set(l, alive[best.a]);
      alive.splice(best.b, 1);
      numMerged++;
    }
  }
  // Number pdfs root by root (phone, state order), clusters in order of their first leaf.
  const pdfOfCluster = new Map<number, number>();
  const pdfStats: GaussStats[] = [];
  const occupancy: number[] = [];
  for (const l of leaves.slice().sort((a, b) => a.root - b.root)) {
    const c = clusterOf.get(l)!;
    if (!pdfOfCluster.has(c)) {
      pdfOfCluster.set(c, pdfStats.length);
      pdfStats.push(clusters[c].stats);
      occupancy.push(clusters[c].stats.count);
    }
  }
  const freeze = (m: MutableNode): TreeNode => ('leaf' in m ? { pdf: pdfOfCluster.get(clusterOf.get(m.leaf)!)! } : { key: m.key, question: m.question, yes: freeze(m.yes), no: freeze(m.no) });
  const roots: (TreeNode[] | null)[] = rootIndex.map((idxs, p) => (numStates(p) === 0 ? null : idxs.map((r) => freeze(rootLeaves[r].node))));
  const finalLogLike = [...new Set(clusterOf.values())].reduce((a, c) => a + clusters[c].logLike, 0);
  return { tree: { questions, roots, numPdfs: pdfStats.length, occupancy }, pdfStats, rootLogLike, gain: finalLogLike - rootLogLike, numSplits, numMerged };
}
