// Alignment quality against reference phone timings (a phone CTM, e.g. the synthesizer's
// phones.ctm): the share of reference phone boundaries our alignment places within a tolerance
// (20 ms is the usual yardstick for forced aligners, e.g. the Montreal Forced Aligner papers), and
// the frame-level phone agreement. Times of our frames: frame t covers [t*shift, t*shift + length),
// so its centre is t*shift + length/2 and the boundary between frames t-1 and t lies at
// t*shift + (length - shift)/2.
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { phoneSegments, readAlignments, type PhoneSegment } from './ali-archive.js';
import { compareCLocale } from '../data/c-locale.js';

/** One CTM line: `uttid channel start duration label`. */
export interface CtmSegment {
  start: number;
  duration: number;
  label: string;
}

/** Parse a CTM (`uttid 1 start dur phone [conf]`); zero-length segments are dropped. Errors name file and line. */
export function parseCtm(text: string, file: string): Map<string, CtmSegment[]> {
  const out = new Map<string, CtmSegment[]>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/).filter((x) => x.length > 0);
    if (f.length === 0 || f[0].startsWith(';;')) continue;
    const start = Number(f[2]);
    const duration = Number(f[3]);
    if (f.length < 5 || !Number.isFinite(start) || !Number.isFinite(duration) || duration < 0) {
      throw new InputError(`${file} line ${i + 1}: expected 'uttid channel start duration phone', got '${lines[i].trim()}'`);
    }
    if (duration === 0) continue;
    let segs = out.get(f[0]);
    if (!segs) out.set(f[0], (segs = []));
    segs.push({ start, duration, label: f[4] });
  }
  for (const segs of out.values()) segs.sort((a, b) => a.start - b.start);
  return out;
}

/** Read a CTM file. */
export async function readCtm(file: string): Promise<Map<string, CtmSegment[]>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError(`${file}: reference CTM not found (the digits corpus writes phones.ctm beside text)`);
  }
  return parseCtm(text, file);
}

/** Canonical phone label: upper case, stress digits removed, silence spellings -> `silence`. */
export function normalizePhone(label: string, silence: string): string {
  const l = label.toUpperCase().replace(/[012]$/, '');
  return l === '' || l === 'SIL' || l === 'SP' || l === '<SIL>' || l === 'SILENCE' || l === '<EPS>' ? silence : l;
}

/** Per boundary type (`left>right` reference phones): counts and our signed errors (ours - reference, ms). */
export interface BoundaryTypeCounts {
  total: number;
  matched: number;
  within: number;
  errorsMs: number[];
}

export interface AccuracyCounts {
  /** When present, filled per boundary type (the diagnostic behind `ali-accuracy --by-type`). */
  byType?: Map<string, BoundaryTypeCounts>;
  utterances: number;
  boundaries: number;
  /** Reference boundaries whose neighbouring phones were matched in our alignment. */
  matched: number;
  within: number;
  sumAbsErrorMs: number;
  frames: number;
  agree: number;
}

/** Edit-distance alignment of two label sequences: pairs (i, j) of positions with equal labels on the best path. */
export function matchLabels(ref: string[], hyp: string[]): [number, number][] {
  const n = ref.length;
  const m = hyp.length;
  const d = Array.from({ length: n + 1 }, (_, i) => Int32Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= n; i++) for (let j = 1; j <= m; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
  const pairs: [number, number][] = [];
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === hyp[j - 1] && d[i][j] === d[i - 1][j - 1]) {
      pairs.push([i - 1, j - 1]);
      i--;
      j--;
    } else if (d[i][j] === d[i - 1][j - 1] + 1) {
      i--;
      j--;
    } else if (d[i][j] === d[i - 1][j] + 1) i--;
    else j--;
  }
  return pairs.reverse();
}

/**
 * Compare one utterance's phone segments (frames) with reference segments (seconds). Labels must
 * already be normalised. Adds to `acc`.
 */
export function accumulateAccuracy(
  acc: AccuracyCounts,
  ref: CtmSegment[],
  hypSegs: PhoneSegment[],
  hypLabels: string[],
  opts: { frameShiftMs: number; frameLengthMs: number; toleranceMs: number },
): void {
  const shift = opts.frameShiftMs / 1000;
  const boundaryOffset = (opts.frameLengthMs - opts.frameShiftMs) / 2000;
  const centre = opts.frameLengthMs / 2000;
  acc.utterances++;
  // Frame agreement: reference label at each frame's centre.
  let k = 0;
  for (const [si, s] of hypSegs.entries()) {
    for (let t = s.startFrame; t < s.startFrame + s.numFrames; t++) {
      const time = t * shift + centre;
      while (k < ref.length - 1 && time >= ref[k].start + ref[k].duration) k++;
      if (time < ref[0].start || time >= ref[ref.length - 1].start + ref[ref.length - 1].duration) continue;
      acc.frames++;
      if (ref[k].label === hypLabels[si]) acc.agree++;
    }
  }
  // Boundaries: between consecutive reference phones both matched to consecutive hypothesis phones.
  const pairs = matchLabels(ref.map((r) => r.label), hypLabels);
  const hypOf = new Int32Array(ref.length).fill(-1);
  for (const [i, j] of pairs) hypOf[i] = j;
  for (let i = 1; i < ref.length; i++) {
    acc.boundaries++;
    let bt: BoundaryTypeCounts | undefined;
    if (acc.byType) {
      const key = `${ref[i - 1].label}>${ref[i].label}`;
      bt = acc.byType.get(key);
      if (!bt) acc.byType.set(key, (bt = { total: 0, matched: 0, within: 0, errorsMs: [] }));
      bt.total++;
    }
    const j = hypOf[i];
    if (j < 1 || hypOf[i - 1] !== j - 1) continue;
    acc.matched++;
    const signedMs = (hypSegs[j].startFrame * shift + boundaryOffset - ref[i].start) * 1000;
    const errMs = Math.abs(signedMs);
    acc.sumAbsErrorMs += errMs;
    const within = errMs <= opts.toleranceMs + 1e-9;
    if (within) acc.within++;
    if (bt) {
      bt.matched++;
      if (within) bt.within++;
      bt.errorsMs.push(signedMs);
    }
  }
}

