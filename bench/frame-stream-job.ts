// Child process of bench/frame-stream.bench.ts: one `train` run (trainDnnDir, the code behind
// `asr-distill train`) on FEATS_DIR + ALI_DIR with a --max-memory-frames budget, in a process of its
// own so that its peak RSS (getrusage ru_maxrss) is the training's alone. Prints one JSON line.
//   node --import tsx bench/frame-stream-job.ts FEATS_DIR ALI_DIR OUT_DIR MAX_MEMORY_FRAMES ARCH BACKEND
import { trainDnnDir } from '../src/nnet/train-worker.js';
import { parseArch } from '../src/nnet/arch.js';
import { printStreamJobResult } from './child-run.js';
import type { BackendName } from '../src/nnet/backend-name.js';

const [featsDir, aliDir, outDir, budget, arch, backend] = process.argv.slice(2);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await trainDnnDir({
  featsDir,
  aliDir,
  outDir,
  arch: parseArch(arch),
  seed: 1,
  settings: { context: { left: 5, right: 5 }, epochs: 1, batchSize: 512, learningRate: 0.001, optimizer: 'adam', backend: backend as BackendName, maxMemoryFrames: Number(budget) },
  resume: false,
  label: 'bench',
});
printStreamJobResult(r, t0, cpu0, { engine: r.backend });
