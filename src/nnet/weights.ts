// DNN weights as plain Float32Arrays: the engine-neutral description of a network that both engines
// (tfjs/, ort/) train and run, checkpoints store and the model directory saves.
import { InputError } from '../errors.js';
import { makeRng, randNormal } from '../data/random.js';
import { layerSizes, type ArchConfig } from './arch.js';

/**
 * Weights of a feed-forward acoustic model. `layers[i].W` is `inDim x outDim` row-major (the Keras
 * / TF.js Dense kernel layout, so `z = x W + b`); hidden layers use ReLU, the last one is the
 * logit layer (softmax applied by the consumer, or by the saved TF.js model).
 */
export interface DnnWeights {
  arch: ArchConfig;
  inputDim: number;
  numPdfs: number;
  layers: { W: Float32Array; b: Float32Array; inDim: number; outDim: number }[];
}

/** Check that layer shapes chain from `inputDim` through the arch's hidden sizes to `numPdfs`. */
export function checkDnnWeights(w: DnnWeights, where: string): void {
  const sizes = [w.inputDim, ...w.arch.hidden.map((h) => h.units), w.numPdfs];
  if (w.layers.length !== sizes.length - 1) {
    throw new InputError(`${where}: ${w.layers.length} layers but the architecture has ${sizes.length - 1} (hidden + output)`);
  }
  w.layers.forEach((l, i) => {
    if (l.inDim !== sizes[i] || l.outDim !== sizes[i + 1] || l.W.length !== l.inDim * l.outDim || l.b.length !== l.outDim) {
      throw new InputError(
        `${where}: layer ${i + 1} has shape ${l.inDim}x${l.outDim} (W ${l.W.length}, b ${l.b.length} values), expected ${sizes[i]}x${sizes[i + 1]}`,
      );
    }
  });
}

/**
 * Fresh weights for `arch`: He-normal kernels (std sqrt(2 / inDim), He et al. 2015, the usual choice
 * for ReLU layers) and zero biases, from a seeded generator (same seed, same weights).
 */
export function initDnnWeights(arch: ArchConfig, inputDim: number, numPdfs: number, seed: number | string): DnnWeights {
  const sizes = layerSizes(arch, inputDim, numPdfs);
  const rng = makeRng(seed, 'dnn-init');
  const layers = sizes.slice(0, -1).map((inDim, i) => {
    const outDim = sizes[i + 1];
    const std = Math.sqrt(2 / inDim);
    const W = new Float32Array(inDim * outDim);
    for (let j = 0; j < W.length; j++) W[j] = std * randNormal(rng);
    return { W, b: new Float32Array(outDim), inDim, outDim };
  });
  return { arch: structuredClone(arch), inputDim, numPdfs, layers };
}

/** Copy weights (deep), e.g. to keep the best epoch while training continues. */
export function cloneDnnWeights(w: DnnWeights): DnnWeights {
  return {
    arch: structuredClone(w.arch),
    inputDim: w.inputDim,
    numPdfs: w.numPdfs,
    layers: w.layers.map((l) => ({ W: l.W.slice(), b: l.b.slice(), inDim: l.inDim, outDim: l.outDim })),
  };
}
