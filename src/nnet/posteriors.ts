// Posteriors as row-major `frames x numPdfs` Float32Arrays: softmax at a temperature, the ensemble's
// combination rules, mean centred logits, the best pdf of a row. Pure arithmetic with no imports, so
// the browser bundle may use it too.

/** How member posteriors are combined: mean of probabilities, or normalised mean of log-probabilities. */
export type CombineRule = 'arithmetic' | 'geometric';

/**
 * softmax(z / T) of each row of a row-major `rows x numPdfs` matrix (max-subtracted; float64 sums):
 * the one softmax of the library (teacher soft targets at T, the geometric ensemble, tests'
 * references).
 *
 * @example softmaxRows(Float32Array.of(0, Math.log(3)), 2) // [0.25, 0.75]
 */
export function softmaxRows(z: ArrayLike<number>, numPdfs: number, temperature = 1): Float32Array {
  const out = new Float32Array(z.length);
  for (let r = 0; r < z.length; r += numPdfs) {
    let max = -Infinity;
    for (let j = 0; j < numPdfs; j++) max = Math.max(max, z[r + j]);
    let sum = 0;
    for (let j = 0; j < numPdfs; j++) sum += Math.exp((z[r + j] - max) / temperature);
    for (let j = 0; j < numPdfs; j++) out[r + j] = Math.exp((z[r + j] - max) / temperature) / sum;
  }
  return out;
}

/**
 * Combine per-member posteriors (each `numFrames x numPdfs`, rows summing to 1).
 * arithmetic: mean_m p_m (the paper's ensemble); geometric: exp(mean_m log p_m), renormalised per
 * frame (a product of experts; equals softmax of the mean logits).
 */
export function combinePosteriors(members: Float32Array[], numPdfs: number, rule: CombineRule): Float32Array {
  if (members.length === 0) throw new Error('combinePosteriors: no members');
  const n = members[0].length;
  const inv = 1 / members.length;
  if (rule === 'arithmetic') {
    const out = new Float32Array(n);
    for (const m of members) for (let i = 0; i < n; i++) out[i] += m[i] * inv;
    return out;
  }
  const logMean = new Float64Array(n);
  for (const m of members) for (let i = 0; i < n; i++) logMean[i] += Math.log(Math.max(m[i], 1e-30)) * inv;
  return softmaxRows(logMean, numPdfs);
}

/**
 * Mean over members of their logits, each first centred per frame (softmax ignores a per-frame
 * shift, and Hinton et al. 2015 sec. 2.1 assume zero-mean logits for logit matching).
 */
export function meanCentredLogits(members: Float32Array[], numPdfs: number): Float32Array {
  const n = members[0].length;
  const out = new Float32Array(n);
  const inv = 1 / members.length;
  for (const m of members) {
    for (let r = 0; r < n; r += numPdfs) {
      let mean = 0;
      for (let j = 0; j < numPdfs; j++) mean += m[r + j];
      mean /= numPdfs;
      for (let j = 0; j < numPdfs; j++) out[r + j] += (m[r + j] - mean) * inv;
    }
  }
  return out;
}

/** Index of the largest entry of row `i` of a row-major (rows x numPdfs) matrix; the first on ties. */
export function rowArgmax(m: Float32Array, i: number, numPdfs: number): number {
  let best = 0;
  for (let j = 1; j < numPdfs; j++) if (m[i * numPdfs + j] > m[i * numPdfs + best]) best = j;
  return best;
}
