// Flat-start alignment (Kaldi align-equal-compiled): one path through the utterance's phones with
// the frames shared out equally among its HMM states, so the first GMM estimates see every state.
import type { PhoneSlot } from './align-graph.js';
import type { TransitionModel } from './transition-model.js';
import type { TransitionIndex } from './transitions.js';

/**
 * The phone sequence used for the flat start: the first pronunciation of every word, the optional
 * silence only at the two edges (the synthesised and most read speech starts and ends in silence;
 * between words there may be none).
 */
export function flatStartPhones(slots: PhoneSlot[]): number[] {
  const out: number[] = [];
  slots.forEach((slot, k) => {
    const optional = slot.skipLogProb !== undefined;
    if (optional && k !== 0 && k !== slots.length - 1) return;
    out.push(...slot.alternatives[0]);
  });
  return out;
}

/**
 * Transition ids for `numFrames` frames spread equally over the states of `phones` (each phone's
 * states visited 0, 1, ..., n-1 via its forward arcs). Null when there are fewer frames than states.
 */
export function equalAlignment(phones: number[], tm: TransitionModel, idx: TransitionIndex, numFrames: number): Int32Array | null {
  // (phone, state, self-loop tid, forward tid) for every state on the path.
  const path: { selfTid: number; nextTid: number }[] = [];
  // A flat start has no context to choose a tied state with; context-dependent models start from an alignment (train-tri).
  if (tm.tree) throw new Error('equal alignment needs a monophone model');
  for (const ph of phones) {
    const hmm = tm.phones[ph];
    if (!hmm) throw new Error(`equal alignment: phone id ${ph} has no HMM`);
    hmm.states.forEach((s, si) => {
      const self = s.arcs.findIndex((a) => a.to === si);
      const next = s.arcs.findIndex((a) => a.to === si + 1);
      if (next < 0) throw new Error(`equal alignment: phone ${hmm.phone} state ${si} has no arc to state ${si + 1}`);
      path.push({ selfTid: self >= 0 ? idx.tidOf[ph][si][self] : -1, nextTid: idx.tidOf[ph][si][next] });
    });
  }
  const n = path.length;
  if (numFrames < n || n === 0) return null;
  const tids = new Int32Array(numFrames);
  for (let k = 0; k < n; k++) {
    const start = Math.floor((k * numFrames) / n);
    const end = Math.floor(((k + 1) * numFrames) / n);
    if (end - start > 1 && path[k].selfTid < 0) throw new Error('equal alignment: a state without a self-loop cannot take several frames');
    for (let t = start; t < end - 1; t++) tids[t] = path[k].selfTid;
    tids[end - 1] = path[k].nextTid;
  }
  return tids;
}