export interface AccuracyReport {
  utterances: number;
  /** Aligned utterances without a reference, and referenced ones that were not aligned. */
  noReference: number;
  notAligned: number;
  toleranceMs: number;
  boundaries: { total: number; matched: number; within: number; share: number; meanAbsErrorMs: number };
  frames: { total: number; agree: number; share: number };
  /**
   * With `byType`: every boundary type, most boundaries outside the tolerance first, with the median
   * signed error (ours - reference; negative = we put the boundary earlier). A large median with a
   * small spread is a convention difference, not noise.
   */
  boundaryTypes?: { type: string; total: number; matched: number; within: number; medianErrorMs: number }[];
}

function median(v: number[]): number {
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Turn counts into the report printed by `ali-accuracy`. */
export function accuracyReport(acc: AccuracyCounts, noReference: number, notAligned: number, toleranceMs: number): AccuracyReport {
  const types = acc.byType
    ? [...acc.byType.entries()]
        .map(([type, c]) => ({ type, total: c.total, matched: c.matched, within: c.within, medianErrorMs: median(c.errorsMs) }))
        .sort((a, b) => b.total - b.within - (a.total - a.within) || compareCLocale(a.type, b.type))
    : undefined;
  return {
    ...(types ? { boundaryTypes: types } : {}),
    utterances: acc.utterances,
    noReference,
    notAligned,
    toleranceMs,
    boundaries: {
      total: acc.boundaries,
      matched: acc.matched,
      within: acc.within,
      share: acc.boundaries > 0 ? acc.within / acc.boundaries : 0,
      meanAbsErrorMs: acc.matched > 0 ? acc.sumAbsErrorMs / acc.matched : 0,
    },
    frames: { total: acc.frames, agree: acc.agree, share: acc.frames > 0 ? acc.agree / acc.frames : 0 },
  };
}

/** Human-readable lines of an AccuracyReport; with `topTypes`, that many boundary types (worst first). */
export function formatAccuracyReport(r: AccuracyReport, topTypes = 0): string {
  const pct = (x: number) => (100 * x).toFixed(2) + '%';
  const types = (r.boundaryTypes ?? []).slice(0, topTypes).map(
    (t) =>
      `  ${t.type.padEnd(9)} ${String(t.within).padStart(5)} / ${String(t.total).padStart(5)} within (${String(t.total - t.matched).padStart(4)} unmatched), ` +
      `median error ${Number.isNaN(t.medianErrorMs) ? '-' : t.medianErrorMs.toFixed(1) + ' ms'}\n`,
  );
  return (
    `ali-accuracy: ${r.utterances} utterances compared (${r.noReference} without reference, ${r.notAligned} not aligned)\n` +
    `boundaries within ${r.toleranceMs} ms: ${pct(r.boundaries.share)} (${r.boundaries.within} / ${r.boundaries.total}; ${r.boundaries.matched} matched, mean |error| ${r.boundaries.meanAbsErrorMs.toFixed(1)} ms)\n` +
    `frame phone agreement: ${pct(r.frames.share)} (${r.frames.agree} / ${r.frames.total})\n` +
    (types.length > 0 ? `boundary types with the most misses (ours - reference):\n${types.join('')}` : '')
  );
}

/**
 * `asr-distill ali-accuracy ALI_DIR REF.ctm`: compare every aligned utterance with the reference.
 */
export async function aliAccuracy(aliDir: string, refCtm: string, opts: { toleranceMs?: number; frameLengthMs?: number; byType?: boolean } = {}): Promise<AccuracyReport> {
  const { info, alis, transitionModel, lang } = await readAlignments(aliDir);
  const refs = await readCtm(refCtm);
  const sil = lang.optionalSilence;
  const toleranceMs = opts.toleranceMs ?? 20;
  const acc: AccuracyCounts = { utterances: 0, boundaries: 0, matched: 0, within: 0, sumAbsErrorMs: 0, frames: 0, agree: 0 };
  if (opts.byType) acc.byType = new Map();
  let noReference = 0;
  for (const a of alis.values()) {
    const ref = refs.get(a.uttId);
    if (!ref || ref.length === 0) {
      noReference++;
      continue;
    }
    const segs = phoneSegments(a, transitionModel);
    accumulateAccuracy(
      acc,
      ref.map((r) => ({ ...r, label: normalizePhone(r.label, sil) })),
      segs,
      segs.map((s) => normalizePhone(lang.phones[s.phoneId], sil)),
      { frameShiftMs: info.frameShiftMs, frameLengthMs: opts.frameLengthMs ?? 25, toleranceMs },
    );
  }
  let notAligned = 0;
  for (const u of refs.keys()) if (!alis.has(u)) notAligned++;
  if (acc.utterances === 0) throw new InputError(`${refCtm}: none of the ${alis.size} aligned utterances of ${aliDir} has reference timings; is it the CTM of the same data?`);
  return accuracyReport(acc, noReference, notAligned, toleranceMs);
}
