// TrainStep's contract (tfjs/train-step.ts, trainer.ts Trainer) on ONNX Runtime: one session runs the
// step graph (ort/train-graph.ts: loss and gradients), another the evaluation graph. Parameters and
// optimizer slots live in Float32Arrays that the graphs read without a copy; when the loss is
// finite, ort/update.ts updates them in place from the gradients (a NaN/Inf step leaves the weights
// untouched, as TrainStep does): in WebAssembly SIMD (WasmUpdater, whose memory holds the arrays)
// where available, else in JavaScript. The step graph's outputs (gradients, loss, predictions) are
// pre-allocated tensors, in the SIMD kernels' memory for the gradients: ONNX Runtime writes them in
// place and the update reads them there. Per step the only copies are the batch's targets and
// onnxruntime-node's copy of every fetched output into an ArrayBuffer it returns (unused here;
// session.ts OrtSession.run).
import { layerDropout, layerSizes } from '../arch.js';
import { dropoutMask, mixSeed } from '../dropout.js';
import { checkDnnWeights, type DnnWeights } from '../weights.js';
import { averageDecayAt, rescaledSlots, type OptimizerState } from '../optimizer-state.js';
import { countCorrect, type StepResult, type TrainBatch, type TrainStepOptions } from '../trainer.js';
import { floatTensor, int32Tensor, OrtSession, type OrtTensor } from './session.js';
import { evalGraphBytes, paramDims, paramNames, stepGraphBytes } from './train-graph.js';
import { adamSlotScales, maxNormColumns, slotSuffixes, updateParam, WasmUpdater, type UpdateRule, type UpdateSpec } from './update.js';

/** Adam (Kingma & Ba 2015) defaults, as tfjs/optimizer.ts. */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** The trainer's state: per parameter its values and its slots (OptimizerState order). */
interface State {
  params: Float32Array[];
  slots: Float32Array[][];
  paramTensors: OrtTensor[];
  /** With averaging: the averages (each parameter's last slot) as tensors, for evaluate(). */
  averageTensors: OrtTensor[];
}

/** Tensors over the trainer's per-batch buffers for one batch size (rebuilt when it changes). */
interface BatchTensors {
  size: number;
  y: OrtTensor;
  rowMask: OrtTensor;
  m: OrtTensor;
  pred: OrtTensor;
  drop: (OrtTensor | null)[];
}

/**
 * A trainable DNN on ONNX Runtime with TrainStep's methods (step, evaluate, weights, modelWeights,
 * setWeights, optimizerState, setOptimizerState, dispose). Create with `OrtTrainStep.create`.
 */
export class OrtTrainStep {
  private readonly sizes: number[];
  private readonly names: string[];
  private readonly suffixes: string[];
  private readonly dims: number[][];
  private readonly cur: State;
  /** The SIMD update whose memory holds cur's params, slots and the gradients; null: updateParam in JavaScript. */
  private readonly updater: WasmUpdater | null;
  /** Per parameter: the gradient the step graph writes (a pre-allocated output), its tensor, and the update rule's slots (the average apart). */
  private readonly grads: Float32Array[];
  private readonly gradTensors: OrtTensor[];
  private readonly ruleSlots: Float32Array[][];
  private updates = 0;
  private readonly template: DnnWeights;
  private readonly spec: UpdateSpec;
  // Per-batch buffers, grown to the largest batch seen.
  private y = new Float32Array(0);
  private rowMask = new Float32Array(0);
  private pred = new Int32Array(0);
  private drop: Float32Array[] = [];
  private batchTensors: BatchTensors | null = null;
  private readonly scalar = { m: new Float32Array(1) };
  private readonly loss = new Float32Array(1);
  private readonly lossTensor: OrtTensor;

