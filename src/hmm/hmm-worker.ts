// Job functions run by the job runner (src/jobs/runner.ts) over shards of utterances: align
// (equal, Viterbi, or keep the given alignment) and accumulate GMM and transition statistics
// (Kaldi gmm-align-compiled | gmm-acc-stats-ali, one JOB per shard). Features and alignments live in
// SharedArrayBuffers, so a job receives them without copying, or for a corpus over the memory
// budget in scratch files the job reads and writes utterance by utterance (corpus-rows.ts: a job
// holds one utterance, as a Kaldi job reads its own split); each job writes only its own
// utterances' frames of the alignment and returns summable statistics.
import type { JobContext } from '../jobs/runner.js';
import { closeRows, openRows, readFloatRows, readIntRows, writeIntRows, type RowsFile } from './corpus-rows.js';
import { buildAlignGraph, type AlignGraphOptions, type PhoneSlot } from './align-graph.js';
import { refineTransitionIds, type BoundaryRefineOptions } from './boundary-refine.js';
import { equalAlignment, flatStartPhones } from './equal-align.js';
import { accumulateFrame, makeScorer, maxComponents, newGmmStats, pdfLogLikelihood, type GmmSet, type GmmStats } from './gmm.js';
import type { TransitionModel } from './transition-model.js';
import { buildTransitionIndex } from './transitions.js';
import { gmmFrameScorer, viterbiWithRetry } from './viterbi.js';

/** One utterance of a shard: its frames are rows `offset .. offset+numFrames` of the shared features. */
export interface ShardUtt {
  uttId: string;
  offset: number;
  numFrames: number;
  slots: PhoneSlot[];
}

export interface ShardInput {
  gmm: GmmSet;
  tm: TransitionModel;
  /** Shared features [totalFrames x dim] and shared transition-id alignment [totalFrames] (empty when in files). */
  feats: Float32Array;
  dim: number;
  tids: Int32Array;
  /** The features in a scratch file instead of `feats` (a spilled corpus, gmm-corpus.ts). */
  featsFile?: string;
  /** The alignment in a scratch file of int32 instead of `tids`. */
  tidsFile?: string;
  /** Digests of the scratch files' contents (not read here: they make the job's spec hash cover what it reads; the alignment's only on a runner that reuses jobs; shard-pass.ts). */
  featsSha256?: string;
  tidsSha256?: string;
  utts: ShardUtt[];
  /** `equal`: flat start; `viterbi`: re-align; `fixed`: use `tids` as they are. */
  mode: 'equal' | 'viterbi' | 'fixed';
  accumulate: boolean;
  /** Also count frames whose best-scoring pdf (over all pdfs) is the aligned one. */
  stateAccuracy?: boolean;
  beam?: number;
  retryBeam?: number;
  acousticScale?: number;
  graph?: AlignGraphOptions;
  /** Refine the boundaries of each Viterbi alignment before accumulating (boundary-refine.ts). */
  refine?: BoundaryRefineOptions & { dimWeights: number[] };
}

export interface ShardResult {
  stats?: GmmStats;
  transCounts?: Float64Array;
  failed: { uttId: string; reason: string }[];
  /** Utterances aligned only at the retry beam. */
  retried: string[];
  numFrames: number;
  /** Sum of log p(x | aligned pdf) over aligned frames. */
  totLogLike: number;
  stateCorrect: number;
}

/** Align and/or accumulate one shard (see ShardInput). Reports `{ done }` every few utterances. */
export function processShard(input: ShardInput, ctx?: JobContext): ShardResult {
  const { gmm, tm, feats, dim, tids } = input;
  const idx = buildTransitionIndex(tm);
  const sc = makeScorer(gmm);
  const post = new Float64Array(maxComponents(gmm));
  const stats = input.accumulate ? newGmmStats(gmm) : undefined;
  const transCounts = input.accumulate ? new Float64Array(idx.numTids) : undefined;
  const res: ShardResult = { failed: [], retried: [], numFrames: 0, totLogLike: 0, stateCorrect: 0 };
  const featRows = input.featsFile ? openRows(input.featsFile) : undefined;
  let tidRows: RowsFile | undefined;
  try {
    tidRows = input.tidsFile ? openRows(input.tidsFile, 'r+') : undefined;
    input.utts.forEach((u, k) => processUtt(u, k, featRows ? readFloatRows(featRows, u.offset, u.numFrames, dim) : feats.subarray(u.offset * dim, (u.offset + u.numFrames) * dim)));
  } finally {
    if (featRows) closeRows(featRows);
    if (tidRows) closeRows(tidRows);
  }
  if (stats) res.stats = stats;
  if (transCounts) res.transCounts = transCounts;
  return res;

  function processUtt(u: ShardUtt, k: number, uf: Float32Array): void {
    let ali: Int32Array | null = null;
    if (input.mode === 'equal') {
      ali = equalAlignment(flatStartPhones(u.slots), tm, idx, u.numFrames);
      if (!ali) res.failed.push({ uttId: u.uttId, reason: `too short: ${u.numFrames} frames for ${flatStartPhones(u.slots).length} phones` });
    } else if (input.mode === 'viterbi') {
      const g = buildAlignGraph(u.slots, tm, idx, input.graph);
      if (u.numFrames < g.minFrames) {
        res.failed.push({ uttId: u.uttId, reason: `too short: ${u.numFrames} frames but its phone sequence needs at least ${g.minFrames}` });
      } else {
        const r = viterbiWithRetry(g, gmmFrameScorer(sc, uf), u.numFrames, { beam: input.beam, retryBeam: input.retryBeam, acousticScale: input.acousticScale });
        if (!r) res.failed.push({ uttId: u.uttId, reason: `no path survived the retry beam ${input.retryBeam ?? 40}` });
        else {
          ali = r.path.tids;
          if (input.refine && input.refine.windowFrames > 0) {
            ali = refineTransitionIds(ali, tm, idx, u.uttId, uf, dim, Float64Array.from(input.refine.dimWeights), input.refine);
          }
          if (r.beam !== (input.beam ?? 10)) res.retried.push(u.uttId);
        }
      }
    } else {
      ali = tidRows ? readIntRows(tidRows, u.offset, u.numFrames) : tids.subarray(u.offset, u.offset + u.numFrames);
    }
    if (ali) {
      if (input.mode !== 'fixed') {
        if (tidRows) writeIntRows(tidRows, u.offset, ali);
        else tids.set(ali, u.offset);
      }
      for (let t = 0; t < u.numFrames; t++) {
        const pdf = idx.tidPdf[ali[t]];
        const ll = stats ? accumulateFrame(stats, sc, pdf, uf, t * dim, post) : pdfLogLikelihood(sc, pdf, uf, t * dim, post);
        res.totLogLike += ll;
        if (input.stateAccuracy) {
          let best = -Infinity;
          let arg = -1;
          for (let p = 0; p < gmm.numPdfs; p++) {
            const l = p === pdf ? ll : pdfLogLikelihood(sc, p, uf, t * dim, post);
            if (l > best) {
              best = l;
              arg = p;
            }
          }
          if (arg === pdf) res.stateCorrect++;
        }
      }
      if (transCounts) for (let t = 0; t < u.numFrames; t++) transCounts[ali[t]]++;
      res.numFrames += u.numFrames;
    }
    if (ctx && (k % 10 === 9 || k === input.utts.length - 1)) ctx.report({ done: k + 1 });
  }
}
