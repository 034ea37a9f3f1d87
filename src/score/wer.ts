import { printable } from '../data/text-input.js';
import { InputError } from '../errors.js';
import type { Transcript } from './text-file.js';

/** C = correct, S = substitution, I = insertion (hyp word with no ref word), D = deletion. */
export type EditOp = 'C' | 'S' | 'I' | 'D';

/** One column of an alignment; `ref` is null for an insertion, `hyp` null for a deletion. */
export interface AlignedPair {
  ref: string | null;
  hyp: string | null;
  op: EditOp;
}

export interface ErrorCounts {
  cor: number;
  sub: number;
  ins: number;
  del: number;
}

export interface Alignment extends ErrorCounts {
  pairs: AlignedPair[];
}

/**
 * `kaldi`: unit-cost minimum edit distance with the tie-breaking of Kaldi's
 * LevenshteinEditDistance (util/edit-distance-inl.h), so ins/del/sub splits equal compute-wer's.
 * `sclite`: NIST sclite's weighted DP (word.c wwd_WORD: sub 4, ins 3, del 3; net_dp.c tie-breaking),
 * which may count more errors than the minimum (`c c c a a` -> `a a b b b`: 6 instead of 5).
 */
export type WerAlgorithm = 'kaldi' | 'sclite';

export interface AlignOptions {
  algorithm?: WerAlgorithm;
  /** Compare words with ASCII case folded (sclite's default; `sclite -s` turns it off). Default: true for sclite, false for kaldi. */
  foldCase?: boolean;
}

