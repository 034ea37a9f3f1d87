// The batched DNN forward pass on the current TensorFlow.js backend (ort/forward.ts: the same
// contract on ONNX Runtime).
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors.js';
import { checkDnnWeights, type DnnWeights } from '../weights.js';

/**
 * Batched inference on the current backend: `x` is `numFrames x inputDim` row-major; returns
 * `numFrames x numPdfs` logits. Uses only plain (non-transposed) products with fused bias + ReLU,
 * the fast path of the wasm backend (XNNPACK fully-connected), in chunks of `maxBatch` frames
 * so that memory stays bounded for whole utterances or corpora.
 */
export class DnnForward {
  readonly inputDim: number;
  readonly numPdfs: number;
  private readonly W: tf.Tensor2D[];
  private readonly b: tf.Tensor1D[];
  private disposed = false;

  constructor(w: DnnWeights, readonly maxBatch = 1024) {
    checkDnnWeights(w, 'DnnForward');
    this.inputDim = w.inputDim;
    this.numPdfs = w.numPdfs;
    this.W = w.layers.map((l) => tf.tensor2d(l.W, [l.inDim, l.outDim]));
    this.b = w.layers.map((l) => tf.tensor1d(l.b));
  }

  private run(x: Float32Array, numFrames: number, finish: (z: tf.Tensor2D) => tf.Tensor2D): Float32Array {
    if (this.disposed) throw new Error('DnnForward: used after dispose()');
    if (x.length !== numFrames * this.inputDim) {
      throw new InputError(`DnnForward: input has ${x.length} values, expected ${numFrames} frames x ${this.inputDim} = ${numFrames * this.inputDim}`);
    }
    // One chunk (a decoded utterance, typically): return the downloaded copy itself, no second copy.
    const single = numFrames <= this.maxBatch;
    const out = single ? null : new Float32Array(numFrames * this.numPdfs);
    for (let start = 0; start < numFrames; start += this.maxBatch) {
      const n = Math.min(this.maxBatch, numFrames - start);
      const chunk = tf.tidy(() => {
        let h: tf.Tensor2D = tf.tensor2d(x.subarray(start * this.inputDim, (start + n) * this.inputDim), [n, this.inputDim]);
        const last = this.W.length - 1;
        for (let i = 0; i < last; i++) h = tf.fused.matMul({ a: h, b: this.W[i], bias: this.b[i], activation: 'relu' }) as tf.Tensor2D;
        return finish(tf.fused.matMul({ a: h, b: this.W[last], bias: this.b[last] }) as tf.Tensor2D);
      });
      const data = chunk.dataSync() as Float32Array;
      chunk.dispose();
      if (out === null) return data;
      out.set(data, start * this.numPdfs);
    }
    return out ?? new Float32Array(0);
  }

  /** Logits (pre-softmax activations), `numFrames x numPdfs`. */
  logits(x: Float32Array, numFrames: number): Float32Array {
    return this.run(x, numFrames, (z) => z);
  }

  /** Posteriors softmax(z / T), `numFrames x numPdfs` (T = 1: ordinary posteriors; T > 1: soft targets). */
  posteriors(x: Float32Array, numFrames: number, temperature = 1): Float32Array {
    return this.run(x, numFrames, (z) => tf.softmax(temperature === 1 ? z : tf.div<tf.Tensor2D>(z, temperature)));
  }

  /** Release the weight tensors. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...this.W, ...this.b]);
  }
}
