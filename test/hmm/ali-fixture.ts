// Synthetic alignments for the alignment-directory tests (combine-ali, split-ali).
import type { UttAlignment } from '../../src/hmm/ali-archive.js';
import type { TransitionModel } from '../../src/hmm/transition-model.js';

/** An alignment of `n` frames of phone `phone`, walking through its HMM states in order. */
export function walk(tm: TransitionModel, uttId: string, phone: number, n: number): UttAlignment {
  const states = tm.phones[phone]!.states;
  const pdfIds = Int32Array.from({ length: n }, (_, t) => states[Math.min(states.length - 1, Math.floor((t * states.length) / n))].pdfId);
  return { uttId, pdfIds, phoneIds: new Int32Array(n).fill(phone) };
}

