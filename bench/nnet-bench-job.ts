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

/**
 * The calling thread's scheduler counters (Linux /proc/thread-self/schedstat: ns on the CPU, ns
 * runnable but waiting for one) and minor page faults (/proc/thread-self/stat field 10); zeros elsewhere.
 * Wall time a step spends neither on the CPU nor runnable is time the thread was blocked.
 */
function threadCounters(): { cpuMs: number; runqMs: number; minorFaults: number } {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const minorFaults = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
    return { cpuMs: Number(run) / 1e6, runqMs: Number(wait) / 1e6, minorFaults };
  } catch {
    const c = process.cpuUsage();
    return { cpuMs: (c.user + c.system) / 1e3, runqMs: 0, minorFaults: 0 };
  }
}

/** One timed step of a trace: when it started (ms since the epoch, sub-ms), its wall and thread CPU ms. */
export interface StepTrace {
  startMs: number;
  wallMs: number;
  cpuMs: number;
  /** Runnable but not running (another thread had the core). */
  runqMs: number;
  minorFaults: number;
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
  /**
   * Side-by-side runs: an Int32Array(1) over a SharedArrayBuffer that every job increments after
   * its warm-up, then waits until it reads `parties`, so the timed windows start together.
   */
  startBarrier?: SharedArrayBuffer;
  parties?: number;
  /** Return per-step timings (StepBenchResult.trace). */
  trace?: boolean;
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
  /** CPU seconds of the timed steps (this thread's). */
  cpuSeconds: number;
  trace?: StepTrace[];
}

/** Wait until `parties` jobs have called this with the same barrier (Atomics on shared memory). */
function awaitBarrier(barrier: SharedArrayBuffer, parties: number): void {
  const a = new Int32Array(barrier);
  if (Atomics.add(a, 0, 1) + 1 >= parties) {
    Atomics.notify(a, 0);
    return;
  }
  for (let seen = Atomics.load(a, 0); seen < parties; seen = Atomics.load(a, 0)) {
    if (Atomics.wait(a, 0, seen, 120_000) === 'timed-out') throw new Error(`bench: ${parties - seen} side-by-side job(s) never reached the start`);
  }
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
    if (input.startBarrier) awaitBarrier(input.startBarrier, input.parties ?? 1);
    const origin = performance.timeOrigin;
    const t0 = performance.now();
    const cpu0 = threadCpuSeconds();
    const stepMs: number[] = [];
    const trace: StepTrace[] = [];
    for (let i = 0; i < input.steps; i++) {
      const c0 = input.trace ? threadCounters() : undefined;
      const s0 = performance.now();
      step.step({ size: M, x, labels }, 0.001, i);
      const wallMs = performance.now() - s0;
      stepMs.push(wallMs);
      if (c0) {
        const c1 = threadCounters();
        trace.push({ startMs: origin + s0, wallMs, cpuMs: c1.cpuMs - c0.cpuMs, runqMs: c1.runqMs - c0.runqMs, minorFaults: c1.minorFaults - c0.minorFaults });
      }
    }
    const t1 = performance.now();
    const cpuSec = threadCpuSeconds() - cpu0;
    const seconds = (t1 - t0) / 1000;
    const median = stepMs.sort((a, b) => a - b)[Math.floor(stepMs.length / 2)];
    const frames = M * input.steps;
    return {
      backend, frames, seconds, framesPerSec: frames / seconds, startMs: origin + t0, endMs: origin + t1, framesPerCpuSec: frames / cpuSec,
      medianStepFramesPerSec: (M * 1000) / median, cpuSeconds: cpuSec, ...(input.trace ? { trace } : {}),
    };
  } finally {
    step.dispose();
  }
}

/** What one trainer of a side-by-side run did inside the window where all of them were timing. */
export interface OverlapShare {
  /** Its timed window, ms from the earliest start. */
  startMs: number;
  endMs: number;
  /** Frames of its steps inside the common window (a step cut by the window's edge counts pro rata). */
  framesInOverlap: number;
  /** Its thread's CPU ms inside the common window (pro rata per step, from the trace). */
  cpuMsInOverlap: number;
  /** Wall ms of its steps inside the window in which the thread was neither on a CPU nor runnable. */
  blockedMsInOverlap: number;
  runqueueMsInOverlap: number;
  minorFaultsPerStep: number;
}

/**
 * The common window of traced runs (from the latest start to the earliest end) and each run's
 * share of it: frames, CPU, blocked and runqueue time pro rata of the steps it cuts.
 */
export function overlapOf(results: StepBenchResult[]): { overlapMs: number; spanMs: number; aggregateInOverlap: number; shares: OverlapShare[] } {
  const first = Math.min(...results.map((r) => r.startMs));
  const lo = Math.max(...results.map((r) => r.startMs));
  const hi = Math.min(...results.map((r) => r.endMs));
  const overlapMs = Math.max(0, hi - lo);
  const shares = results.map((r) => {
    const trace = r.trace ?? [];
    const perStep = r.frames / Math.max(1, trace.length);
    const share: OverlapShare = { startMs: r.startMs - first, endMs: r.endMs - first, framesInOverlap: 0, cpuMsInOverlap: 0, blockedMsInOverlap: 0, runqueueMsInOverlap: 0, minorFaultsPerStep: 0 };
    for (const t of trace) {
      const inside = Math.max(0, Math.min(hi, t.startMs + t.wallMs) - Math.max(lo, t.startMs));
      const f = t.wallMs > 0 ? inside / t.wallMs : 0;
      share.framesInOverlap += f * perStep;
      share.cpuMsInOverlap += f * t.cpuMs;
      share.runqueueMsInOverlap += f * t.runqMs;
      share.blockedMsInOverlap += f * Math.max(0, t.wallMs - t.cpuMs - t.runqMs);
      share.minorFaultsPerStep += t.minorFaults / trace.length;
    }
    return share;
  });
  const frames = shares.reduce((a, s) => a + s.framesInOverlap, 0);
  return { overlapMs, spanMs: Math.max(...results.map((r) => r.endMs)) - first, aggregateInOverlap: overlapMs > 0 ? frames / (overlapMs / 1000) : 0, shares };
}

/**
 * `jobs` worker threads timing training steps side by side (seeds 1..jobs): each one's frames/s and
 * the aggregate over the span from the first start to the last end. With several jobs, each waits
 * after its warm-up until all are ready (a barrier), so the timed windows start together: without
 * it the later thread's module loading and session creation (~0.9 s under load) left the first
 * timing alone and the aggregate's span counted that time as if both were running.
 */
export async function timeTrainStepsInWorkers(jobs: number, input: StepBenchInput): Promise<{ perJob: number[]; aggregate: number; results: StepBenchResult[] }> {
  const runner = createJobRunner({ jobs, backend: 'local' });
  try {
    const together = jobs > 1 ? { startBarrier: new SharedArrayBuffer(4), parties: jobs } : {};
    const specs = Array.from({ length: jobs }, (_, i) => ({ module: siblingModuleUrl(import.meta.url, 'nnet-bench-job'), fn: 'timeTrainSteps', input: { ...input, ...together, seed: i + 1 } }));
    const res = await runner.run<StepBenchInput, StepBenchResult>(specs);
    const start = Math.min(...res.map((r) => r.startMs));
    const end = Math.max(...res.map((r) => r.endMs));
    const frames = res.reduce((a, r) => a + r.frames, 0);
    return { perJob: res.map((r) => Math.round(r.framesPerSec)), aggregate: frames / ((end - start) / 1000), results: res };
  } finally {
    await runner.close();
  }
}
