// Worker job for bench/nnet.bench.ts: time hand-written training steps on this thread's own wasm
// backend (each worker thread loads its own tfjs + wasm instance), or on ONNX Runtime (one
// intra-op thread per session, ort/train-step.ts).
import { selectBackend } from '../src/nnet/tfjs/backend.js';
import { parseArch } from '../src/nnet/arch.js';
import { initDnnWeights } from '../src/nnet/weights.js';
import { TrainStep } from '../src/nnet/tfjs/train-step.js';
import { OrtTrainStep } from '../src/nnet/ort/train-step.js';
import { createJobRunner } from '../src/jobs/runner.js';
import { siblingModuleUrl } from '../src/jobs/module-url.js';
import { readFileSync } from 'node:fs';

/** CPU seconds of the calling thread (Linux /proc/thread-self/schedstat), else of the whole process. */
function threadCpuSeconds(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
  } catch {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  }
}

export interface StepBenchInput {
  arch: string;
  inputDim: number;
  numPdfs: number;
  batchSize: number;
  warmupSteps: number;
  steps: number;
  optimizer: 'sgd' | 'adam';
  seed: number;
  /** Default wasm. */
  engine?: 'wasm' | 'ort';
}

export interface StepBenchResult {
  backend: string;
  frames: number;
  seconds: number;
  framesPerSec: number;
  /** Wall-clock (ms since epoch) of the timed section, to compute the aggregate of overlapping jobs. */
  startMs: number;
  endMs: number;
  /** Frames per second of CPU time of this thread (of the process where the thread's is not
   * readable): robust to other processes on a shared machine. */
  framesPerCpuSec: number;
  /** Frames/s at the median step time: robust to the pauses a shared VM inserts now and then. */
  medianStepFramesPerSec: number;
}

/** Train `steps` minibatches of random data (after `warmupSteps`), return the timing. */
export async function timeTrainSteps(input: StepBenchInput): Promise<StepBenchResult> {
  const { inputDim, numPdfs, batchSize: M } = input;
  const w = initDnnWeights(parseArch(input.arch), inputDim, numPdfs, input.seed);
  const opts = { optimizer: input.optimizer, momentum: 0.9, loss: { kind: 'ce' as const, temperature: 1, hardWeight: 1, softWeight: 0 } };
  const backend = input.engine === 'ort' ? 'ort' : await selectBackend('wasm');
  const step = input.engine === 'ort' ? await OrtTrainStep.create(w, opts) : new TrainStep(w, opts);
  let s = input.seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const x = Float32Array.from({ length: M * inputDim }, () => rand() * 2 - 1);
  const labels = Int32Array.from({ length: M }, () => Math.floor(rand() * numPdfs));
  try {
    for (let i = 0; i < input.warmupSteps; i++) step.step({ size: M, x, labels }, 0.001, i);
    const startMs = Date.now();
    const cpu0 = threadCpuSeconds();
    const t0 = performance.now();
    const stepMs: number[] = [];
    for (let i = 0; i < input.steps; i++) {
      const s0 = performance.now();
      step.step({ size: M, x, labels }, 0.001, i);
      stepMs.push(performance.now() - s0);
    }
    const seconds = (performance.now() - t0) / 1000;
    const median = stepMs.sort((a, b) => a - b)[Math.floor(stepMs.length / 2)];
    const cpuSec = threadCpuSeconds() - cpu0;
    const frames = M * input.steps;
    return { backend, frames, seconds, framesPerSec: frames / seconds, startMs, endMs: Date.now(), framesPerCpuSec: frames / cpuSec, medianStepFramesPerSec: (M * 1000) / median };
  } finally {
    step.dispose();
  }
}

/**
 * `jobs` worker threads timing training steps side by side (seeds 1..jobs): each one's frames/s and
 * the aggregate over the span from the first start to the last end.
 */
export async function timeTrainStepsInWorkers(jobs: number, input: StepBenchInput): Promise<{ perJob: number[]; aggregate: number; results: StepBenchResult[] }> {
  const runner = createJobRunner({ jobs, backend: 'local' });
  try {
    const specs = Array.from({ length: jobs }, (_, i) => ({ module: siblingModuleUrl(import.meta.url, 'nnet-bench-job'), fn: 'timeTrainSteps', input: { ...input, seed: i + 1 } }));
    const res = await runner.run<StepBenchInput, StepBenchResult>(specs);
    const start = Math.min(...res.map((r) => r.startMs));
    const end = Math.max(...res.map((r) => r.endMs));
    const frames = res.reduce((a, r) => a + r.frames, 0);
    return { perJob: res.map((r) => Math.round(r.framesPerSec)), aggregate: frames / ((end - start) / 1000), results: res };
  } finally {
    await runner.close();
  }
}