  private constructor(
    w: DnnWeights,
    readonly opts: TrainStepOptions,
    private readonly stepSession: OrtSession,
    private readonly evalSession: OrtSession,
    sizes: number[],
    spec: UpdateSpec,
  ) {
    this.spec = spec;
    this.sizes = sizes;
    this.names = paramNames(this.sizes.length - 1);
    this.suffixes = slotSuffixes(spec);
    this.dims = this.names.map((p) => paramDims(this.sizes, p));
    this.template = { arch: structuredClone(w.arch), inputDim: w.inputDim, numPdfs: w.numPdfs, layers: [] };
    const lengths = this.dims.map((d) => d.reduce((a, b) => a * b, 1));
    const padded = lengths.reduce((a, n) => a + ((n + 3) & ~3), 0);
    // Weights, slots and gradients in one memory: the update reads ONNX Runtime's gradients in place.
    this.updater = WasmUpdater.create(padded * (2 + this.suffixes.length), 0);
    this.cur = this.newState();
    this.grads = lengths.map((n) => this.alloc(n));
    this.gradTensors = this.grads.map((g, i) => floatTensor(g, this.dims[i]));
    // The average is the last slot; the rule's own slots come first (slotSuffixes).
    this.ruleSlots = this.cur.slots.map((s) => (spec.averaging ? s.slice(0, -1) : s));
    this.lossTensor = floatTensor(this.loss, []);
    this.setWeights(w);
    // Slots start at zero, the weight average at the initial weights (tfjs/optimizer.ts Averaged).
    if (spec.averaging) this.cur.slots.forEach((s, i) => s[s.length - 1].set(this.cur.params[i]));
  }

  /** Build the step and evaluation graphs for `w`'s architecture and load them. */
  static async create(w: DnnWeights, opts: TrainStepOptions): Promise<OrtTrainStep> {
    checkDnnWeights(w, 'OrtTrainStep');
    if (opts.averageDecay !== undefined && !(opts.averageDecay > 0 && opts.averageDecay < 1)) {
      throw new Error(`averageDecay must be between 0 and 1, got ${opts.averageDecay}`);
    }
    const sizes = layerSizes(w.arch, w.inputDim, w.numPdfs);
    const spec: UpdateSpec = {
      optimizer: opts.optimizer,
      momentum: opts.optimizer === 'sgd' ? (opts.momentum ?? 0.9) : 0,
      ...ADAM,
      averaging: opts.averageDecay !== undefined,
    };
    const stepSession = await OrtSession.create(stepGraphBytes({ arch: w.arch, sizes, loss: opts.loss }));
    const evalSession = await OrtSession.create(evalGraphBytes(sizes)).catch((e) => {
      stepSession.dispose();
      throw e;
    });
    return new OrtTrainStep(w, opts, stepSession, evalSession, sizes, spec);
  }

  /** A zeroed array the update can take in place (in the SIMD kernels' memory when there is one). */
  private alloc(n: number): Float32Array {
    return this.updater ? this.updater.f32(n) : new Float32Array(n);
  }

  private newState(): State {
    const params = this.dims.map((d) => this.alloc(d.reduce((a, b) => a * b, 1)));
    const slots = params.map((p) => this.suffixes.map(() => this.alloc(p.length)));
    return {
      params,
      slots,
      paramTensors: params.map((p, i) => floatTensor(p, this.dims[i])),
      averageTensors: this.spec.averaging ? slots.map((s, i) => floatTensor(s[s.length - 1], this.dims[i])) : [],
    };
  }

  /** The update rule of step t at `learningRate` (tfjs/optimizer.ts; Adam's bias correction folded into the step size). */
  private rule(learningRate: number, t: number): UpdateRule {
    const { beta1, beta2, epsilon } = this.spec;
    if (this.spec.optimizer === 'adam') {
      // Moments scaled as adamSlotScales: the factor in the step size, epsilon scaled to match.
      const stepScale = (-(learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t)) * adamSlotScales(beta1, beta2).stepFactor;
      return { kind: 'adam', beta1, beta2, epsilon: epsilon / Math.sqrt(1 - beta2), stepScale };
    }
    return this.spec.momentum > 0 ? { kind: 'momentum', momentum: this.spec.momentum, stepScale: -learningRate } : { kind: 'sgd', stepScale: -learningRate };
  }

  private checkBatch(batch: TrainBatch): void {
    const inputDim = this.template.inputDim;
    if (batch.x.length < batch.size * inputDim || batch.labels.length < batch.size) {
      throw new Error(`train step: batch of ${batch.size} frames has ${batch.x.length} inputs (need ${batch.size * inputDim}) and ${batch.labels.length} labels`);
    }
  }

  /** The tensors over the per-batch buffers for a batch of M frames: the same objects while M stays. */
  private tensorsFor(M: number): BatchTensors {
    if (this.batchTensors?.size === M) return this.batchTensors;
    const P = this.template.numPdfs;
    const hidden = this.template.arch.hidden;
    if (this.y.length < M * P) {
      this.y = new Float32Array(M * P);
      this.rowMask = new Float32Array(M);
      this.pred = new Int32Array(M);
      this.drop = hidden.map((h, l) => (layerDropout(this.template.arch, l) > 0 ? new Float32Array(M * h.units) : new Float32Array(0)));
    }
    this.batchTensors = {
      size: M,
      y: floatTensor(this.y.subarray(0, M * P), [M, P]),
      rowMask: floatTensor(this.rowMask.subarray(0, M), [M, 1]),
      m: floatTensor(this.scalar.m, []),
      pred: int32Tensor(this.pred.subarray(0, M), [M]),
      drop: hidden.map((h, l) => (this.drop[l].length > 0 ? floatTensor(this.drop[l].subarray(0, M * h.units), [M, h.units]) : null)),
    };
    return this.batchTensors;
  }

