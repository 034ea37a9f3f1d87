// One minibatch of training with a hand-written forward/backward pass (dense.ts kernels: plain
// products, explicit transposes of batch-sized operands only), the distillation losses of
// distill-loss.ts expressed in tf ops, and in-place optimizer updates.
import * as tf from '@tensorflow/tfjs';
import { layerDropout } from '../arch.js';
import { denseBiasGrad, denseForward, denseInputGradT, denseWeightGrad, reluDropoutBackward } from './dense.js';
import { dropoutMask, mixSeed } from '../dropout.js';
import type { LossConfig } from '../distill-loss.js';
import { checkDnnWeights, type DnnWeights } from '../weights.js';
import { rescaledSlots, type OptimizerState } from '../optimizer-state.js';
import { createOptimizer, type Optimizer } from './optimizer.js';
import { countCorrect, type StepResult, type TrainBatch, type TrainStepOptions, type Trainer } from '../trainer.js';

/**
 * The loss (a scalar, mean over the batch) and its gradient w.r.t. the logits `z` in tf ops: the
 * same math as distillLoss() in distill-loss.ts (tested against it).
 */
export function lossAndGradient(z: tf.Tensor2D, batch: TrainBatch, cfg: LossConfig): { loss: tf.Scalar; dz: tf.Tensor2D } {
  return tf.tidy(() => {
    const [M, P] = z.shape;
    const hardWeight = cfg.kind === 'ce' ? 1 : cfg.hardWeight;
    const softWeight = cfg.kind === 'ce' ? 0 : cfg.softWeight;
    const T = cfg.temperature;
    let loss: tf.Tensor = tf.scalar(0);
    let dz: tf.Tensor = tf.zerosLike(z);
    if (hardWeight !== 0) {
      // one-hot of a negative label is an all-zero row; the row mask also removes softmax(z) there.
      const y = tf.oneHot(tf.tensor1d(batch.labels.subarray(0, M), 'int32'), P).toFloat();
      const logp = tf.logSoftmax(z);
      let g = tf.sub(tf.exp(logp), y);
      if (batch.labels.subarray(0, M).some((l) => l < 0)) {
        const mask = Float32Array.from(batch.labels.subarray(0, M), (l) => (l >= 0 ? 1 : 0));
        g = tf.mul(g, tf.tensor2d(mask, [M, 1]));
      }
      loss = tf.add(loss, tf.mul(tf.sum(tf.mul(y, logp)), -hardWeight));
      dz = tf.add(dz, tf.mul(g, hardWeight));
    }
    if (softWeight !== 0 && cfg.kind === 'soft-ce') {
      if (!batch.soft) throw new Error("train step: loss 'soft-ce' needs batch.soft (teacher probabilities at temperature T)");
      const q = tf.tensor2d(batch.soft.subarray(0, M * P), [M, P]);
      const logpT = tf.logSoftmax(tf.div(z, T));
      // Hinton et al. 2015 sec. 2: the soft term is scaled by T^2; its gradient is T (p_T - q).
      loss = tf.add(loss, tf.mul(tf.sum(tf.mul(q, logpT)), -softWeight * T * T));
      dz = tf.add(dz, tf.mul(tf.sub(tf.exp(logpT), q), softWeight * T));
    } else if (softWeight !== 0 && cfg.kind === 'logit-mse') {
      if (!batch.teacherLogits) throw new Error("train step: loss 'logit-mse' needs batch.teacherLogits");
      // Sec. 2.1: both logit vectors centred per frame; c(z - v) = c(z) - c(v).
      const diff = tf.sub(z, tf.tensor2d(batch.teacherLogits.subarray(0, M * P), [M, P]));
      const d = tf.sub(diff, tf.mean(diff, 1, true));
      loss = tf.add(loss, tf.mul(tf.sum(tf.square(d)), (0.5 * softWeight) / P));
      dz = tf.add(dz, tf.mul(d, softWeight / P));
    }
    return { loss: tf.div(loss, M) as tf.Scalar, dz: tf.div(dz, M) as tf.Tensor2D };
  });
}

