// The loss and gradients of our ReLU MLP as one ONNX graph, op for op the hand-derived step of
// tfjs/train-step.ts (TrainStep.step + lossAndGradient):
//   forward   h_{l+1} = relu(h_l W_l + b_l) * dropout_l,  z = h_L W_L + b_L
//   loss      distill-loss.ts: hard CE (masked rows), soft CE at T with T^2, or logit MSE; / M
//   backward  dW = h^T g, db = colsum(g), dh = g W^T, g = dh * 1[h > 0] * 1/(1-rate)
// The update (SGD, momentum or Adam, the weight average, max-norm) is not in the graph: it runs
// in place on the caller's arrays (ort/update.ts), one pass per parameter instead of ~10 ONNX
// elementwise ops with two copies of every output; so the optimizer's settings are not part of
// StepGraphSpec (they are update.ts's UpdateSpec). Names: W{l}, b{l} (l from 0); the gradients are the
// outputs `${param}_grad`.
import { layerDropout, type ArchConfig } from '../arch.js';
import type { LossConfig } from '../distill-loss.js';
import { OnnxGraph, onnxType } from './onnx-graph.js';

/** What a step graph is built for (fixed for the life of a trainer). */
export interface StepGraphSpec {
  arch: ArchConfig;
  /** Layer sizes from input to output (arch.ts layerSizes). */
  sizes: number[];
  loss: LossConfig;
}

/** Parameter names in optimizer order (W0, b0, W1, b1, ...: TrainStep.params()). */
export function paramNames(numLayers: number): string[] {
  return Array.from({ length: numLayers }, (_, l) => [`W${l}`, `b${l}`]).flat();
}

/** The shape of parameter `name` (W{l}: [in, out]; b{l}: [out]) for layer sizes `sizes`. */
export function paramDims(sizes: number[], name: string): number[] {
  const l = Number(name.slice(1));
  return name[0] === 'W' ? [sizes[l], sizes[l + 1]] : [sizes[l + 1]];
}

/** Declare the parameter inputs W0, b0, ... of `sizes` on `g`. */
function paramInputs(g: OnnxGraph, sizes: number[]): void {
  for (const p of paramNames(sizes.length - 1)) g.input(p, 'float', paramDims(sizes, p));
}

/** Forward pass; returns the post-activation (post-dropout) inputs of each layer and the logits. */
function forward(g: OnnxGraph, sizes: number[], dropout: (l: number) => string | undefined): { hs: string[]; z: string } {
  const L = sizes.length - 1;
  const hs = ['x'];
  for (let l = 0; l < L - 1; l++) {
    let h = g.op('Relu', [g.op('Gemm', [hs[l], `W${l}`, `b${l}`])]);
    const d = dropout(l);
    if (d) h = g.op('Mul', [h, d]);
    hs.push(h);
  }
  return { hs, z: g.op('Gemm', [hs[L - 1], `W${L - 1}`, `b${L - 1}`]) };
}

/** Hard-label inputs y [M, P] (one-hot, zero rows unlabeled), row_mask [M, 1], m [] (the batch size as float). */
function hardInputs(g: OnnxGraph, P: number): void {
  g.input('y', 'float', ['M', P]);
  g.input('row_mask', 'float', ['M', 1]);
  g.input('m', 'float', []);
}

/** -w * sum(y * log softmax(z)) and w * (softmax(z) - y) * row_mask (tfjs/train-step.ts lossAndGradient). */
function hardTerm(g: OnnxGraph, z: string, weight: number): { loss: string; dz: string } {
  const logp = g.op('LogSoftmax', [z], { axis: -1 });
  const loss = g.op('Mul', [g.op('ReduceSum', [g.op('Mul', ['y', logp])], { keepdims: 0 }), g.floats('neg_w_hard', [-weight], [])]);
  const grad = g.op('Mul', [g.op('Sub', [g.op('Exp', [logp]), 'y']), 'row_mask']);
  return { loss, dz: weight === 1 ? grad : g.op('Mul', [grad, g.floats('w_hard', [weight], [])]) };
}

/** Outputs `loss` = lossSum / m and `pred` = argmax of the logits per row. */
function lossAndPredOutputs(g: OnnxGraph, lossSum: string, z: string): void {
  g.node('Div', [lossSum, 'm'], ['loss']);
  // int32 like tf.argMax, so trainer.ts countCorrect reads it as is.
  g.node('Cast', [g.op('ArgMax', [z], { axis: 1, keepdims: 0 })], ['pred'], { to: onnxType('int32') });
  g.output('loss', 'float', []);
  g.output('pred', 'int32', ['M']);
}

/** The evaluation graph: inputs x, y, row_mask, m and the parameters; outputs `loss` (mean hard CE) and `pred` (argmax, int32). */
export function evalGraphBytes(sizes: number[]): Uint8Array {
  const g = new OnnxGraph('asr_distill_eval');
  const P = sizes[sizes.length - 1];
  g.input('x', 'float', ['M', sizes[0]]);
  hardInputs(g, P);
  paramInputs(g, sizes);
  const { z } = forward(g, sizes, () => undefined);
  lossAndPredOutputs(g, hardTerm(g, z, 1).loss, z);
  return g.toModelBytes();
}

