// MFCCs from log-mel filterbank features (Kaldi MfccComputer, feature-mfcc.cc): the orthonormal
// DCT of the log-mel energies, then cepstral liftering: what compute-mfcc-feats does after its mel
// filterbank. The GMM stages compute them on the fly from the stored fbank archive (hmm/gmm-feats.ts).

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
