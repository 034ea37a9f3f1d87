// The ORT engine's optimizer update, in place over Float32Arrays: one fused pass per parameter
// (tfjs/optimizer.ts's SGD, momentum and Adam, then the weight average, then max-norm, the order of
// tfjs/train-step.ts TrainStep.step). Hand-written (no npm package does a fused Adam over typed
// arrays) because ONNX Runtime cannot do it cheaply: inside the step graph each elementwise op is
// its own pass over all weights (~10 for Adam), and onnxruntime-node copies every fetched graph
// output into a fresh ArrayBuffer it returns (even one ORT wrote into a pre-allocated buffer), so a
// graph that outputs weights and slots moved ~4x the memory of this loop per step (bench/nnet-engines.ts).
// WasmUpdater runs the same update in WebAssembly SIMD (update.wat); updateParam is the reference
// and the fallback where WebAssembly SIMD is unavailable.
import type { OptimizerKind } from '../optimizer-state.js';
import { UPDATE_WASM } from './update-wasm.js';

/**
 * Adam's moments as the ORT trainer keeps them (updateParam's 'adam' rule), M = m / scales.m and V = v / scales.v
 * (optimizer-state.ts holds m and v, so checkpoints convert). `stepFactor` = (1 - beta1) / sqrt(1 - beta2).
 */
export function adamSlotScales(beta1: number, beta2: number): { m: number; v: number; stepFactor: number } {
  return { m: 1 - beta1, v: 1 - beta2, stepFactor: (1 - beta1) / Math.sqrt(1 - beta2) };
}

/** The optimizer an ORT trainer updates with (fixed for its life; the step graph does not depend on it). */
export interface UpdateSpec {
  optimizer: OptimizerKind;
  /** SGD's momentum (0: plain SGD); unused by Adam. */
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Keep a moving average of the weights (averageDecay given). */
  averaging: boolean;
}

