// What `asr-distill show-tree` prints about a context-dependency tree: its size, which questions
// the splits use (and about which side), the occupancy of the tied states, and the states per phone.
import type { ContextTree, TreeNode } from './decision-tree.js';

export interface TreeSummary {
  numPdfs: number;
  /** Phone states with a tree, and the splits in all trees. */
  numRoots: number;
  numSplits: number;
  /** Leaves (a pdf can be several leaves after post-clustering). */
  numLeaves: number;
  /** Questions used by at least one split, most used first: phone names, side, number of splits. */
  questionsUsed: { question: number; phones: string[]; key: 'left' | 'right'; splits: number }[];
  numQuestions: number;
  /** Occupancy (frames of the tree statistics) per pdf: min, median, max, and pdfs without data. */
  occupancy: { min: number; median: number; max: number; empty: number };
  /** Tied states per phone (phones with a tree only), in phone-id order. */
  perPhone: { phone: string; pdfs: number; perState: number[] }[];
}

/** Summarise `tree`; `phones` names phone ids. */
export function summarizeTree(tree: ContextTree, phones: string[]): TreeSummary {
  const uses = new Map<string, { question: number; key: 'left' | 'right'; splits: number }>();
  let numRoots = 0;
  let numSplits = 0;
  let numLeaves = 0;
  const perPhone: TreeSummary['perPhone'] = [];
  const walk = (n: TreeNode, pdfs: Set<number>): void => {
    if ('pdf' in n) {
      numLeaves++;
      pdfs.add(n.pdf);
      return;
    }
    numSplits++;
    const k = `${n.key} ${n.question}`;
    const u = uses.get(k) ?? { question: n.question, key: n.key, splits: 0 };
    u.splits++;
    uses.set(k, u);
    walk(n.yes, pdfs);
    walk(n.no, pdfs);
  };
  tree.roots.forEach((states, p) => {
    if (!states) return;
    const all = new Set<number>();
    const perState = states.map((root) => {
      numRoots++;
      const s = new Set<number>();
      walk(root, s);
      for (const x of s) all.add(x);
      return s.size;
    });
    perPhone.push({ phone: phones[p] ?? String(p), pdfs: all.size, perState });
  });
  const occ = [...tree.occupancy].sort((a, b) => a - b);
  return {
    numPdfs: tree.numPdfs,
    numRoots,
    numSplits,
    numLeaves,
    questionsUsed: [...uses.values()]
      .sort((a, b) => b.splits - a.splits || a.question - b.question || a.key.localeCompare(b.key))
      .map((u) => ({ ...u, phones: tree.questions[u.question].map((p) => phones[p] ?? String(p)) })),
    numQuestions: tree.questions.length,
    occupancy: { min: occ[0] ?? 0, median: occ.length ? occ[occ.length >> 1] : 0, max: occ[occ.length - 1] ?? 0, empty: occ.filter((o) => o === 0).length },
    perPhone,
  };
}

/** The human-readable form show-tree prints. */
export function formatTreeSummary(s: TreeSummary, file: string): string {
  const lines = [
    `${file}: ${s.numPdfs} tied states (pdfs) from ${s.numRoots} phone-state trees; ${s.numSplits} splits, ${s.numLeaves} leaves`,
    `leaf occupancy (frames): min ${s.occupancy.min}, median ${s.occupancy.median}, max ${s.occupancy.max}; ${s.occupancy.empty} tied state(s) without data`,
    `questions used: ${s.questionsUsed.length} of ${s.numQuestions}`,
    ...s.questionsUsed.map((q) => `  ${String(q.splits).padStart(4)} split(s) on the ${q.key.padEnd(5)} phone in question ${q.question}: ${q.phones.join(' ')}`),
    'tied states per phone (per HMM state):',
    ...s.perPhone.map((p) => `  ${p.phone.padEnd(6)} ${String(p.pdfs).padStart(4)}  (${p.perState.join(' ')})`),
  ];
  return lines.join('\n') + '\n';
}
