// The batched DNN forward pass on ONNX Runtime: the same contract as tfjs/forward.ts DnnForward (logits,
// posteriors at temperature T, chunks of maxBatch frames), one ORT session per network.
import { InputError } from '../../errors.js';
import type { DnnWeights } from '../weights.js';
import { addMlpForward } from './mlp-graph.js';
import { OnnxGraph } from './onnx-graph.js';
import { floatTensor, OrtSession, tensorFloats } from './session.js';

/** The ONNX model of one network: input `x` [N, inputDim]; `inv_temperature` [1] = 1/T; outputs `logits` and `posteriors` = softmax(logits / T). */
export function forwardModelBytes(w: DnnWeights): Uint8Array {
  const g = new OnnxGraph('asr_distill_dnn');
  g.input('x', 'float', ['N', w.inputDim]);
  g.input('inv_temperature', 'float', [1]);
  const z = addMlpForward(g, w, 'x');
  g.node('Identity', [z], ['logits']);
  g.node('Softmax', [g.op('Mul', [z, 'inv_temperature'])], ['posteriors'], { axis: -1 });
  g.output('logits', 'float', ['N', w.numPdfs]);
  g.output('posteriors', 'float', ['N', w.numPdfs]);
  return g.toModelBytes();
}

/**
 * Forward passes of one network on ONNX Runtime (one intra-op thread). Create with
 * `OrtDnnForward.create`; `dispose()` frees the session.
 */
export class OrtDnnForward {
  private readonly invT = new Float32Array(1);
  private constructor(private readonly session: OrtSession, readonly inputDim: number, readonly numPdfs: number, readonly maxBatch: number) {}

  static async create(w: DnnWeights, maxBatch = 1024): Promise<OrtDnnForward> {
    return new OrtDnnForward(await OrtSession.create(forwardModelBytes(w)), w.inputDim, w.numPdfs, maxBatch);
  }

  private run(x: Float32Array, numFrames: number, output: 'logits' | 'posteriors', temperature: number): Float32Array {
    if (x.length !== numFrames * this.inputDim) {
      throw new InputError(`OrtDnnForward: input has ${x.length} values, expected ${numFrames} frames x ${this.inputDim} = ${numFrames * this.inputDim}`);
    }
    if (numFrames === 0) return new Float32Array(0);
    this.invT[0] = 1 / temperature;
    const feeds = (start: number, n: number) => ({ x: floatTensor(x.subarray(start * this.inputDim, (start + n) * this.inputDim), [n, this.inputDim]), inv_temperature: floatTensor(this.invT, [1]) });
    // One chunk: the buffer onnxruntime-node returns is the result (its copy of ORT's output).
    if (numFrames <= this.maxBatch) return tensorFloats(this.session.run(feeds(0, numFrames), { [output]: null })[output]);
    // Several: ONNX Runtime writes each chunk into its rows of the result (a pre-allocated output);
    // the binding's returned copy is not read.
    const out = new Float32Array(numFrames * this.numPdfs);
    for (let start = 0; start < numFrames; start += this.maxBatch) {
      const n = Math.min(this.maxBatch, numFrames - start);
      this.session.run(feeds(start, n), { [output]: floatTensor(out.subarray(start * this.numPdfs, (start + n) * this.numPdfs), [n, this.numPdfs]) });
    }
    return out;
  }

  /** Logits (pre-softmax activations), `numFrames x numPdfs`. */
  logits(x: Float32Array, numFrames: number): Float32Array {
    return this.run(x, numFrames, 'logits', 1);
  }

  /** Posteriors softmax(z / T), `numFrames x numPdfs`. */
  posteriors(x: Float32Array, numFrames: number, temperature = 1): Float32Array {
    return this.run(x, numFrames, 'posteriors', temperature);
  }

  dispose(): void {
    this.session.dispose();
  }
}
