// Features for the GMM, computed on the fly from the stored fbank archive (Kaldi's train_mono.sh
// feature pipeline: apply-cmvn --norm-vars=false | add-deltas): MFCCs as the DCT of the log-mel
// energies with cepstral liftering (Kaldi MfccComputer), per-speaker cepstral mean normalisation,
// then deltas and delta-deltas. The GMMs need decorrelated features because their covariances are
// diagonal; the DCT is what decorrelates the fbank channels.
import { InputError } from '../errors.js';
import { applyCmvn, type CmvnStats } from '../features/cmvn.js';
import type { FeatureConfig } from '../features/config.js';
import { addDeltas } from '../features/deltas.js';
import { fbankToMfcc } from '../features/mfcc.js';
import type { UttFeats } from '../store/feats-archive.js';

// The MFCC steps live with the other feature code; re-exported for the GMM code that names them here.
export { dctMatrix, fbankToMfcc, lifterCoeffs } from '../features/mfcc.js';

/** How GMM features are derived from the stored features (saved in MODEL_DIR/model.json). */
export interface GmmFeatureTransform {
  /** `mfcc`: DCT of the log-mel channels (energy, if stored, replaces C0); `fbank`: the stored features as they are. */
  type: 'mfcc' | 'fbank';
  /** Cepstra kept (Kaldi --num-ceps 13). */
  numCeps: number;
  /** Liftering coefficient Q (Kaldi --cepstral-lifter 22); 0 = none. */
  cepstralLifter: number;
  /** Delta order and window (Kaldi add-deltas --delta-order 2 --delta-window 2). */
  deltaOrder: number;
  deltaWindow: number;
  /** Mean normalisation per speaker (Kaldi apply-cmvn --utt2spk, --norm-vars=false). */
  cmvn: { per: 'speaker' | 'utterance'; normVars: boolean };
  /** Column of the stored features holding log energy (-1 = none), from the feature config. */
  energyColumn: number;
}

/** The default transform: 13 MFCCs + deltas + delta-deltas = 39 dims, per-speaker CMN. */
export function defaultGmmFeatureTransform(config?: FeatureConfig, dim?: number): GmmFeatureTransform {
  let energyColumn = -1;
  if (config && config.type === 'fbank' && config.useEnergy && dim !== undefined) energyColumn = config.htkCompat ? dim - 1 : 0;
  return { type: 'mfcc', numCeps: 13, cepstralLifter: 22, deltaOrder: 2, deltaWindow: 2, cmvn: { per: 'speaker', normVars: false }, energyColumn };
}

/** Output dimension for input dimension `dim`. */
export function gmmFeatureDim(tr: GmmFeatureTransform, dim: number): number {
  const base = tr.type === 'mfcc' ? Math.min(tr.numCeps, dim - (tr.energyColumn >= 0 ? 1 : 0)) : dim;
  return base * (tr.deltaOrder + 1);
}

/**
 * GMM features of one utterance: CMN with `cmvn` (applied to the stored features; the DCT is
 * linear, so mean normalisation commutes with it), MFCC, deltas.
 */
export function gmmFeatures(utt: UttFeats, cmvn: CmvnStats, tr: GmmFeatureTransform): Float32Array {
  const normed = applyCmvn(utt, cmvn, { normVars: tr.cmvn.normVars });
  const base = tr.type === 'mfcc' ? fbankToMfcc(normed, utt.numFrames, utt.dim, tr.numCeps, tr.cepstralLifter, tr.energyColumn) : normed;
  const baseDim = tr.type === 'mfcc' ? Math.min(tr.numCeps, utt.dim - (tr.energyColumn >= 0 ? 1 : 0)) : utt.dim;
  if (tr.deltaOrder === 0) return base;
  return addDeltas(base, utt.numFrames, baseDim, { order: tr.deltaOrder, window: tr.deltaWindow });
}

/** Check that a CMVN table matches the transform's `per`; InputError naming `what` otherwise. */
export function checkCmvn(cmvn: CmvnStats, tr: GmmFeatureTransform, what: string): void {
  if (cmvn.per !== tr.cmvn.per) {
    throw new InputError(`${what}: CMVN statistics are per ${cmvn.per} but the GMM features need them per ${tr.cmvn.per}; run \`asr-distill compute-cmvn FEATS_DIR --per ${tr.cmvn.per}\``);
  }
}
