// A tiny language directory and monophone transition model for decoder tests, plus oracle
// log-likelihoods from a synthetic alignment (0 for the aligned pdf, -20 elsewhere).
import type { LangDir } from '../../src/lang/lang-dir.js';
import type { PhoneHmm, TransitionModel } from '../../src/hmm/transition-model.js';
import { pdfMap } from '../../src/hmm/transition-model.js';
import { makeRng, randInt, type Rng } from '../../src/data/random.js';
import { treePdf, type ContextTree, type TreeNode } from '../../src/hmm/context-tree.js';
import { buildContextTransitionModel } from '../../src/hmm/context-model.js';
import { memoryLang } from '../hmm/synthetic.js';

export const TOY_LEXICON: [string, string[]][] = [
  ['eight', ['EY', 'T']],
  ['five', ['F', 'AY', 'V']],
  ['four', ['F', 'AO', 'R']],
  ['four', ['F', 'AO']],
  ['nine', ['N', 'AY', 'N']],
  ['oh', ['OW']],
  ['one', ['W', 'AH', 'N']],
  ['seven', ['S', 'EH', 'V', 'AH', 'N']],
  ['six', ['S', 'IH', 'K', 'S']],
  ['three', ['TH', 'R', 'IY']],
  ['two', ['T', 'UW']],
  ['zero', ['Z', 'IH', 'R', 'OW']],
  ['zero', ['Z', 'IY', 'R', 'OW']],
];

export function toyLang(): LangDir {
  const lexicon = new Map<string, string[][]>();
  for (const [w, p] of TOY_LEXICON) lexicon.set(w, [...(lexicon.get(w) ?? []), p]);
  const nonsil = [...new Set(TOY_LEXICON.flatMap(([, p]) => p))].sort();
  const phones = ['<eps>', 'SIL', 'SPN', ...nonsil];
  return memoryLang('toy-lang', phones, ['<eps>', ...[...lexicon.keys()].sort()], lexicon);
}

/** 3-state left-to-right HMMs (self-loop 0.6), 5 states for SIL, one pdf per state. */
export function toyTransitionModel(lang: LangDir): TransitionModel {
  let pdf = 0;
  const phones: (PhoneHmm | null)[] = lang.phones.map((phone, phoneId) => {
    if (phone === '<eps>') return null;
    const n = phone === 'SIL' ? 5 : 3;
    return {
      phone,
      phoneId,
      states: Array.from({ length: n }, (_, i) => ({ pdfId: pdf++, arcs: [{ to: i, logProb: Math.log(0.6) }, { to: i + 1, logProb: Math.log(0.4) }] })),
    };
  });
  return { phones, numPdfs: pdf, pdfToState: pdfMap(phones) };
}

/**
 * A synthetic alignment of `words` (random pronunciations, dwell times, optional silences). With a
 * context-dependent `tm` each frame's pdf comes from the tree with the phone's real neighbours
 * (silence included, 0 at the edges), as the aligner and the decoder see them; `wrongContextAt`
 * instead gives phone instance k the pdfs of another context (a path the decoder must not accept).
 */
export function oracleLogLikes(rng: Rng, lang: LangDir, tm: TransitionModel, words: string[], opts: { wrongContextAt?: number } = {}): { logLikes: Float32Array; numFrames: number; pdfs: number[]; phones: number[] } {
  const seq: { phone: number; dwell: number[] }[] = [];
  const phone = (p: string) => {
    const id = lang.phoneIds.get(p)!;
    seq.push({ phone: id, dwell: tm.phones[id]!.states.map(() => randInt(rng, 1, 4)) });
  };
  if (rng() < 0.5) phone('SIL');
  for (const w of words) {
    const prons = lang.lexicon.get(w)!;
    for (const p of prons[randInt(rng, 0, prons.length - 1)]) phone(p);
    if (rng() < 0.4) phone('SIL');
  }
  const pdfs: number[] = [];
  seq.forEach(({ phone: ph, dwell }, k) => {
    let left = k > 0 ? seq[k - 1].phone : 0;
    const right = k + 1 < seq.length ? seq[k + 1].phone : 0;
    // Another left context in the same tree class as none of the real ones: the utterance edge or SIL.
    if (k === opts.wrongContextAt) left = left === 0 ? lang.phoneIds.get('SIL')! : 0;
    tm.phones[ph]!.states.forEach((s, si) => {
      const pdf = tm.tree ? treePdf(tm.tree, left, ph, right, si) : s.pdfId;
      for (let n = 0; n < dwell[si]; n++) pdfs.push(pdf);
    });
  });
  const numFrames = pdfs.length;
  const logLikes = new Float32Array(numFrames * tm.numPdfs).fill(-20);
  pdfs.forEach((p, t) => (logLikes[t * tm.numPdfs + p] = 0));
  return { logLikes, numFrames, pdfs, phones: seq.map((x) => x.phone) };
}

/**
 * A decision tree over `lang`'s phones for `tm`'s topology: every nonsilence phone's first state
 * depends on its left phone, its last state on its right phone (classes: utterance edge, SIL,
 * vowel, other), the states between and the silence phones are context-independent.
 */
export function toyContextTree(lang: LangDir, tm: TransitionModel): ContextTree {
  const vowels = lang.phones.flatMap((p, i) => (/^(AH|AO|AY|EH|EY|IH|IY|OW|UW)$/.test(p) ? [i] : []));
  const questions = [[0], [lang.phoneIds.get('SIL')!], vowels];
  let pdf = 0;
  const leaf = (): TreeNode => ({ pdf: pdf++ });
  const bySide = (key: 'left' | 'right'): TreeNode => ({ key, question: 0, yes: leaf(), no: { key, question: 1, yes: leaf(), no: { key, question: 2, yes: leaf(), no: leaf() } } });
  const roots = tm.phones.map((p) => {
    if (!p) return null;
    const n = p.states.length;
    return p.states.map((_, si) => (lang.silencePhones.has(p.phone) || n < 2 || (si > 0 && si < n - 1) ? leaf() : bySide(si === 0 ? 'left' : 'right')));
  });
  return { questions, roots, numPdfs: pdf, occupancy: new Array<number>(pdf).fill(1) };
}

/** `toyTransitionModel` made context-dependent with `toyContextTree`. */
export function toyContextModel(lang: LangDir): TransitionModel {
  const mono = toyTransitionModel(lang);
  return buildContextTransitionModel(mono, toyContextTree(lang, mono));
}

export function randomWords(rng: Rng, vocab: string[], min: number, max: number): string[] {
  return Array.from({ length: randInt(rng, min, max) }, () => vocab[randInt(rng, 0, vocab.length - 1)]);
}

export { makeRng };
