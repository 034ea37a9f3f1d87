// A tiny deterministic BatchSource for nnet tests: Gaussian clusters, one per pdf, in `inputDim`
// dimensions; batches shuffled per epoch with a seeded generator (like batches.ts does).
import { makeRng, randNormal, shuffleInPlace } from '../../src/data/random.js';
import type { TrainBatch } from '../../src/nnet/trainer.js';
import type { TrainBatchSource, TrainOptions } from '../../src/nnet/train.js';
import { parseArch } from '../../src/nnet/arch.js';

export function clusterSource(opts: { numFrames: number; inputDim: number; numPdfs: number; seed: number; noise?: number; poison?: { epoch: number; batch: number } }): TrainBatchSource & { x: Float32Array; labels: Int32Array } {
  const { numFrames, inputDim, numPdfs, seed } = opts;
  // Same centres for every seed (train and dev sets differ only in their samples).
  const centreRng = makeRng('centres', `${numPdfs}x${inputDim}`);
  const centres = Float32Array.from({ length: numPdfs * inputDim }, () => randNormal(centreRng));
  const rng = makeRng(seed, 'clusters');
  const x = new Float32Array(numFrames * inputDim);
  const labels = new Int32Array(numFrames);
  const noise = opts.noise ?? 0.7;
  for (let t = 0; t < numFrames; t++) {
    const c = t % numPdfs;
    labels[t] = c;
    for (let d = 0; d < inputDim; d++) x[t * inputDim + d] = centres[c * inputDim + d] + noise * randNormal(rng);
  }
  return {
    inputDim,
    numPdfs,
    numFrames,
    x,
    labels,
    *batches(epoch: number, batchSize: number): Iterable<TrainBatch> {
      const order = shuffleInPlace(makeRng(seed, `epoch-${epoch}`), Int32Array.from({ length: numFrames }, (_, i) => i));
      for (let s = 0, k = 0; s < numFrames; s += batchSize, k++) {
        const n = Math.min(batchSize, numFrames - s);
        const bx = new Float32Array(n * inputDim);
        const bl = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const t = order[s + i];
          bx.set(x.subarray(t * inputDim, (t + 1) * inputDim), i * inputDim);
          bl[i] = labels[t];
        }
        if (opts.poison && opts.poison.epoch === epoch && opts.poison.batch === k) bx[0] = NaN;
        yield { size: n, x: bx, labels: bl };
      }
    },
  };
}

/**
 * trainModel options over clusterSource data (400 train / 200 dev frames of 10 dims, 5 pdfs): a
 * 32x2 net with dropout and max-norm, SGD with momentum, newbob, cross-entropy; `over` replaces fields.
 */
export function clusterTrainOptions(outDir: string, over: Partial<TrainOptions> = {}): TrainOptions {
  return {
    arch: parseArch('{"hidden":[32,32],"dropout":0.1,"maxNorm":3}'),
    inputDim: 10,
    numPdfs: 5,
    train: clusterSource({ numFrames: 400, inputDim: 10, numPdfs: 5, seed: 1 }),
    dev: clusterSource({ numFrames: 200, inputDim: 10, numPdfs: 5, seed: 2 }),
    epochs: 4,
    batchSize: 32,
    optimizer: 'sgd',
    learningRate: 0.05,
    momentum: 0.9,
    newbob: { halveWhenGainBelow: 0.01, stopWhenGainBelow: 0.001, maxHalvings: 6 },
    loss: { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 },
    seed: 7,
    outDir,
    progress: { label: 'test', quiet: true },
    ...over,
  };
}
