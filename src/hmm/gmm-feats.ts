// Features for the GMM, computed on the fly from the stored fbank archive (Kaldi's train_mono.sh
// feature pipeline: apply-cmvn --norm-vars=false | add-deltas): MFCCs as the DCT of the log-mel
// energies with cepstral liftering (Kaldi MfccComputer), per-speaker cepstral mean normalisation,
// then deltas and delta-deltas. The GMMs need decorrelated features because their covariances are
// diagonal; the DCT is what decorrelates the fbank channels.
import { InputError } from '../errors.js';
import { applyCmvn, type CmvnStats } from '../features/cmvn.js';
import type { FeatureConfig } from '../features/config.js';
import { addDeltas } from '../features/deltas.js';
import type { UttFeats } from '../store/feats-archive.js';

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
 * The orthonormal DCT-II matrix (numCeps x numBins, row-major), Kaldi ComputeDctMatrix: row 0 is
 * sqrt(1/N), row k is sqrt(2/N) cos(pi k (n + 0.5) / N).
 */
export function dctMatrix(numCeps: number, numBins: number): Float64Array {
  const m = new Float64Array(numCeps * numBins);
  for (let k = 0; k < numCeps; k++) {
    const norm = k === 0 ? Math.sqrt(1 / numBins) : Math.sqrt(2 / numBins);
    for (let n = 0; n < numBins; n++) m[k * numBins + n] = norm * Math.cos((Math.PI * k * (n + 0.5)) / numBins);
  }
  return m;
}

/** Cepstral lifter weights 1 + Q/2 sin(pi k / Q) (Kaldi ComputeLifterCoeffs); all ones for Q = 0. */
export function lifterCoeffs(numCeps: number, q: number): Float64Array {
  const c = new Float64Array(numCeps).fill(1);
  if (q !== 0) for (let k = 0; k < numCeps; k++) c[k] = 1 + 0.5 * q * Math.sin((Math.PI * k) / q);
  return c;
}

/**
 * MFCCs from log-mel rows [numFrames x dim]: DCT of the mel columns, liftered; when `energyColumn`
 * >= 0 that column is excluded from the DCT and replaces C0 (Kaldi use-energy).
 */
export function fbankToMfcc(data: Float32Array, numFrames: number, dim: number, numCeps: number, lifter: number, energyColumn = -1): Float32Array {
  const mel: number[] = [];
  for (let d = 0; d < dim; d++) if (d !== energyColumn) mel.push(d);
  const nb = mel.length;
  const nc = Math.min(numCeps, nb);
  const dct = dctMatrix(nc, nb);
  const lift = lifterCoeffs(nc, lifter);
  const out = new Float32Array(numFrames * nc);
  for (let t = 0; t < numFrames; t++) {
    const row = t * dim;
    for (let k = 0; k < nc; k++) {
      let s = 0;
      for (let n = 0; n < nb; n++) s += dct[k * nb + n] * data[row + mel[n]];
      out[t * nc + k] = s * lift[k];
    }
    if (energyColumn >= 0) out[t * nc] = data[row + energyColumn];
  }
  return out;
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