/** Slot names per parameter, in OptimizerState order (the average last). */
export function slotSuffixes(spec: Pick<UpdateSpec, 'optimizer' | 'momentum' | 'averaging'>): string[] {
  const inner = spec.optimizer === 'adam' ? ['m', 'v'] : spec.momentum > 0 ? ['vel'] : [];
  return spec.averaging ? [...inner, 'avg'] : inner;
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

/** w's length, after checking that the gradient, slots and average have it too. */
function checkedLength(w: Float32Array, g: Float32Array, slots: Float32Array[], average?: AverageUpdate): number {
  const n = w.length;
  if (g.length !== n || slots.some((s) => s.length !== n) || (average && average.avg.length !== n)) {
    throw new Error(`updateParam: parameter of ${n} values, gradient of ${g.length}, slots of ${slots.map((s) => s.length)}`);
  }
  return n;
}

/**
 * Update parameter `w` in place with gradient `g` under `rule`; `slots` are the rule's slots in
 * OptimizerState order (momentum: [vel]; Adam: [M, V]; SGD: none), updated in place; then the
 * average, when given, from the updated weights. All arrays have w's length.
 *
 * @example updateParam({ kind: 'sgd', stepScale: -0.1 }, w, g, [])
 */
export function updateParam(rule: UpdateRule, w: Float32Array, g: Float32Array, slots: Float32Array[], average?: AverageUpdate): void {
  const n = checkedLength(w, g, slots, average);
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

/** The exported functions of update.wat (pointers are byte offsets into its memory; 0 = absent). */
interface UpdateKernels {
  adam(w: number, g: number, m: number, v: number, avg: number, n: number, beta1: number, beta2: number, epsilon: number, stepScale: number, keep: number, take: number): void;
  momentum(w: number, g: number, vel: number, avg: number, n: number, momentum: number, stepScale: number, keep: number, take: number): void;
}

let compiledUpdate: WebAssembly.Module | null | undefined;

/** update.wat compiled once per thread, or null without WebAssembly SIMD. */
function updateModule(): WebAssembly.Module | null {
  if (compiledUpdate === undefined) {
    compiledUpdate = null;
    try {
      const bytes = Buffer.from(UPDATE_WASM, 'base64');
      if (WebAssembly.validate(bytes)) compiledUpdate = new WebAssembly.Module(bytes);
    } catch {
      compiledUpdate = null;
    }
  }
  return compiledUpdate;
}

/**
 * updateParam in WebAssembly SIMD (update.wat, float32 lanes: ~4x fewer instructions than the
 * JavaScript loop's scalar doubles). The parameters, slots and averages live in the instance's
 * memory: carve them with `f32` (the memory is sized once by `create`, so the views never move,
 * and ORT tensors over them read them without a copy). The ORT trainer carves its gradients there
 * too, as pre-allocated outputs of the step graph, so the kernel reads them where ONNX Runtime
 * wrote them; a gradient from elsewhere is copied into a staging area first (one 4-byte stream).
 */
export class WasmUpdater {
  private at = 16; // byte offset 0 means "absent" to the kernels
  private readonly staging: Float32Array;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly kernels: UpdateKernels,
    maxGradientFloats: number,
    private readonly endByte: number,
  ) {
    this.staging = this.f32(maxGradientFloats);
  }

  /**
   * An updater with room for `arrayFloats` floats of arrays (each rounded up to 4 floats) and a
   * staging area for gradients of up to `maxGradientFloats`; null without WebAssembly SIMD or
   * when the memory cannot be had (updateParam in JavaScript then does the same update).
   */
  static create(arrayFloats: number, maxGradientFloats: number): WasmUpdater | null {
    const module = updateModule();
    if (!module) return null;
    const bytes = 16 + 4 * (arrayFloats + maxGradientFloats) + 16 * 64;
    if (bytes > 2 ** 32 - 65536) return null;
    try {
      const instance = new WebAssembly.Instance(module);
      const memory = instance.exports.memory as WebAssembly.Memory;
      const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
      if (pages > 0) memory.grow(pages);
      return new WasmUpdater(memory, instance.exports as unknown as UpdateKernels, maxGradientFloats, memory.buffer.byteLength);
    } catch {
      return null;
    }
  }

  /** A zeroed Float32Array of `n` in the kernels' memory (16-byte aligned). */
  f32(n: number): Float32Array {
    const at = this.at;
    this.at += (4 * n + 15) & ~15;
    if (this.at > this.endByte) throw new Error(`WasmUpdater: no room for ${n} more floats (sized by create)`);
    return new Float32Array(this.memory.buffer, at, n);
  }

  private offset(a: Float32Array, what: string): number {
    if (a.buffer !== this.memory.buffer) throw new Error(`WasmUpdater.updateParam: ${what} is not an array of this updater (use f32)`);
    return a.byteOffset;
  }

  /** updateParam's contract; w, the slots and the average must come from `f32`, g from anywhere. */
  updateParam(rule: UpdateRule, w: Float32Array, g: Float32Array, slots: Float32Array[], average?: AverageUpdate): void {
    const n = checkedLength(w, g, slots, average);
    let gAt: number;
    if (g.buffer === this.memory.buffer) gAt = g.byteOffset;
    else {
      if (n > this.staging.length) throw new Error(`WasmUpdater: gradient of ${n} values, staging holds ${this.staging.length}`);
      this.staging.set(g);
      gAt = this.staging.byteOffset;
    }
    const wAt = this.offset(w, 'w');
    const avgAt = average ? this.offset(average.avg, 'average') : 0;
    const keep = average?.keep ?? 1;
    const take = average?.take ?? 0;
    if (rule.kind === 'adam') {
      const [m, v] = slots;
      this.kernels.adam(wAt, gAt, this.offset(m, 'M'), this.offset(v, 'V'), avgAt, n, rule.beta1, rule.beta2, rule.epsilon, rule.stepScale, keep, take);
    } else if (rule.kind === 'momentum') {
      this.kernels.momentum(wAt, gAt, this.offset(slots[0], 'velocity'), avgAt, n, rule.momentum, rule.stepScale, keep, take);
    } else {
      this.kernels.momentum(wAt, gAt, 0, avgAt, n, 0, rule.stepScale, keep, take);
    }
  }
}
