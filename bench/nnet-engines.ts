// The engine comparison of bench/nnet.bench.ts (issue 22): training (SGD with momentum, Adam) and
// forward frames/s at batch 256 on 440-1024x4-500 and 440-256x3-70, tfjs wasm vs ONNX Runtime, one
// thread each, measured one after the other in the same run; and two ORT trainers side by side.
import { selectBackend } from '../src/nnet/backend.js';
import { parseArch } from '../src/nnet/arch.js';
import { DnnForward, initDnnWeights } from '../src/nnet/model.js';
import { OrtDnnForward } from '../src/nnet/ort/forward.js';
import { timeTrainSteps, timeTrainStepsInWorkers, type StepBenchInput } from './nnet-bench-job.js';

const BATCH = 256;
const INPUT_DIM = 440;

/** The two sizes the issue names; step counts are for SCALE 1 (about 1-3 s of timing each). */
const NETS = [
  { name: '440-1024x4-500', arch: '4x1024', numPdfs: 500, trainSteps: 12, forwardReps: 40 },
  { name: '440-256x3-70', arch: '3x256', numPdfs: 70, trainSteps: 120, forwardReps: 400 },
];

type Engine = 'wasm' | 'ort';

async function forwardFramesPerSec(engine: Engine, arch: string, numPdfs: number, reps: number): Promise<number> {
  const w = initDnnWeights(parseArch(arch), INPUT_DIM, numPdfs, 2);
  const f = engine === 'ort' ? await OrtDnnForward.create(w, BATCH) : new DnnForward(w, BATCH);
  const x = Float32Array.from({ length: BATCH * INPUT_DIM }, (_, i) => Math.sin(i));
  try {
    for (let i = 0; i < 10; i++) f.posteriors(x, BATCH);
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f.posteriors(x, BATCH);
    return (BATCH * reps) / ((performance.now() - t0) / 1000);
  } finally {
    f.dispose();
  }
}

/** Frames/s per engine and net; `steps(n)` scales step counts (ASR_DISTILL_BENCH_SCALE). */
export async function compareEngines(steps: (n: number) => number): Promise<Record<string, unknown>> {
  await selectBackend('wasm');
  const out: Record<string, unknown> = {};
  for (const net of NETS) {
    const row: Record<string, Record<string, number>> = {};
    for (const engine of ['wasm', 'ort'] as const) {
      // ORT reaches its steady speed after some steps (the allocator stops faulting in fresh pages).
      const base = { arch: net.arch, inputDim: INPUT_DIM, numPdfs: net.numPdfs, batchSize: BATCH, warmupSteps: engine === 'ort' ? 10 : 2, seed: 1, engine };
      const sgd = await timeTrainSteps({ ...base, steps: steps(net.trainSteps), optimizer: 'sgd' });
      const adam = await timeTrainSteps({ ...base, steps: steps(net.trainSteps), optimizer: 'adam' });
      row[engine] = {
        trainSgdFramesPerSec: Math.round(sgd.framesPerSec),
        trainAdamFramesPerSec: Math.round(adam.framesPerSec),
        // Per second of this process's CPU time: robust to other jobs on a shared machine.
        trainSgdFramesPerCpuSec: Math.round(sgd.framesPerCpuSec),
        trainAdamFramesPerCpuSec: Math.round(adam.framesPerCpuSec),
        forwardFramesPerSec: Math.round(await forwardFramesPerSec(engine, net.arch, net.numPdfs, steps(net.forwardReps))),
      };
    }
    const ratio = (k: string) => +(row.ort[k] / row.wasm[k]).toFixed(2);
    out[net.name] = {
      ...row,
      ortOverWasm: {
        trainSgd: ratio('trainSgdFramesPerSec'),
        trainAdam: ratio('trainAdamFramesPerSec'),
        trainSgdCpu: ratio('trainSgdFramesPerCpuSec'),
        trainAdamCpu: ratio('trainAdamFramesPerCpuSec'),
        forward: ratio('forwardFramesPerSec'),
      },
    };
  }
  const input: StepBenchInput = { arch: '4x1024', inputDim: INPUT_DIM, numPdfs: 500, batchSize: BATCH, warmupSteps: 10, steps: steps(12), optimizer: 'adam', seed: 1, engine: 'ort' };
  const one = (await timeTrainStepsInWorkers(1, input)).aggregate;
  const two = (await timeTrainStepsInWorkers(2, input)).aggregate;
  out.ortTwoTrainersSideBySide = { model: '440-1024x4-500 adam', oneFramesPerSec: Math.round(one), twoAggregateFramesPerSec: Math.round(two), scaling: +(two / one).toFixed(2), target: 1.8 };
  return out;
}
