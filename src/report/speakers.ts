// Table 1 broken down by test speaker, as sclite's per-speaker summary (.sys) breaks a WER down:
// with few test speakers one hard voice can carry most of the word errors, and the ensemble's
// gain (and how much of it the student keeps) differs from voice to voice.
import { InputError } from '../errors.js';
import type { WerCounts } from './table1.js';

/** The three systems compared in Table 1. */
export const SYSTEMS = ['baseline', 'ensemble', 'student'] as const;
export type SystemKey = (typeof SYSTEMS)[number];

/** Per-utterance frame counts of the three systems on the same test utterances (eval-frames JSON). */
export interface UttFrameCounts {
  uttIds: string[];
  numFrames: ArrayLike<number>;
  correct: Record<SystemKey, ArrayLike<number>>;
}

/** One utterance's word errors, as `wer --json` writes them in `utts`. */
export interface UttWer {
  uttId: string;
  numWords: number;
  sub: number;
  ins: number;
  del: number;
}

/** One speaker's row. */
export interface SpeakerRow {
  speaker: string;
  numUtts: number;
  numFrames: number;
  frameAccuracy: Record<SystemKey, number>;
  /** (student - baseline) / (ensemble - baseline) on this speaker; undefined when the ensemble does not gain. */
  recoveredFraction?: number;
  /** Word error counts per system, when every system was decoded. */
  wer?: Record<SystemKey, WerCounts>;
}

/**
 * Frame accuracy (and WER) of baseline, ensemble and student per speaker, speakers in order of
 * first appearance. `speakerOf` maps an utterance to its speaker (the features archive's speaker
 * ids); an utterance it does not know is an error naming it.
 *
 * @example speakerBreakdown(id => id.split('-')[0], counts) // [{ speaker: 'test01', ... }, ...]
 */
export function speakerBreakdown(speakerOf: (uttId: string) => string | undefined, frames: UttFrameCounts, wers?: Record<SystemKey, UttWer[]>): SpeakerRow[] {
  const rows = new Map<string, { numUtts: number; numFrames: number; correct: Record<SystemKey, number>; wer: Record<SystemKey, WerCounts> }>();
  const zeroWer = (): WerCounts => ({ errors: 0, words: 0, ins: 0, del: 0, sub: 0 });
  const speakerOfUtt = (uttId: string): string => {
    const spk = speakerOf(uttId);
    if (spk === undefined) throw new InputError(`test utterance ${uttId} has no speaker in the test features; re-run the features stage on the test data`);
    return spk;
  };
  const rowOf = (spk: string) => {
    let r = rows.get(spk);
    if (!r) {
      r = { numUtts: 0, numFrames: 0, correct: { baseline: 0, ensemble: 0, student: 0 }, wer: { baseline: zeroWer(), ensemble: zeroWer(), student: zeroWer() } };
      rows.set(spk, r);
    }
    return r;
  };
  frames.uttIds.forEach((uttId, i) => {
    const r = rowOf(speakerOfUtt(uttId));
    r.numUtts++;
    r.numFrames += frames.numFrames[i];
    for (const s of SYSTEMS) r.correct[s] += frames.correct[s][i];
  });
  if (wers) {
    for (const s of SYSTEMS) {
      for (const u of wers[s]) {
        const w = rowOf(speakerOfUtt(u.uttId)).wer[s];
        w.words += u.numWords;
        w.sub += u.sub;
        w.ins += u.ins;
        w.del += u.del;
        w.errors += u.sub + u.ins + u.del;
      }
    }
  }
  return [...rows].map(([speaker, r]) => {
    const acc = (s: SystemKey) => (r.numFrames > 0 ? r.correct[s] / r.numFrames : NaN);
    const frameAccuracy = { baseline: acc('baseline'), ensemble: acc('ensemble'), student: acc('student') };
    const gain = r.correct.ensemble - r.correct.baseline;
    return {
      speaker,
      numUtts: r.numUtts,
      numFrames: r.numFrames,
      frameAccuracy,
      ...(gain > 0 ? { recoveredFraction: (r.correct.student - r.correct.baseline) / gain } : {}),
      ...(wers ? { wer: r.wer } : {}),
    };
  });
}