/**
 * Trainable DNN state on the current backend: weight variables plus optimizer slots.
 * @example
 * const s = new TrainStep(initDnnWeights(arch, 440, 500, 1), { optimizer: 'sgd', momentum: 0.9, loss });
 * const r = s.step(batch, 0.01, seed); // r.loss, r.correct
 */
export class TrainStep implements Trainer {
  private readonly W: tf.Variable<tf.Rank.R2>[];
  private readonly b: tf.Variable<tf.Rank.R1>[];
  private readonly optimizer: Optimizer;
  private readonly template: DnnWeights;

  constructor(w: DnnWeights, readonly opts: TrainStepOptions) {
    checkDnnWeights(w, 'TrainStep');
    this.template = { arch: structuredClone(w.arch), inputDim: w.inputDim, numPdfs: w.numPdfs, layers: [] };
    // tidy releases the initial tensors; the variables keep their data.
    this.W = w.layers.map((l) => tf.tidy(() => tf.variable(tf.tensor2d(l.W, [l.inDim, l.outDim]), true)));
    this.b = w.layers.map((l) => tf.tidy(() => tf.variable(tf.tensor1d(l.b), true)));
    this.optimizer = createOptimizer(opts.optimizer, this.params(), { momentum: opts.momentum, averageDecay: opts.averageDecay });
  }

  private params(): tf.Variable[] {
    return this.W.flatMap((W, i) => [W, this.b[i]]);
  }

  private get arch() {
    return this.template.arch;
  }

  private checkBatch(batch: TrainBatch): void {
    const inputDim = this.template.inputDim;
    if (batch.x.length < batch.size * inputDim || batch.labels.length < batch.size) {
      throw new Error(`train step: batch of ${batch.size} frames has ${batch.x.length} inputs (need ${batch.size * inputDim}) and ${batch.labels.length} labels`);
    }
  }

  private countCorrect(pred: tf.Tensor, batch: TrainBatch): { correct: number; labeled: number } {
    return countCorrect(pred.dataSync() as Int32Array, batch);
  }

  /**
   * One SGD/Adam step on `batch` at `learningRate`. Dropout masks come from `dropoutSeed` (mixed
   * with the layer index), so a given (seed, batch) always draws the same masks.
   * If the loss is NaN/Inf the weights are NOT updated and `loss` is returned as is (caller stops).
   */
  step(batch: TrainBatch, learningRate: number, dropoutSeed: number): StepResult {
    this.checkBatch(batch);
    const M = batch.size;
    const numHidden = this.arch.hidden.length;
    const out = tf.tidy(() => {
      const hs: tf.Tensor2D[] = [tf.tensor2d(batch.x.subarray(0, M * this.template.inputDim), [M, this.template.inputDim])];
      const scales: number[] = [];
      for (let l = 0; l < numHidden; l++) {
        let h = denseForward(hs[l], this.W[l], this.b[l], true);
        const rate = layerDropout(this.arch, l);
        if (rate > 0) {
          const units = this.arch.hidden[l].units;
          h = tf.mul(h, tf.tensor2d(dropoutMask(M, units, rate, mixSeed(dropoutSeed, l)), [M, units]));
        }
        scales.push(rate > 0 ? 1 / (1 - rate) : 1);
        hs.push(h);
      }
      const z = denseForward(hs[numHidden], this.W[numHidden], this.b[numHidden], false);
      const { loss, dz } = lossAndGradient(z, batch, this.opts.loss);
      const grads: tf.Tensor[] = new Array(2 * (numHidden + 1));
      // Carry the gradient in both layouts: g (batch x out) for dW = h^T g, gT (out x batch) for
      // dh^T = W gT. The ReLU/dropout mask is applied in the transposed layout with h^T, which
      // dW needs anyway, so each layer costs two batch-sized transposes (h and the new g).
      let g = dz;
      let gT = tf.transpose(dz);
      for (let l = numHidden; l >= 0; l--) {
        const hT = tf.transpose(hs[l]);
        grads[2 * l] = denseWeightGrad(hs[l], g, hT);
        grads[2 * l + 1] = denseBiasGrad(g);
        if (l > 0) {
          gT = reluDropoutBackward(denseInputGradT(gT, this.W[l]), hT, scales[l - 1]);
          g = tf.transpose(gT);
        }
      }
      return { loss, pred: tf.argMax(z, 1), grads };
    });
    const loss = out.loss.dataSync()[0];
    const { correct, labeled } = this.countCorrect(out.pred, batch);
    if (Number.isFinite(loss)) {
      this.optimizer.apply(out.grads, learningRate);
      if (this.arch.maxNorm !== undefined) this.applyMaxNorm(this.arch.maxNorm);
    }
    tf.dispose([out.loss, out.pred, ...out.grads]);
    return { loss, correct, labeled, frames: M };
  }

