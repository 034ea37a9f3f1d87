// The forward pass of our ReLU MLP (weights.ts DnnWeights) as ONNX nodes: Gemm (z = h W + b, the
// Keras kernel layout in-by-out, so no transpose) and Relu per hidden layer, a linear last layer.
import { checkDnnWeights, type DnnWeights } from '../weights.js';
import type { OnnxGraph } from './onnx-graph.js';

/**
 * Add `w`'s layers to `g`, reading the values named `x` ([N, inputDim]); returns the name of the
 * logits ([N, numPdfs]). Weights become initializers named `${prefix}W1`, `${prefix}b1`, ...
 */
export function addMlpForward(g: OnnxGraph, w: DnnWeights, x: string, prefix = ''): string {
  checkDnnWeights(w, 'addMlpForward');
  let h = x;
  w.layers.forEach((l, i) => {
    const W = g.initializer(`${prefix}W${i + 1}`, l.W, [l.inDim, l.outDim]);
    const b = g.initializer(`${prefix}b${i + 1}`, l.b, [l.outDim]);
    const z = g.op('Gemm', [h, W, b]);
    h = i < w.layers.length - 1 ? g.op('Relu', [z]) : z;
  });
  return h;
}
