import type { AlignedPair, WerResult } from './wer.js';
import { formatWer } from './wer.js';
import { compareCLocale } from '../data/c-locale.js';

/**
 * Per-utterance alignment in the style of sclite's `pra` report: for each utterance its
 * counts and three aligned rows (REF, HYP, Eval), `***` marking the empty side of an
 * insertion or deletion. Errors are shown in upper case as sclite does only when case is folded;
 * otherwise words are printed as they are.
 */
export function formatAlignments(r: WerResult): string {
  let s = '';
  for (const u of r.utts) {
    s += `id: (${u.uttId})${u.hyp === null ? ' [no hypothesis]' : ''}\n`;
    s += `Scores: (#C #S #D #I) ${u.cor} ${u.sub} ${u.del} ${u.ins}\n`;
    s += alignedRows(u.pairs, r.foldCase);
    s += '\n';
  }
  return s;
}

function alignedRows(pairs: AlignedPair[], upperErrors: boolean): string {
  const refCols: string[] = [];
  const hypCols: string[] = [];
  const evalCols: string[] = [];
  for (const p of pairs) {
    const show = (w: string | null) => (w === null ? '***' : p.op !== 'C' && upperErrors ? w.toUpperCase() : w);
    const a = show(p.ref);
    const b = show(p.hyp);
    const e = p.op === 'C' ? '' : p.op;
    const width = Math.max(a.length, b.length, e.length);
    refCols.push(a.padEnd(width));
    hypCols.push(b.padEnd(width));
    evalCols.push(e.padEnd(width));
  }
  const row = (label: string, cols: string[]) => `${label} ${cols.join(' ')}`.trimEnd() + '\n';
  return row('REF: ', refCols) + row('HYP: ', hypCols) + row('Eval:', evalCols);
}

export interface WordErrorStats {
  /** `ref -> hyp` substitution pairs with their counts, most frequent first. */
  substitutions: { ref: string; hyp: string; count: number }[];
  deletions: { word: string; count: number }[];
  insertions: { word: string; count: number }[];
  /** Per word: times correct, errors it took part in, occurrences in ref and hyp. */
  perWord: { word: string; correct: number; errors: number; inRef: number; inHyp: number }[];
}

function sortedCounts(m: Map<string, number>): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1] || compareCLocale(a[0], b[0]));
}

/** Per-word error counts over all scored utterances (as icefall's write_error_stats). */
export function wordErrorStats(r: WerResult): WordErrorStats {
  const subs = new Map<string, number>();
  const dels = new Map<string, number>();
  const inss = new Map<string, number>();
  const words = new Map<string, { correct: number; errors: number; inRef: number; inHyp: number }>();
  const w = (x: string) => {
    let e = words.get(x);
    if (!e) words.set(x, (e = { correct: 0, errors: 0, inRef: 0, inHyp: 0 }));
    return e;
  };
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const u of r.utts) {
    for (const p of u.pairs) {
      if (p.ref !== null) w(p.ref).inRef++;
      if (p.hyp !== null) w(p.hyp).inHyp++;
      if (p.op === 'C') w(p.ref!).correct++;
      else if (p.op === 'S') {
        inc(subs, `${p.ref}\u0000${p.hyp}`);
        w(p.ref!).errors++;
        w(p.hyp!).errors++;
      } else if (p.op === 'D') {
        inc(dels, p.ref!);
        w(p.ref!).errors++;
      } else {
        inc(inss, p.hyp!);
        w(p.hyp!).errors++;
      }
    }
  }
  return {
    substitutions: sortedCounts(subs).map(([k, count]) => {
      const [ref, hyp] = k.split('\u0000');
      return { ref, hyp, count };
    }),
    deletions: sortedCounts(dels).map(([word, count]) => ({ word, count })),
    insertions: sortedCounts(inss).map(([word, count]) => ({ word, count })),
    perWord: [...words]
      .map(([word, e]) => ({ word, ...e }))
      .sort((a, b) => b.errors - a.errors || compareCLocale(a.word, b.word)),
  };
}

/**
 * The whole `--details FILE` report: the summary lines, the per-utterance alignments and the
 * per-word counts (SUBSTITUTIONS / DELETIONS / INSERTIONS / PER-WORD STATS).
 */
export function formatDetails(r: WerResult): string {
  const st = wordErrorStats(r);
  let s = formatWer(r) + '\n';
  s += `ALIGNMENTS (${r.algorithm === 'sclite' ? 'sclite weights sub 4, ins 3, del 3' : 'minimum edit distance'}${r.foldCase ? ', case folded' : ''})\n\n`;
  s += formatAlignments(r);
  s += 'SUBSTITUTIONS: count ref -> hyp\n';
  for (const e of st.substitutions) s += `${e.count}   ${e.ref} -> ${e.hyp}\n`;
  s += '\nDELETIONS: count ref\n';
  for (const e of st.deletions) s += `${e.count}   ${e.word}\n`;
  s += '\nINSERTIONS: count hyp\n';
  for (const e of st.insertions) s += `${e.count}   ${e.word}\n`;
  s += '\nPER-WORD STATS: word  corr  errs  in-ref  in-hyp\n';
  for (const e of st.perWord) s += `${e.word}   ${e.correct} ${e.errors} ${e.inRef} ${e.inHyp}\n`;
  return s;
}

/**
 * A machine-readable summary (`wer --json`, a decode's wer.json): totals, per-utterance counts and
 * the per-word error counts (`wordErrors`: substitution pairs, deleted and inserted words, most
 * frequent first), so a report can say which errors make a WER without re-scoring.
 */
export function werToJson(r: WerResult): Record<string, unknown> {
  const st = wordErrorStats(r);
  return {
    wer: r.wer,
    ser: r.ser,
    errors: r.errors,
    numWords: r.numWords,
    ins: r.ins,
    del: r.del,
    sub: r.sub,
    cor: r.cor,
    sentErrors: r.sentErrors,
    numSent: r.numSent,
    numAbsent: r.numAbsent,
    mode: r.mode,
    algorithm: r.algorithm,
    foldCase: r.foldCase,
    utts: r.utts.map((u) => ({ uttId: u.uttId, numWords: u.ref.length, cor: u.cor, sub: u.sub, ins: u.ins, del: u.del, absent: u.hyp === null })),
    wordErrors: { substitutions: st.substitutions, deletions: st.deletions, insertions: st.insertions },
  };
}
