// Dense-layer kernels for the hand-written training step. The wasm backend runs plain products
// through XNNPACK's fully-connected operator (~30 GFLOP/s here) but matMul with transposeA /
// transposeB falls back to a naive loop (10-40x slower), and tf's autodiff of matMul uses exactly
// those transposed products. So every product here is plain, with explicit transposes of the
// smaller (activation-sized, batch x width) operand; the weight matrices are never transposed.
import * as tf from '@tensorflow/tfjs';

/**
 * `z = h W + b`, then ReLU when `relu` (h: batch x in, W: in x out, b: out).
 * @example denseForward(x, W, b, true) // hidden layer
 */
export function denseForward(h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  // A separate add/relu is as fast as the fused kernel on wasm when W changes every step (the fused
  // path re-packs W with its bias on each new bias tensor), and identical on cpu.
  const z = tf.add(tf.matMul(h, W), b) as tf.Tensor2D;
  return relu ? tf.relu(z) : z;
}

/**
 * Gradient of the loss w.r.t. W for `z = h W + b`: `dW = h^T g` (in x out), as an explicit
 * transpose of the batch x in activation followed by a plain product (pass `hT` if already at hand).
 */
export function denseWeightGrad(h: tf.Tensor2D, g: tf.Tensor2D, hT?: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(hT ?? tf.transpose(h), g);
}

/**
 * Gradient w.r.t. b: the column sums of g, as the product ones(1 x batch) g: tf.sum over axis 0
 * transposes g first on wasm and costs ~6x more.
 */
export function denseBiasGrad(g: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, g.shape[0]]), g), [g.shape[1]]);
}

/**
 * Gradient w.r.t. the layer input: `dh = g W^T`, computed as `(W g^T)^T` so that only the
 * batch-sized operands are transposed (a 1024x1024 transpose costs as much as the product itself
 * on wasm; a 256x1024 one costs ~1 ms).
 */
export function denseInputGrad(g: tf.Tensor2D, W: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(tf.matMul(W, tf.transpose(g))) as tf.Tensor2D;
}

/**
 * The same input gradient in transposed layout, from the transposed `gT` (out x batch):
 * `dh^T = W g^T`, a plain product with W as the left operand (XNNPACK packs only the right one,
 * here the small gT). The train step back-propagates in this layout to skip one transpose a layer.
 */
export function denseInputGradT(gT: tf.Tensor2D, W: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(W, gT);
}

/**
 * Back through ReLU (and inverted dropout): `dz = dh * 1[h > 0] * scale`, where `h` is the layer's
 * output after ReLU and dropout. `h > 0` exactly where the unit was active and kept, so one mask
 * covers both; `scale` is 1 / keep-probability when dropout was applied (else 1).
 * step(h) (1 where h > 0, else 0) is that mask. Not tf.sign(h): on wasm it reads |h| < ~1e-7 as 0
 * (dropping those units' gradient, unlike the cpu backend) and is ~10x slower (480 vs 50 us for
 * 256x256, 4% of a 3x256 training step).
 */
export function reluDropoutBackward(dh: tf.Tensor2D, h: tf.Tensor2D, scale = 1): tf.Tensor2D {
  const mask = tf.step(h);
  return (scale === 1 ? tf.mul(dh, mask) : tf.mul(dh, tf.mul(mask, scale))) as tf.Tensor2D;
}
