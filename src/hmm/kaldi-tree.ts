// Kaldi's decision tree in text form (`copy-tree --binary=false tree -`) and its conversion to our
// ContextTree (context-tree.ts). Format, from Kaldi tree/context-dep.cc and tree/event-map.cc:
//
//   ContextDependency N P ToPdf <EventMap> EndContextDependency
//   <EventMap> = NULL | CE answer | TE key size ( <EventMap> x size ) | SE key [ yes-values ] { <yes> <no> }
//
// Keys: 0..N-1 are the phones of the context window (P the central phone, 0 = no phone at an
// utterance edge), -1 the pdf-class of the HMM state (kPdfClass). A SplitEventMap sends events
// whose value of `key` is in the yes-set to `yes`; a TableEventMap indexes its table by the value.
// Pure.
import { InputError } from '../errors.js';
import { printable } from '../data/text-input.js';
import type { ContextKey, ContextTree, TreeNode } from './context-tree.js';
import { KaldiTextTokens } from './kaldi-text-tokens.js';

/** A Kaldi EventMap (null: Kaldi's NULL, an event with no answer). */
export type KaldiEventMap =
  | null
  | { kind: 'CE'; answer: number }
  | { kind: 'TE'; key: number; table: KaldiEventMap[] }
  | { kind: 'SE'; key: number; yesSet: number[]; yes: KaldiEventMap; no: KaldiEventMap };

/** Kaldi's ContextDependency: context width N, central position P, the pdf map. */
export interface KaldiContextDependency {
  contextWidth: number;
  centralPosition: number;
  toPdf: KaldiEventMap;
}

/** Kaldi's key for the pdf-class of an HMM state (tree/context-dep.h kPdfClass). */
export const KALDI_PDF_CLASS_KEY = -1;

const TREE_HINT = "write it with Kaldi's 'copy-tree --binary=false exp/tri1/tree tree.txt'";

/** Parse `copy-tree --binary=false` output; errors name `file` and the line. */
export function parseKaldiTree(text: string, file: string): KaldiContextDependency {
  const t: KaldiTextTokens = new KaldiTextTokens(text, file, TREE_HINT);
  t.expect('ContextDependency');
  const contextWidth = t.int('context width N');
  const centralPosition = t.int('central position P');
  if (contextWidth < 1 || centralPosition < 0 || centralPosition >= contextWidth) t.fail(`central position ${centralPosition} is outside the context width ${contextWidth}`);
  t.expect('ToPdf');
  const read = (depth: number): KaldiEventMap => {
    // Trees are a few levels deep per phone; the guard turns a corrupt file into an error, not a stack overflow.
    if (depth > 10_000) t.fail('the tree is nested too deeply');
    const kind = t.peek();
    if (kind !== 'NULL' && kind !== 'CE' && kind !== 'TE' && kind !== 'SE') return t.fail(`expected an EventMap (NULL, CE, TE or SE), got ${kind === undefined ? 'the end of the file' : `'${printable(kind)}'`}`);
    t.next('an EventMap');
    if (kind === 'NULL') return null;
    if (kind === 'CE') return { kind, answer: t.int('the answer of CE') };
    if (kind === 'TE') {
      const key = t.int('the key of TE');
      const size = t.int('the size of TE');
      if (size < 0) t.fail(`TE size ${size} is negative`);
      t.expect('(');
      const table: KaldiEventMap[] = [];
      for (let i = 0; i < size; i++) table.push(read(depth + 1));
      t.expect(')');
      return { kind, key, table };
    }
    const key = t.int('the key of SE');
    const yesSet = t.vector('the yes-set of SE', (s) => s.int('a value of the yes-set'));
    t.expect('{');
    const yes = read(depth + 1);
    const no = read(depth + 1);
    t.expect('}');
    if (!yes || !no) t.fail('a SE node has a NULL branch');
    return { kind, key, yesSet, yes, no };
  };
  const toPdf = read(0);
  t.expect('EndContextDependency');
  return { contextWidth, centralPosition, toPdf };
}

