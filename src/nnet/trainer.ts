// What a training step is, on either engine: the minibatch it takes, the options it is built with,
// what it returns, and the Trainer interface trainModel drives (tfjs/train-step.ts TrainStep,
// ort/train-step.ts OrtTrainStep; engine.ts createTrainer picks one).
import type { LossConfig } from './distill-loss.js';
import type { DnnWeights } from './weights.js';
import type { OptimizerKind, OptimizerState } from './optimizer-state.js';

/** A minibatch (structurally the `Batch` of batches.ts): `x` is size x inputDim row-major. */
export interface TrainBatch {
  size: number;
  x: Float32Array;
  labels: Int32Array;
  soft?: Float32Array;
  teacherLogits?: Float32Array;
}

export interface TrainStepOptions {
  optimizer: OptimizerKind;
  momentum?: number;
  loss: LossConfig;
  /** Keep a moving average of the weights (optimizer-state.ts averageDecay): evaluate() and modelWeights() use it. */
  averageDecay?: number;
}

/** Sums over one batch: `loss` is the batch-mean loss; `correct`/`labeled` count frames with a label >= 0. */
export interface StepResult {
  loss: number;
  correct: number;
  labeled: number;
  frames: number;
}

/** Frames of `batch` whose predicted pdf `pred[t]` is the label; frames with label < 0 are not counted. */
export function countCorrect(pred: ArrayLike<number>, batch: TrainBatch): { correct: number; labeled: number } {
  let correct = 0;
  let labeled = 0;
  for (let t = 0; t < batch.size; t++) {
    const l = batch.labels[t];
    if (l < 0) continue;
    labeled++;
    if (pred[t] === l) correct++;
  }
  return { correct, labeled };
}

/** A trainable DNN with its optimizer slots: what trainModel needs of a train step on any engine. */
export interface Trainer {
  /** One optimizer update on `batch` at `learningRate`; dropout masks from `dropoutSeed` (dropout.ts). A non-finite loss leaves the weights as they were. */
  step(batch: TrainBatch, learningRate: number, dropoutSeed: number): StepResult;
  /** Loss and accuracy of `batch` without dropout or update (with averaging: of the averaged weights). */
  evaluate(batch: TrainBatch): StepResult;
  /** The current weights. */
  weights(): DnnWeights;
  /** The weights to save as the model: the moving average with averageDecay, else weights(). */
  modelWeights(): DnnWeights;
  setWeights(w: DnnWeights): void;
  optimizerState(): OptimizerState;
  setOptimizerState(s: OptimizerState): void;
  dispose(): void;
}
