// Job module for test/nnet/train-in-workers.test.ts: train a tiny model on this thread's own backend.
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { parseArch } from '../../src/nnet/arch.js';
import { trainModel } from '../../src/nnet/train.js';
import { clusterSource } from './synthetic-source.js';

export async function trainTiny(input: { seed: number; outDir: string; backend: 'wasm' | 'cpu' }): Promise<{ backend: string; W: number[]; devAcc: number }> {
  const backend = await selectBackend(input.backend);
  const { weights, history } = await trainModel({
    arch: parseArch('{"hidden":[16],"dropout":0.1}'),
    inputDim: 6,
    numPdfs: 3,
    train: clusterSource({ numFrames: 150, inputDim: 6, numPdfs: 3, seed: 1 }),
    dev: clusterSource({ numFrames: 60, inputDim: 6, numPdfs: 3, seed: 2 }),
    epochs: 2,
    batchSize: 16,
    optimizer: 'adam',
    learningRate: 0.01,
    loss: { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 },
    seed: input.seed,
    outDir: input.outDir,
    progress: { label: `seed ${input.seed}`, quiet: true },
  });
  return { backend, W: Array.from(weights.layers[0].W), devAcc: history[history.length - 1].devAcc! };
}
