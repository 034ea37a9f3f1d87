// Transition ids: one per (phone, HMM state, arc) of a transition model, so an alignment can
// record which arc each frame left by (Kaldi transition-ids, transition-model.h), plus the ML
// re-estimation of the arc probabilities from counts (Kaldi TransitionModel::MleUpdate).
import type { TransitionModel } from './transition-model.js';

/** Flat tables over all transition ids (0-based here; Kaldi's start at 1). */
export interface TransitionIndex {
  numTids: number;
  /** tidOf[phoneId][state][arcIndex] (empty for phones without an HMM). */
  tidOf: number[][][];
  tidPhone: Int32Array;
  tidState: Int32Array;
  tidArc: Int32Array;
  tidPdf: Int32Array;
  /** Destination state within the phone; equal to the phone's number of states for the exit arc. */
  tidTo: Int32Array;
}

/** Number the arcs of every phone HMM in phone-id, state, arc order. */
export function buildTransitionIndex(tm: TransitionModel): TransitionIndex {
  const phone: number[] = [];
  const state: number[] = [];
  const arc: number[] = [];
  const pdf: number[] = [];
  const to: number[] = [];
  const tidOf: number[][][] = tm.phones.map((p) =>
    p
      ? p.states.map((s, si) =>
          s.arcs.map((a, ai) => {
            phone.push(p.phoneId);
            state.push(si);
            arc.push(ai);
            pdf.push(s.pdfId);
            to.push(a.to);
            return phone.length - 1;
          }),
        )
      : [],
  );
  return {
    numTids: phone.length,
    tidOf,
    tidPhone: Int32Array.from(phone),
    tidState: Int32Array.from(state),
    tidArc: Int32Array.from(arc),
    tidPdf: Int32Array.from(pdf),
    tidTo: Int32Array.from(to),
  };
}

/** Count each transition id in a frame-level transition-id sequence into `counts`. */
export function countTransitions(tids: Int32Array, counts: Float64Array): void {
  for (let t = 0; t < tids.length; t++) counts[tids[t]]++;
}

export interface TransitionUpdateOptions {
  /** States seen fewer times keep their probabilities (Kaldi --transition-min-count 5). */
  minCount?: number;
  /** Probability floor before renormalising (Kaldi --transition-floor 0.01). */
  floor?: number;
}

/**
 * ML update of the arc probabilities from transition-id counts: for each HMM state seen at least
 * `minCount` times, p(arc) = count(arc) / count(state), floored and renormalised. Returns a new model.
 */
export function estimateTransitions(tm: TransitionModel, idx: TransitionIndex, counts: Float64Array, opts: TransitionUpdateOptions = {}): TransitionModel {
  const minCount = opts.minCount ?? 5;
  const floor = opts.floor ?? 0.01;
  const phones = tm.phones.map((p) => {
    if (!p) return null;
    return {
      ...p,
      states: p.states.map((s, si) => {
        const tids = idx.tidOf[p.phoneId][si];
        let total = 0;
        for (const t of tids) total += counts[t];
        if (total < minCount) return { ...s, arcs: s.arcs.map((a) => ({ ...a })) };
        const probs = tids.map((t) => Math.max(counts[t] / total, floor));
        const z = probs.reduce((x, y) => x + y, 0);
        return { ...s, arcs: s.arcs.map((a, ai) => ({ to: a.to, logProb: Math.log(probs[ai] / z) })) };
      }),
    };
  });
  return { phones, numPdfs: tm.numPdfs, pdfToState: tm.pdfToState.map((x) => [x[0], x[1]] as [number, number]) };
}
