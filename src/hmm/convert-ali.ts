// Frame labels (pdf and phone per frame) -> transition ids of a model, possibly another one with
// the same phones and topology (Kaldi convert-ali): the HMM state of each frame comes from its pdf
// under the model that made the alignment; the target model's tree picks the tied pdf from the
// phone instance's real neighbours (cross-word, silence included, 0 at the utterance edges).
import type { UttAlignment } from './ali-archive.js';
import { treePdf } from './decision-tree.js';
import type { TransitionModel } from './transition-model.js';
import type { TransitionIndex } from './transitions.js';
import { instanceContexts } from './triphone-stats.js';

/**
 * Transition ids under `to` (indexed by `idx`) for an alignment made with `from`: each frame leaves
 * by its state's self-loop, the arc to the next frame's state, or the exit arc at the end of its
 * phone instance. Null when `to` lacks such an arc (the topologies differ).
 *
 * @example convertAlignment(monoAli, monoTm, triTm, buildTransitionIndex(triTm)) // first tids of train-tri
 */
export function convertAlignment(ali: UttAlignment, from: TransitionModel, to: TransitionModel, idx: TransitionIndex): Int32Array | null {
  const out = new Int32Array(ali.pdfIds.length);
  for (const c of instanceContexts(ali, from, new Set())) {
    const hmm = to.phones[c.phone];
    if (!hmm) return null;
    const end = c.startFrame + c.numFrames;
    for (let t = c.startFrame; t < end; t++) {
      const s = from.pdfToState[ali.pdfIds[t]][1];
      const next = t + 1 < end ? from.pdfToState[ali.pdfIds[t + 1]][1] : hmm.states.length;
      const ai = hmm.states[s]?.arcs.findIndex((a) => a.to === next) ?? -1;
      if (ai < 0) return null;
      const pdf = to.tree ? treePdf(to.tree, c.left, c.phone, c.right, s) : hmm.states[s].pdfId;
      out[t] = idx.pdfTidBase[pdf] + ai;
    }
  }
  return out;
}
