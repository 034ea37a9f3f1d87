// The ORT engine's optimizer update, in place over Float32Arrays: one fused pass per parameter
// (tfjs/optimizer.ts's SGD, momentum and Adam, then the weight average, then max-norm, the order of
// tfjs/train-step.ts TrainStep.step). Hand-written (no npm package does a fused Adam over typed
// arrays) because ONNX Runtime cannot do it cheaply: inside the step graph each elementwise op is
// its own pass over all weights (~10 for Adam), and onnxruntime-node copies every graph output
// twice (into the caller's pre-allocated buffer and into a fresh ArrayBuffer it returns), so a
// graph that outputs weights and slots moved ~4x the memory of this loop per step (bench/nnet-engines.ts).

/**
 * Adam's moments as the ORT trainer keeps them (updateParam's 'adam' rule), M = m / scales.m and V = v / scales.v
 * (optimizer-state.ts holds m and v, so checkpoints convert). `stepFactor` = (1 - beta1) / sqrt(1 - beta2).
 */
export function adamSlotScales(beta1: number, beta2: number): { m: number; v: number; stepFactor: number } {
  return { m: 1 - beta1, v: 1 - beta2, stepFactor: (1 - beta1) / Math.sqrt(1 - beta2) };
}

/** One update rule with its per-step constants (OrtTrainStep.step computes them). */
export type UpdateRule =
  /** w += stepScale * g (stepScale = -lr). */
  | { kind: 'sgd'; stepScale: number }
  /** Classic momentum: vel = momentum * vel + stepScale * g; w += vel. */
  | { kind: 'momentum'; momentum: number; stepScale: number }
  /**
   * Adam with the moments kept scaled (adamSlotScales): M = beta1 M + g,
   * V = beta2 V + g^2, w += stepScale * M / (sqrt(V) + epsilon), epsilon and stepScale scaled.
   */
  | { kind: 'adam'; beta1: number; beta2: number; epsilon: number; stepScale: number };

/** The moving average of the weights, avg = keep * avg + take * w (after the update). */
export interface AverageUpdate {
  avg: Float32Array;
  keep: number;
  take: number;
}

/**
 * Update parameter `w` in place with gradient `g` under `rule`; `slots` are the rule's slots in
 * OptimizerState order (momentum: [vel]; Adam: [M, V]; SGD: none), updated in place; then the
 * average, when given, from the updated weights. All arrays have w's length.
 *
 * @example updateParam({ kind: 'sgd', stepScale: -0.1 }, w, g, [])
 */
export function updateParam(rule: UpdateRule, w: Float32Array, g: Float32Array, slots: Float32Array[], average?: AverageUpdate): void {
  const n = w.length;
  if (g.length !== n || slots.some((s) => s.length !== n) || (average && average.avg.length !== n)) {
    throw new Error(`updateParam: parameter of ${n} values, gradient of ${g.length}, slots of ${slots.map((s) => s.length)}`);
  }
  const avg = average?.avg;
  const keep = average?.keep ?? 1;
  const take = average?.take ?? 0;
  // One loop per rule (the rule's branch outside the loop); the average in the same pass so that
  // w is read once (4x1024 Adam: 7 streams of 16 MB instead of ~30).
  if (rule.kind === 'adam') {
    const [m, v] = slots;
    const { beta1, beta2, epsilon, stepScale } = rule;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = beta1 * m[i] + gi;
      const vi = beta2 * v[i] + gi * gi;
      m[i] = mi;
      v[i] = vi;
      const wi = w[i] + stepScale * (mi / (Math.sqrt(vi) + epsilon));
      w[i] = wi;
      if (avg) avg[i] = keep * avg[i] + take * wi;
    }
  } else if (rule.kind === 'momentum') {
    const [vel] = slots;
    const { momentum, stepScale } = rule;
    for (let i = 0; i < n; i++) {
      const vi = momentum * vel[i] + stepScale * g[i];
      vel[i] = vi;
      const wi = w[i] + vi;
      w[i] = wi;
      if (avg) avg[i] = keep * avg[i] + take * wi;
    }
  } else {
    const { stepScale } = rule;
    for (let i = 0; i < n; i++) {
      const wi = w[i] + stepScale * g[i];
      w[i] = wi;
      if (avg) avg[i] = keep * avg[i] + take * wi;
    }
  }
}

/**
 * Max-norm (Srivastava et al. 2014, sec. 5.1) in place: each column of the row-major
 * `rows x cols` matrix W (one unit's incoming weights) scaled to norm <= c, by
 * min(c / (norm + 1e-7), 1) as tfjs/train-step.ts applyMaxNorm.
 */
export function maxNormColumns(W: Float32Array, rows: number, cols: number, c: number): void {
  if (W.length !== rows * cols) throw new Error(`maxNormColumns: ${W.length} values is not ${rows} x ${cols}`);
  const sq = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) sq[j] += W[row + j] * W[row + j];
  }
  const factor = sq.map((s) => Math.min(c / (Math.sqrt(s) + 1e-7), 1));
  if (factor.every((f) => f === 1)) return;
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) W[row + j] *= factor[j];
  }
}
