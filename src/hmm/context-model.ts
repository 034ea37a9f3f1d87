// The context-dependent model made from a monophone one and a decision tree (Kaldi
// gmm-init-model): same phones, topology and transition probabilities, each HMM state's pdf
// replaced by the tied pdfs of its tree, and one single-Gaussian GMM per tied pdf from the tree's
// pooled statistics.
import type { ContextTree } from './decision-tree.js';
import { nodePdfs } from './decision-tree.js';
import type { GmmSet } from './gmm.js';
import { pdfMap, validateTransitionModel, type TransitionModel } from './transition-model.js';
import type { GaussStats } from './triphone-stats.js';

/** `mono` with its states' pdfs replaced by the leaves of `tree` (validated). */
export function buildContextTransitionModel(mono: TransitionModel, tree: ContextTree): TransitionModel {
  const phones = mono.phones.map((p) => {
    if (!p) return null;
    return {
      ...p,
      states: p.states.map((s, si) => {
        const root = tree.roots[p.phoneId]?.[si];
        if (!root) throw new Error(`context model: the tree has no root for phone ${p.phone} state ${si}`);
        const pdfIds = nodePdfs(root);
        return { pdfId: pdfIds[0], pdfIds, arcs: s.arcs.map((a) => ({ ...a })) };
      }),
    };
  });
  const tm: TransitionModel = { phones, numPdfs: tree.numPdfs, pdfToState: pdfMap(phones), tree };
  validateTransitionModel(tm, 'context model');
  return tm;
}

/**
 * One Gaussian per pdf from pooled statistics: mean = sum / count, variance = sumSq / count -
 * mean^2, floored at `varFloor`; a pdf without data gets `fallback` (the global statistics).
 */
export function gmmsFromStats(stats: GaussStats[], varFloor: Float64Array, fallback: { mean: Float64Array; variance: Float64Array }): GmmSet {
  const dim = varFloor.length;
  const n = stats.length;
  const means = new Float64Array(n * dim);
  const vars = new Float64Array(n * dim);
  stats.forEach((s, p) => {
    for (let d = 0; d < dim; d++) {
      const m = s.count > 0 ? s.sum[d] / s.count : fallback.mean[d];
      means[p * dim + d] = m;
      vars[p * dim + d] = Math.max(s.count > 0 ? s.sumSq[d] / s.count - m * m : fallback.variance[d], varFloor[d]);
    }
  });
  return { dim, numPdfs: n, compOffset: Int32Array.from({ length: n + 1 }, (_, i) => i), weights: new Float64Array(n).fill(1), means, vars };
}