  /** Feeds shared by both graphs: x, the one-hot labels and their row mask, m, the given parameters. */
  private commonFeeds(batch: TrainBatch, params: OrtTensor[]): Record<string, OrtTensor> {
    const M = batch.size;
    const P = this.template.numPdfs;
    const bt = this.tensorsFor(M);
    const y = this.y.subarray(0, M * P);
    y.fill(0);
    for (let t = 0; t < M; t++) {
      const l = batch.labels[t];
      this.rowMask[t] = l >= 0 ? 1 : 0;
      if (l >= 0) y[t * P + l] = 1;
    }
    this.scalar.m[0] = M;
    const feeds: Record<string, OrtTensor> = {
      x: floatTensor(batch.x.subarray(0, M * this.template.inputDim), [M, this.template.inputDim]),
      y: bt.y,
      row_mask: bt.rowMask,
      m: bt.m,
    };
    this.names.forEach((p, i) => (feeds[p] = params[i]));
    return feeds;
  }

  /** One update on `batch` at `learningRate` (TrainStep.step; same dropout masks for the same seed). */
  step(batch: TrainBatch, learningRate: number, dropoutSeed: number): StepResult {
    this.checkBatch(batch);
    const M = batch.size;
    const P = this.template.numPdfs;
    const cfg = this.opts.loss;
    const feeds = this.commonFeeds(batch, this.cur.paramTensors);
    const softWeight = cfg.kind === 'ce' ? 0 : cfg.softWeight;
    if (softWeight !== 0 && cfg.kind === 'soft-ce') {
      if (!batch.soft) throw new Error("train step: loss 'soft-ce' needs batch.soft (teacher probabilities at temperature T)");
      feeds.q = floatTensor(batch.soft.subarray(0, M * P), [M, P]);
    } else if (softWeight !== 0 && cfg.kind === 'logit-mse') {
      if (!batch.teacherLogits) throw new Error("train step: loss 'logit-mse' needs batch.teacherLogits");
      feeds.v = floatTensor(batch.teacherLogits.subarray(0, M * P), [M, P]);
    }
    const arch = this.template.arch;
    const bt = this.tensorsFor(M);
    arch.hidden.forEach((h, l) => {
      const rate = layerDropout(arch, l);
      if (rate > 0) {
        dropoutMask(M, h.units, rate, mixSeed(dropoutSeed, l), this.drop[l].subarray(0, M * h.units));
        feeds[`drop${l}`] = bt.drop[l]!;
      }
    });
    // Every output pre-allocated: ONNX Runtime writes loss, predictions and gradients into this
    // trainer's buffers; run's returned copies are not read.
    const fetches: Record<string, OrtTensor> = { loss: this.lossTensor, pred: bt.pred };
    this.names.forEach((p, i) => (fetches[`${p}_grad`] = this.gradTensors[i]));
    this.stepSession.run(feeds, fetches);
    const loss = this.loss[0];
    const { correct, labeled } = countCorrect(this.pred, batch);
    if (Number.isFinite(loss)) {
      const t = this.updates + 1;
      const rule = this.rule(learningRate, t);
      const d = this.spec.averaging ? averageDecayAt(this.opts.averageDecay!, t) : 0;
      const L = this.sizes.length - 1;
      this.names.forEach((p, i) => {
        const slots = this.cur.slots[i];
        const average = this.spec.averaging ? { avg: slots[slots.length - 1], keep: d, take: 1 - d } : undefined;
        if (this.updater) this.updater.updateParam(rule, this.cur.params[i], this.grads[i], this.ruleSlots[i], average);
        else updateParam(rule, this.cur.params[i], this.grads[i], this.ruleSlots[i], average);
        // Max-norm of the hidden layers after the average (TrainStep.step's order).
        const l = Number(p.slice(1));
        if (arch.maxNorm !== undefined && p[0] === 'W' && l < L - 1) maxNormColumns(this.cur.params[i], this.sizes[l], this.sizes[l + 1], arch.maxNorm);
      });
      this.updates = t;
    }
    return { loss, correct, labeled, frames: M };
  }