/**
 * Our ContextTree for a Kaldi tree: the Kaldi map restricted to each phone and HMM state, with
 * splits on the left and right phones kept as questions (phone sets in our ids) and splits on the
 * central phone or the pdf-class resolved. `phoneIds[kaldiId]` is our id of a Kaldi phone (-1:
 * not one of ours); `pdfClasses[ourPhone]` lists the pdf-class of each HMM state (null: no HMM).
 * Supports trees of width 1 (monophone), 2 (left biphone, P = 1) and 3 (triphone, P = 1), i.e.
 * the keys our trees can ask about; anything else is an InputError naming `file`.
 */
export function kaldiTreeToContextTree(
  cd: KaldiContextDependency,
  opts: { phoneIds: number[]; pdfClasses: (number[] | null)[]; phoneNames: string[]; numPdfs: number; file: string },
): ContextTree {
  const { contextWidth: n, centralPosition: p } = cd;
  const sides = new Map<number, ContextKey>();
  if (p >= 1) sides.set(p - 1, 'left');
  if (p + 1 < n) sides.set(p + 1, 'right');
  if (n > 3 || (n === 3 && p !== 1)) {
    throw new InputError(`${opts.file}: a tree of context width ${n} with central position ${p}; only monophone (1 0), left-biphone (2 1) and triphone (3 1) trees can become asr-distill trees`);
  }
  const ourOf = (kaldiPhone: number): number => (kaldiPhone === 0 ? 0 : (opts.phoneIds[kaldiPhone] ?? -1));
  const kaldiOf = new Map<number, number>();
  opts.phoneIds.forEach((our, k) => {
    if (our > 0) kaldiOf.set(our, k);
  });
  const questions: number[][] = [];
  const questionIndex = new Map<string, number>();
  const question = (kaldiPhones: number[]): number => {
    const ours = [...new Set(kaldiPhones.map(ourOf).filter((x) => x >= 0))].sort((a, b) => a - b);
    const key = ours.join(' ');
    let q = questionIndex.get(key);
    if (q === undefined) {
      q = questions.length;
      questions.push(ours);
      questionIndex.set(key, q);
    }
    return q;
  };
  const roots: (TreeNode[] | null)[] = opts.pdfClasses.map(() => null);
  opts.pdfClasses.forEach((classes, ourPhone) => {
    if (!classes) return;
    const kaldiPhone = kaldiOf.get(ourPhone);
    const name = opts.phoneNames[ourPhone];
    if (kaldiPhone === undefined) throw new InputError(`${opts.file}: phone ${printable(name)} has no Kaldi phone id`);
    const where = (pdfClass: number): string => `phone ${printable(name)} (Kaldi id ${kaldiPhone}) pdf-class ${pdfClass}`;
    const walk = (m: KaldiEventMap, pdfClass: number): TreeNode => {
      if (!m) throw new InputError(`${opts.file}: the tree gives no pdf for ${where(pdfClass)} (a NULL entry); is it the tree of this transition model and phone set?`);
      if (m.kind === 'CE') {
        if (!(m.answer >= 0 && m.answer < opts.numPdfs)) throw new InputError(`${opts.file}: ${where(pdfClass)} leads to pdf ${m.answer}, outside the transition model's ${opts.numPdfs} pdfs`);
        return { pdf: m.answer };
      }
      const side = sides.get(m.key);
      if (m.key === p || m.key === KALDI_PDF_CLASS_KEY) {
        const value = m.key === p ? kaldiPhone : pdfClass;
        if (m.kind === 'TE') return walk(m.table[value] ?? null, pdfClass);
        return walk(m.yesSet.includes(value) ? m.yes : m.no, pdfClass);
      }
      if (side === undefined) throw new InputError(`${opts.file}: ${where(pdfClass)}: the tree asks about key ${m.key}, which a width-${n} tree with central position ${p} does not have`);
      if (m.kind === 'TE') throw new InputError(`${opts.file}: ${where(pdfClass)}: a table (TE) on the ${side} phone is not supported (Kaldi's build-tree makes tables only on the central phone and the pdf-class)`);
      const q = question(m.yesSet);
      // A question with none of our phones (and not the utterance edge) can never be answered yes.
      if (questions[q].length === 0) return walk(m.no, pdfClass);
      return { key: side, question: q, yes: walk(m.yes, pdfClass), no: walk(m.no, pdfClass) };
    };
    roots[ourPhone] = classes.map((c) => walk(cd.toPdf, c));
  });
  return { questions, roots, numPdfs: opts.numPdfs, occupancy: new Array<number>(opts.numPdfs).fill(0) };
}