// Only ASCII letters fold, as sclite does for non-UTF-8 text (sclite_tolower.c).
function foldAscii(w: string): string {
  return w.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

const DIAG = 0;
const DEL = 1;
const INS = 2;

/**
 * Align a reference and a hypothesis word sequence and count the edits.
 *
 * @example alignWords(['a', 'b'], ['a', 'c', 'b']) // 2 cor, 1 ins; pairs a/a, -/c, b/b
 */
export function alignWords(ref: readonly string[], hyp: readonly string[], options: AlignOptions = {}): Alignment {
  const algorithm = options.algorithm ?? 'kaldi';
  const fold = options.foldCase ?? algorithm === 'sclite';
  const r = fold ? ref.map(foldAscii) : ref;
  const h = fold ? hyp.map(foldAscii) : hyp;
  const R = r.length;
  const H = h.length;
  const W = H + 1;
  const subCost = algorithm === 'sclite' ? 4 : 1;
  const insCost = algorithm === 'sclite' ? 3 : 1;
  const delCost = algorithm === 'sclite' ? 3 : 1;
  // cost[i][j]: ref prefix i aligned with hyp prefix j; back[i][j] the move into the cell.
  const cost = new Int32Array((R + 1) * W);
  const back = new Uint8Array((R + 1) * W);
  for (let j = 1; j <= H; j++) {
    cost[j] = j * insCost;
    back[j] = INS;
  }
  for (let i = 1; i <= R; i++) {
    cost[i * W] = i * delCost;
    back[i * W] = DEL;
  }
  for (let i = 1; i <= R; i++) {
    for (let j = 1; j <= H; j++) {
      const sub = cost[(i - 1) * W + j - 1] + (r[i - 1] === h[j - 1] ? 0 : subCost);
      const del = cost[(i - 1) * W + j] + delCost;
      const ins = cost[i * W + j - 1] + insCost;
      let move: number;
      if (algorithm === 'sclite') {
        // net_dp.c calculate_internal_cells: sub if <= both, else del if strictly < ins, else ins.
        move = sub <= del && sub <= ins ? DIAG : del < ins ? DEL : INS;
      } else {
        // edit-distance-inl.h (counting version): sub/correct only if strictly better than both,
        // else deletion if strictly better than insertion, else insertion.
        move = sub < ins && sub < del ? DIAG : del < ins ? DEL : INS;
      }
      back[i * W + j] = move;
      cost[i * W + j] = move === DIAG ? sub : move === DEL ? del : ins;
    }
  }
  const pairs: AlignedPair[] = [];
  let cor = 0, sub = 0, ins = 0, del = 0;
  let i = R, j = H;
  while (i > 0 || j > 0) {
    const move = back[i * W + j];
    if (move === DIAG) {
      const same = r[i - 1] === h[j - 1];
      pairs.push({ ref: ref[i - 1], hyp: hyp[j - 1], op: same ? 'C' : 'S' });
      if (same) cor++;
      else sub++;
      i--;
      j--;
    } else if (move === DEL) {
      pairs.push({ ref: ref[i - 1], hyp: null, op: 'D' });
      del++;
      i--;
    } else {
      pairs.push({ ref: null, hyp: hyp[j - 1], op: 'I' });
      ins++;
      j--;
    }
  }
  pairs.reverse();
  return { pairs, cor, sub, ins, del };
}

/**
 * Scoring modes of Kaldi's compute-wer: `strict` fails when a reference utterance has no
 * hypothesis, `present` scores only those present, `all` scores missing ones as empty hypotheses.
 */
export type WerMode = 'strict' | 'present' | 'all';

export interface UttScore extends Alignment {
  uttId: string;
  ref: string[];
  /** null when the hypothesis was absent (mode `all`). */
  hyp: string[] | null;
}

export interface WerResult extends ErrorCounts {
  /** Reference words scored. */
  numWords: number;
  errors: number;
  /** Percent, or null (undefined) when no reference word was scored. */
  wer: number | null;
  numSent: number;
  sentErrors: number;
  /** Percent, or null when no sentence was scored. */
  ser: number | null;
  /** Reference utterances with no hypothesis (not scored in `present`, scored as empty in `all`). */
  numAbsent: number;
  mode: WerMode;
  algorithm: WerAlgorithm;
  foldCase: boolean;
  utts: UttScore[];
}

export interface ScoreOptions extends AlignOptions {
  mode?: WerMode;
  /** File names for error messages. */
  refFile?: string;
  hypFile?: string;
}

// compute-wer computes `100.0 * float(errs) / float(words)` into a float (BaseFloat).
function percent(num: number, den: number): number | null {
  return den === 0 ? null : Math.fround((100 * Math.fround(num)) / Math.fround(den));
}

// Ids come from user files: shown escaped and shortened (binary garbage must not reach the terminal raw).
function listIds(ids: string[]): string {
  const shown = ids.slice(0, 10).map((id) => printable(id));
  return ids.length <= 10 ? shown.join(', ') : `${shown.join(', ')}, ... (${ids.length - 10} more)`;
}

/**
 * Score a hypothesis transcript against a reference, like Kaldi's `compute-wer --text`.
 * A hypothesis id absent from the reference is an InputError naming it; in mode `strict` a
 * reference utterance without hypothesis is an InputError listing them.
 */
export function scoreTranscripts(ref: Transcript, hyp: Transcript, options: ScoreOptions = {}): WerResult {
  const mode = options.mode ?? 'strict';
  const algorithm = options.algorithm ?? 'kaldi';
  const foldCase = options.foldCase ?? algorithm === 'sclite';
  const refFile = options.refFile ?? 'reference';
  const hypFile = options.hypFile ?? 'hypothesis';
  const extra = [...hyp.keys()].filter((id) => !ref.has(id));
  if (extra.length > 0) {
    throw new InputError(`${hypFile}: ${extra.length === 1 ? 'utterance' : 'utterances'} ${listIds(extra)} not in the reference ${refFile}; remove ${extra.length === 1 ? 'it' : 'them'} or score against the right reference`);
  }
  const missing = [...ref.keys()].filter((id) => !hyp.has(id));
  if (mode === 'strict' && missing.length > 0) {
    throw new InputError(`${hypFile}: no hypothesis for reference ${missing.length === 1 ? 'utterance' : 'utterances'} ${listIds(missing)}; use --mode present to score only those present, or --mode all to count them as all deletions`);
  }
  const totals = { cor: 0, sub: 0, ins: 0, del: 0, numWords: 0, numSent: 0, sentErrors: 0 };
  const utts: UttScore[] = [];
  for (const [uttId, refWords] of ref) {
    const h = hyp.get(uttId);
    if (h === undefined && mode === 'present') continue;
    const ali = alignWords(refWords, h ?? [], { algorithm, foldCase });
    utts.push({ uttId, ref: refWords, hyp: h ?? null, ...ali });
    totals.cor += ali.cor;
    totals.sub += ali.sub;
    totals.ins += ali.ins;
    totals.del += ali.del;
    totals.numWords += refWords.length;
    totals.numSent++;
    if (ali.sub + ali.ins + ali.del > 0) totals.sentErrors++;
  }
  const errors = totals.sub + totals.ins + totals.del;
  return {
    ...totals,
    errors,
    wer: percent(errors, totals.numWords),
    ser: percent(totals.sentErrors, totals.numSent),
    numAbsent: missing.length,
    mode,
    algorithm,
    foldCase,
    utts,
  };
}

/**
 * Format a percentage with two decimals as C++ `std::fixed << setprecision(2)` does: correctly
 * rounded, exact ties to even (glibc), where JavaScript's toFixed would round ties up.
 */
export function formatPercent(x: number): string {
  const scaled = x * 100;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5) return ((floor % 2 === 0 ? floor : floor + 1) / 100).toFixed(2);
  return x.toFixed(2);
}

/**
 * The three lines Kaldi's compute-wer prints, e.g.
 * `%WER 12.34 [ 56 / 454, 7 ins, 8 del, 41 sub ]`, `%SER 20.00 [ 4 / 20 ]`,
 * `Scored 20 sentences, 0 not present in hyp.` (`[PARTIAL]` when some were absent). A WER over
 * an empty reference prints as `undefined` instead of Kaldi's inf/nan.
 */
export function formatWer(r: WerResult): string {
  const wer = r.wer === null ? 'undefined' : formatPercent(r.wer);
  const ser = r.ser === null ? 'undefined' : formatPercent(r.ser);
  return (
    `%WER ${wer} [ ${r.errors} / ${r.numWords}, ${r.ins} ins, ${r.del} del, ${r.sub} sub ]${r.numAbsent !== 0 ? ' [PARTIAL]' : ''}\n` +
    `%SER ${ser} [ ${r.sentErrors} / ${r.numSent} ]\n` +
    `Scored ${r.numSent} sentences, ${r.numAbsent} not present in hyp.\n`
  );
}