  /** The parameters a model is scored and saved with: the averages when averaging, else the weights. */
  private modelParams(): { arrays: Float32Array[]; tensors: OrtTensor[] } {
    if (!this.spec.averaging) return { arrays: this.cur.params, tensors: this.cur.paramTensors };
    const last = this.suffixes.length - 1;
    return { arrays: this.cur.slots.map((s) => s[last]), tensors: this.cur.averageTensors };
  }

  /** Forward pass without dropout (averaged weights when averaging): hard-label CE and accuracy. */
  evaluate(batch: TrainBatch): StepResult {
    this.checkBatch(batch);
    const feeds = this.commonFeeds(batch, this.modelParams().tensors);
    this.evalSession.run(feeds, { loss: this.lossTensor, pred: this.tensorsFor(batch.size).pred });
    const { correct, labeled } = countCorrect(this.pred, batch);
    return { loss: this.loss[0], correct, labeled, frames: batch.size };
  }

  private copyOut(arrays: Float32Array[]): DnnWeights {
    const L = this.sizes.length - 1;
    return {
      ...structuredClone(this.template),
      layers: Array.from({ length: L }, (_, l) => ({ W: arrays[2 * l].slice(), b: arrays[2 * l + 1].slice(), inDim: this.sizes[l], outDim: this.sizes[l + 1] })),
    };
  }

  /** The current (trained) weights, copied: what a checkpoint needs to continue. */
  weights(): DnnWeights {
    return this.copyOut(this.cur.params);
  }

  /** The weights to save as the model: the moving average with averageDecay, else weights(). */
  modelWeights(): DnnWeights {
    return this.copyOut(this.modelParams().arrays);
  }

  /** Overwrite the weights (e.g. from a checkpoint). */
  setWeights(w: DnnWeights): void {
    checkDnnWeights(w, 'OrtTrainStep.setWeights');
    w.layers.forEach((l, i) => {
      this.cur.params[2 * i].set(l.W);
      this.cur.params[2 * i + 1].set(l.b);
    });
  }

  /** Per slot (suffix order), what the graph's slot is divided by relative to optimizer-state.ts's (Adam's scaled moments; 1 otherwise). */
  private slotDivisors(): number[] {
    if (this.spec.optimizer !== 'adam') return this.suffixes.map(() => 1);
    const sc = adamSlotScales(this.spec.beta1, this.spec.beta2);
    return this.suffixes.map((x) => (x === 'm' ? sc.m : x === 'v' ? sc.v : 1));
  }

  /** Optimizer state in optimizer-state.ts's format (checkpoints are interchangeable between engines). */
  optimizerState(): OptimizerState {
    // Plain SGD has no slots at all (tfjs/optimizer.ts Sgd without momentum): an empty list, not empty lists.
    const div = this.slotDivisors();
    const slots = this.suffixes.length === 0 ? [] : this.cur.slots.map((s) => s.map((a) => a.slice()));
    if (div.some((d) => d !== 1)) return { kind: this.spec.optimizer, step: this.updates, slots, slotScale: div };
    return { kind: this.spec.optimizer, step: this.updates, slots };
  }

  setOptimizerState(s: OptimizerState): void {
    if (s.kind !== this.spec.optimizer) throw new Error(`optimizer state is for ${s.kind}, this optimizer is ${this.spec.optimizer}`);
    const want = this.suffixes.length;
    if (want > 0 && s.slots.length !== this.names.length) throw new Error(`optimizer state has ${s.slots.length} parameters, expected ${this.names.length}`);
    if (this.spec.averaging && s.slots.some((x) => x.length < 1)) throw new Error('optimizer state has no moving averages of the weights; it was written without averaging');
    if (want === 0 && s.slots.some((x) => x.length > 0)) throw new Error(`optimizer state has slots, this ${this.spec.optimizer} has none`);
    const converted = rescaledSlots(s, this.slotDivisors());
    if (want > 0) this.cur.slots.forEach((slots, i) => {
      const given = s.slots[i] ?? [];
      if (given.length !== want || given.some((a) => a.length !== slots[0].length)) {
        throw new Error(`optimizer state for parameter ${i} does not match its shape [${this.dims[i]}]`);
      }
      slots.forEach((a, k) => a.set(converted[i][k]));
    });
    this.updates = s.step;
  }

  dispose(): void {
    this.stepSession.dispose();
    this.evalSession.dispose();
  }
}
