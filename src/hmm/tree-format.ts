// The text format of a context-dependency tree (EXP/tree, written by train-tri; docs/alignment.md):
//
//   asr-distill-tree 1
//   context-width 3 central-position 1
//   num-pdfs 112
//   occupancy 830 412 ...            (frames of the tree statistics per pdf, pdf 0 first)
//   question 0 AA AH AY              (one line per question: index, then phone names)
//   root AA 0                        (a tree for phone AA, HMM state 0, then its nodes in pre-order)
//    split right 3                   (is the right phone in question 3? the `yes` subtree follows, then `no`)
//     leaf 7
//     leaf 8
//
// Indentation (one space per depth) is for reading only. Lines starting with # are comments.
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { ContextTree, TreeNode } from './decision-tree.js';

const MAGIC = 'asr-distill-tree 1';

/** Serialise a tree with phone names from `phones` (index = phone id). Pure. */
export function formatTree(tree: ContextTree, phones: string[]): string {
  const lines = [MAGIC, 'context-width 3 central-position 1', `num-pdfs ${tree.numPdfs}`, `occupancy ${tree.occupancy.map((o) => String(Math.round(o * 1000) / 1000)).join(' ')}`];
  tree.questions.forEach((q, i) => lines.push(`question ${i} ${q.map((p) => phones[p]).join(' ')}`));
  const walk = (n: TreeNode, depth: number): void => {
    const pad = ' '.repeat(depth);
    if ('pdf' in n) lines.push(`${pad}leaf ${n.pdf}`);
    else {
      lines.push(`${pad}split ${n.key} ${n.question}`);
      walk(n.yes, depth + 1);
      walk(n.no, depth + 1);
    }
  };
  tree.roots.forEach((states, p) => {
    states?.forEach((n, s) => {
      lines.push(`root ${phones[p]} ${s}`);
      walk(n, 1);
    });
  });
  return lines.join('\n') + '\n';
}

/** Parse the text format; `phones` maps names to ids; errors name `file` and the line. */
export function parseTree(text: string, phones: string[], file: string): ContextTree {
  const ids = new Map(phones.map((p, i) => [p, i]));
  const lines = text
    .split('\n')
    .map((l, i) => ({ no: i + 1, f: l.trim().split(/\s+/).filter((x) => x !== '') }))
    .filter((l) => l.f.length > 0 && !l.f[0].startsWith('#'));
  let k = 0;
  const fail = (msg: string): never => {
    const at = k < lines.length ? lines[k].no : (lines[lines.length - 1]?.no ?? 0) + 1;
    throw new InputError(`${file} line ${at}: ${msg}; write trees with 'asr-distill train-tri'`);
  };
  const int = (s: string | undefined, what: string): number => {
    const v = Number(s);
    if (s === undefined || !Number.isInteger(v) || v < 0) fail(`${what} must be a non-negative integer, got '${s ?? ''}'`);
    return v;
  };
  const phone = (name: string): number => {
    const id = ids.get(name);
    if (id === undefined) fail(`phone '${name}' is not in phones.txt`);
    return id!;
  };
  if (lines[0]?.f.join(' ') !== MAGIC) fail(`expected '${MAGIC}' on the first line`);
  k = 1;
  if (lines[k]?.f.join(' ') !== 'context-width 3 central-position 1') fail('only triphone trees are supported: expected "context-width 3 central-position 1"');
  k++;
  if (lines[k]?.f[0] !== 'num-pdfs') fail('expected num-pdfs');
  const numPdfs = int(lines[k].f[1], 'num-pdfs');
  k++;
  if (lines[k]?.f[0] !== 'occupancy' || lines[k].f.length !== numPdfs + 1) fail(`expected 'occupancy' with ${numPdfs} values`);
  const occupancy = lines[k].f.slice(1).map(Number);
  if (occupancy.some((o) => !(o >= 0))) fail('occupancies must be numbers >= 0');
  k++;
  const questions: number[][] = [];
  while (lines[k]?.f[0] === 'question') {
    if (int(lines[k].f[1], 'question index') !== questions.length) fail(`expected question ${questions.length}`);
    questions.push(lines[k].f.slice(2).map(phone));
    k++;
  }
  const roots: (TreeNode[] | null)[] = phones.map(() => null);
  const node = (): TreeNode => {
    const l = lines[k];
    if (!l) fail('the tree ends in the middle of a node');
    if (l.f[0] === 'leaf') {
      const pdf = int(l.f[1], 'pdf id');
      if (pdf >= numPdfs) fail(`pdf id ${pdf} is not below num-pdfs ${numPdfs}`);
      k++;
      return { pdf };
    }
    if (l.f[0] !== 'split' || (l.f[1] !== 'left' && l.f[1] !== 'right')) fail(`expected 'leaf PDF' or 'split left|right QUESTION', got '${l.f.join(' ')}'`);
    const question = int(l.f[2], 'question');
    if (question >= questions.length) fail(`question ${question} is not defined`);
    const key = l.f[1] as 'left' | 'right';
    k++;
    const yes = node();
    const no = node();
    return { key, question, yes, no };
  };
  while (k < lines.length) {
    const l = lines[k];
    if (l.f[0] !== 'root' || l.f.length !== 3) fail(`expected 'root PHONE STATE', got '${l.f.join(' ')}'`);
    const p = phone(l.f[1]);
    const s = int(l.f[2], 'state');
    const list = (roots[p] ??= []);
    if (s !== list.length) fail(`root ${l.f[1]} ${s}: states of a phone must be listed in order from 0`);
    k++;
    list.push(node());
  }
  return { questions, roots, numPdfs, occupancy };
}

/** Tree file name inside a triphone model directory. */
export const TREE_FILE = 'tree';

export async function writeTree(file: string, tree: ContextTree, phones: string[]): Promise<void> {
  await writeFileAtomic(file, formatTree(tree, phones));
}

export async function readTree(file: string, phones: string[]): Promise<ContextTree> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError(`${file}: tree not found (train a triphone model with 'asr-distill train-tri')`);
  }
  return parseTree(text, phones, file);
}