  /**
   * Max-norm constraint (Srivastava et al. 2014, sec. 5.1): rescale each hidden unit's incoming
   * weight vector (a column of W) to L2 norm <= c, after the update. The output layer is left free.
   */
  private applyMaxNorm(c: number): void {
    tf.tidy(() => {
      for (let l = 0; l < this.arch.hidden.length; l++) {
        const W = this.W[l];
        const norms = tf.sqrt(tf.sum(tf.square(W), 0));
        W.assign(tf.mul(W, tf.minimum(tf.div(c, tf.add(norms, 1e-7)), 1)));
      }
    });
  }

  /** The parameters a model is scored and saved with: the moving averages when averaging, else W and b. */
  private modelParams(): { W: tf.Tensor2D[]; b: tf.Tensor1D[] } {
    const avg = this.optimizer.averages;
    if (!avg) return { W: this.W, b: this.b };
    return { W: this.W.map((_, l) => avg[2 * l] as tf.Tensor2D), b: this.b.map((_, l) => avg[2 * l + 1] as tf.Tensor1D) };
  }

  /** Forward pass without dropout (with the averaged weights when averaging): cross-entropy on the labels and frame accuracy. */
  evaluate(batch: TrainBatch): StepResult {
    this.checkBatch(batch);
    const M = batch.size;
    const { W, b } = this.modelParams();
    const out = tf.tidy(() => {
      let h: tf.Tensor2D = tf.tensor2d(batch.x.subarray(0, M * this.template.inputDim), [M, this.template.inputDim]);
      const L = W.length;
      for (let l = 0; l < L; l++) h = denseForward(h, W[l], b[l], l < L - 1);
      const { loss } = lossAndGradient(h, batch, { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 });
      return { loss, pred: tf.argMax(h, 1) };
    });
    const loss = out.loss.dataSync()[0];
    const { correct, labeled } = this.countCorrect(out.pred, batch);
    tf.dispose([out.loss, out.pred]);
    return { loss, correct, labeled, frames: M };
  }

  /** The current (trained) weights, copied out of the backend: what a checkpoint needs to continue. */
  weights(): DnnWeights {
    return this.copyOut(this.W, this.b);
  }

  /** The weights to save as the model: the moving average with averageDecay, else weights(). */
  modelWeights(): DnnWeights {
    const { W, b } = this.modelParams();
    return this.copyOut(W, b);
  }

  private copyOut(Ws: tf.Tensor2D[], bs: tf.Tensor1D[]): DnnWeights {
    return {
      ...structuredClone(this.template),
      layers: Ws.map((W, i) => ({
        W: W.dataSync().slice() as Float32Array,
        b: bs[i].dataSync().slice() as Float32Array,
        inDim: W.shape[0],
        outDim: W.shape[1],
      })),
    };
  }

  /** Overwrite the weights (e.g. from a checkpoint). */
  setWeights(w: DnnWeights): void {
    checkDnnWeights(w, 'TrainStep.setWeights');
    tf.tidy(() =>
      w.layers.forEach((l, i) => {
        this.W[i].assign(tf.tensor2d(l.W, [l.inDim, l.outDim]));
        this.b[i].assign(tf.tensor1d(l.b));
      }),
    );
  }

  optimizerState(): OptimizerState {
    return this.optimizer.getState();
  }

  setOptimizerState(s: OptimizerState): void {
    // A state another engine kept scaled (optimizer-state.ts slotScale) is converted to ours.
    this.optimizer.setState(s.slotScale ? { kind: s.kind, step: s.step, slots: rescaledSlots(s, []) } : s);
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose([...this.W, ...this.b]);
  }
}
