// Delta and delta-delta features (Kaldi add-deltas, feature-functions.cc DeltaFeatures): each
// order is a regression over +-window frames of the previous order, frames clamped at the edges.

/**
 * Regression filters for orders 0..order (Kaldi DeltaFeatures::DeltaFeatures): order 0 is [1];
 * order i convolves order i-1 with j / sum(j^2), j = -window..window.
 */
export function deltaScales(order: number, window: number): Float64Array[] {
  const scales: Float64Array[] = [Float64Array.of(1)];
  for (let i = 1; i <= order; i++) {
    const prev = scales[i - 1];
    const prevOffset = (prev.length - 1) / 2;
    const curOffset = prevOffset + window;
    const cur = new Float64Array(prev.length + 2 * window);
    let normalizer = 0;
    for (let j = -window; j <= window; j++) {
      normalizer += j * j;
      for (let k = -prevOffset; k <= prevOffset; k++) cur[j + k + curOffset] += j * prev[k + prevOffset];
    }
    for (let k = 0; k < cur.length; k++) cur[k] /= normalizer;
    scales.push(cur);
  }
  return scales;
}

/**
 * Append deltas to a [numFrames x dim] matrix: the result is [numFrames x dim*(order+1)], the
 * static features first (Kaldi add-deltas defaults: order 2, window 2).
 */
export function addDeltas(data: Float32Array, numFrames: number, dim: number, opts: { order?: number; window?: number } = {}): Float32Array {
  const order = opts.order ?? 2;
  const window = opts.window ?? 2;
  if (data.length !== numFrames * dim) throw new RangeError(`addDeltas: ${data.length} values is not ${numFrames} x ${dim}`);
  const scales = deltaScales(order, window);
  const outDim = dim * (order + 1);
  const out = new Float32Array(numFrames * outDim);
  const acc = new Float64Array(outDim);
  for (let t = 0; t < numFrames; t++) {
    acc.fill(0);
    for (let i = 0; i <= order; i++) {
      const s = scales[i];
      const maxOffset = (s.length - 1) / 2;
      for (let j = -maxOffset; j <= maxOffset; j++) {
        const scale = s[j + maxOffset];
        if (scale === 0) continue;
        const src = Math.min(Math.max(t + j, 0), numFrames - 1) * dim;
        for (let d = 0; d < dim; d++) acc[i * dim + d] += scale * data[src + d];
      }
    }
    out.set(acc, t * outDim);
  }
  return out;
}
