// The decision tree of a context-dependent model as data, and the lookups every consumer needs
// (Kaldi's EventMap: (left, phone, right, state) -> pdf). Pure and dependency-free, so the decoder
// (and the web page's bundle, which carries the decoding graph code) can use it; growing a tree
// from statistics is decision-tree.ts.

/** Which context a question asks about (Kaldi keys 0 and 2 with --central-position=1). */
export type ContextKey = 'left' | 'right';

/** A node: a leaf holds its tied-state pdf id; a split sends contexts in `questions[question]` to `yes`. */
export type TreeNode = { pdf: number } | { key: ContextKey; question: number; yes: TreeNode; no: TreeNode };

/** The tree of a context-dependent model (stored as text by tree-format.ts). */
export interface ContextTree {
  /** Question phone sets (sorted phone ids); splits refer to them by index. */
  questions: number[][];
  /** roots[phoneId][state]; null for `<eps>` and disambiguation symbols. */
  roots: (TreeNode[] | null)[];
  numPdfs: number;
  /** Frames of the tree-building statistics in each pdf (show-tree's leaf occupancy). */
  occupancy: number[];
}

/** The pdf id of `phone` in state `state` between `left` and `right` (0 = no phone). */
export function treePdf(tree: ContextTree, left: number, phone: number, right: number, state: number): number {
  const root = tree.roots[phone]?.[state];
  if (!root) throw new Error(`tree: phone ${phone} state ${state} has no tree`);
  let n = root;
  while (!('pdf' in n)) n = tree.questions[n.question].includes(n.key === 'left' ? left : right) ? n.yes : n.no;
  return n.pdf;
}

/** Whether every split below `n` names an existing question and a known side (files read from disk). */
export function treeWellFormed(n: TreeNode, numQuestions: number): boolean {
  if ('pdf' in n) return Number.isInteger(n.pdf);
  return (n.key === 'left' || n.key === 'right') && Number.isInteger(n.question) && n.question >= 0 && n.question < numQuestions && treeWellFormed(n.yes, numQuestions) && treeWellFormed(n.no, numQuestions);
}

/** Whether any split below `n` asks about `key`. */
export function treeAsks(n: TreeNode, key: ContextKey): boolean {
  return !('pdf' in n) && (n.key === key || treeAsks(n.yes, key) || treeAsks(n.no, key));
}

/** Every pdf id reachable from a node (sorted, unique). */
export function nodePdfs(n: TreeNode): number[] {
  const out = new Set<number>();
  const walk = (m: TreeNode): void => {
    if ('pdf' in m) out.add(m.pdf);
    else {
      walk(m.yes);
      walk(m.no);
    }
  };
  walk(n);
  return [...out].sort((a, b) => a - b);
}