/**
 * The training-step graph (loss and gradients). Inputs: x [M, in]; y, row_mask, m (hard term);
 * q [M, P] (soft-ce) or v [M, P] (logit-mse); drop{l} [M, units] for layers with dropout
 * (dropout.ts dropoutMask values); the parameters. Outputs: loss [], pred [M] (int32) and the
 * gradient of the loss for every parameter, `${param}_grad`.
 */
export function stepGraphBytes(spec: StepGraphSpec): Uint8Array {
  const { sizes, loss: cfg, arch } = spec;
  const L = sizes.length - 1;
  const P = sizes[L];
  const g = new OnnxGraph('asr_distill_train_step');
  g.input('x', 'float', ['M', sizes[0]]);
  hardInputs(g, P);
  const hardWeight = cfg.kind === 'ce' ? 1 : cfg.hardWeight;
  const softWeight = cfg.kind === 'ce' ? 0 : cfg.softWeight;
  const T = cfg.temperature;
  if (softWeight !== 0 && cfg.kind === 'soft-ce') g.input('q', 'float', ['M', P]);
  if (softWeight !== 0 && cfg.kind === 'logit-mse') g.input('v', 'float', ['M', P]);
  const rates = arch.hidden.map((_, l) => layerDropout(arch, l));
  rates.forEach((r, l) => r > 0 && g.input(`drop${l}`, 'float', ['M', sizes[l + 1]]));
  paramInputs(g, sizes);

  const { hs, z } = forward(g, sizes, (l) => (rates[l] > 0 ? `drop${l}` : undefined));
  // Loss terms in lossAndGradient's order: 0 + hard + soft, then / M.
  const losses: string[] = [];
  const dzs: string[] = [];
  if (hardWeight !== 0) {
    const h = hardTerm(g, z, hardWeight);
    losses.push(h.loss);
    dzs.push(h.dz);
  }
  if (softWeight !== 0 && cfg.kind === 'soft-ce') {
    const logpT = g.op('LogSoftmax', [g.op('Div', [z, g.floats('temperature', [T], [])])], { axis: -1 });
    losses.push(g.op('Mul', [g.op('ReduceSum', [g.op('Mul', ['q', logpT])], { keepdims: 0 }), g.floats('neg_w_soft', [-softWeight * T * T], [])]));
    dzs.push(g.op('Mul', [g.op('Sub', [g.op('Exp', [logpT]), 'q']), g.floats('w_soft', [softWeight * T], [])]));
  } else if (softWeight !== 0 && cfg.kind === 'logit-mse') {
    // Sec. 2.1: both logit vectors centred per frame, c(z - v) (distill-loss.ts); the row mean as
    // ReduceSum / P, since opset 13's ReduceMean takes its axes as an attribute.
    const diff = g.op('Sub', [z, 'v']);
    const rowMean = g.op('Mul', [g.op('ReduceSum', [diff, g.ints('axis_last', [-1])], { keepdims: 1 }), g.floats('inv_pdfs', [1 / P], [])]);
    const d = g.op('Sub', [diff, rowMean]);
    losses.push(g.op('Mul', [g.op('ReduceSum', [g.op('Mul', [d, d])], { keepdims: 0 }), g.floats('w_mse', [(0.5 * softWeight) / P], [])]));
    dzs.push(g.op('Mul', [d, g.floats('w_mse_grad', [softWeight / P], [])]));
  }
  const sum = (xs: string[]) => xs.reduce((a, b) => g.op('Add', [a, b]));
  lossAndPredOutputs(g, sum(losses), z);
  let grad = g.op('Div', [sum(dzs), 'm']);

  // Backward, last layer first.
  const axis0 = g.ints('axis0', [0]);
  for (let l = L - 1; l >= 0; l--) {
    g.node('Gemm', [hs[l], grad], [`W${l}_grad`], { transA: 1 });
    g.node('ReduceSum', [grad, axis0], [`b${l}_grad`], { keepdims: 0 });
    if (l > 0) {
      const dh = g.op('Gemm', [grad, `W${l}`], { transB: 1 });
      // tfjs/dense.ts reluDropoutBackward: 1[h > 0] covers ReLU and the dropped units; times 1/keep.
      let mask = g.op('Cast', [g.op('Greater', [hs[l], g.floats('zero', [0], [])])], { to: onnxType('float') });
      if (rates[l - 1] > 0) mask = g.op('Mul', [mask, g.floats('keep_scale', [1 / (1 - rates[l - 1])], [])]);
      grad = g.op('Mul', [dh, mask]);
    }
  }

  // The gradients are the outputs: the update runs outside the graph (ort/update.ts, one fused
  // pass per parameter, in place).
  for (const p of paramNames(L)) g.output(`${p}_grad`, 'float', paramDims(sizes, p));
  return g.toModelBytes();
}
