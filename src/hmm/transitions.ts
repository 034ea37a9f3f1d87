// Transition ids: one per (phone, HMM state, pdf, arc) of a transition model, so an alignment can
// record which arc each frame left by and which pdf it was in (Kaldi transition-ids over its
// transition states (phone, state, pdf), transition-model.h; a monophone state has one pdf), plus
// the ML re-estimation of the arc probabilities from counts (Kaldi TransitionModel::MleUpdate).
import type { UttAlignment } from './ali-archive.js';
import { statePdfs, type TransitionModel } from './transition-model.js';

/** Flat tables over all transition ids (0-based here; Kaldi's start at 1). */
export interface TransitionIndex {
  numTids: number;
  /** tidOf[phoneId][state][arcIndex] for the state's first pdf (empty for phones without an HMM); monophone models only. */
  tidOf: number[][][];
  /** Transition id of arc 0 of each pdf: pdf `p` leaving by arc `a` of its state is `pdfTidBase[p] + a`. */
  pdfTidBase: Int32Array;
  tidPhone: Int32Array;
  tidState: Int32Array;
  tidArc: Int32Array;
  tidPdf: Int32Array;
  /** Destination state within the phone; equal to the phone's number of states for the exit arc. */
  tidTo: Int32Array;
}

/** Number the arcs of every phone HMM in phone-id, state, pdf, arc order. */
export function buildTransitionIndex(tm: TransitionModel): TransitionIndex {
  const phone: number[] = [];
  const state: number[] = [];
  const arc: number[] = [];
  const pdf: number[] = [];
  const to: number[] = [];
  const pdfTidBase = new Int32Array(tm.numPdfs).fill(-1);
  const tidOf: number[][][] = tm.phones.map((p) =>
    p
      ? p.states.map((s, si) => {
          for (const pd of statePdfs(s)) {
            pdfTidBase[pd] = phone.length;
            s.arcs.forEach((a, ai) => {
              phone.push(p.phoneId);
              state.push(si);
              arc.push(ai);
              pdf.push(pd);
              to.push(a.to);
            });
          }
          return s.arcs.map((_, ai) => pdfTidBase[statePdfs(s)[0]] + ai);
        })
      : [],
  );
  return {
    numTids: phone.length,
    tidOf,
    pdfTidBase,
    tidPhone: Int32Array.from(phone),
    tidState: Int32Array.from(state),
    tidArc: Int32Array.from(arc),
    tidPdf: Int32Array.from(pdf),
    tidTo: Int32Array.from(to),
  };
}

/** An utterance's pdf and phone labels from its transition ids (Kaldi ali-to-pdf, ali-to-phones --per-frame). */
export function uttAlignmentFromTids(uttId: string, tids: Int32Array, idx: Pick<TransitionIndex, 'tidPdf' | 'tidPhone'>): UttAlignment {
  const pdfIds = new Int32Array(tids.length);
  const phoneIds = new Int32Array(tids.length);
  for (let t = 0; t < tids.length; t++) {
    pdfIds[t] = idx.tidPdf[tids[t]];
    phoneIds[t] = idx.tidPhone[tids[t]];
  }
  return { uttId, pdfIds, phoneIds };
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
        // Counts of each arc summed over the state's pdfs (the probabilities are shared by them).
        const arcCounts = s.arcs.map((_, ai) => statePdfs(s).reduce((n, pd) => n + counts[idx.pdfTidBase[pd] + ai], 0));
        const total = arcCounts.reduce((x, y) => x + y, 0);
        if (total < minCount) return { ...s, arcs: s.arcs.map((a) => ({ ...a })) };
        const probs = arcCounts.map((c) => Math.max(c / total, floor));
        const z = probs.reduce((x, y) => x + y, 0);
        return { ...s, arcs: s.arcs.map((a, ai) => ({ to: a.to, logProb: Math.log(probs[ai] / z) })) };
      }),
    };
  });
  return { phones, numPdfs: tm.numPdfs, pdfToState: tm.pdfToState.map((x) => [x[0], x[1]] as [number, number]), ...(tm.tree ? { tree: tm.tree } : {}) };
}
