// Child process of bench/distill-stream.bench.ts: one `distill` run (the code behind `asr-distill
// distill`) of TEACHER into a student on FEATS_DIR + ALI_DIR with a --max-memory-frames budget, in a
// process of its own so that its peak RSS (getrusage ru_maxrss: with the teacher's worker thread)
// is the distillation's alone. Prints one JSON line. SOFT is --soft-targets (default full); CACHE
// (with top-k) is --cache, EPOCHS the epochs (default 1).
//   node --import tsx bench/distill-stream-job.ts FEATS_DIR ALI_DIR TEACHER OUT_DIR MAX_MEMORY_FRAMES ARCH BACKEND [SOFT [CACHE [EPOCHS]]]
import { distill } from '../src/nnet/distill.js';
import { parseArch } from '../src/nnet/arch.js';
import { parseSoftTargets } from '../src/nnet/targets.js';
import { printStreamJobResult } from './child-run.js';
import type { BackendName } from '../src/nnet/backend-name.js';

const [featsDir, aliDir, teacherDir, studentDir, budget, arch, backend, soft = 'full', cache = '', epochs = '1'] = process.argv.slice(2);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await distill({
  featsDir,
  aliDir,
  teacherDir,
  studentDir,
  arch: parseArch(arch),
  temperature: 2,
  hardWeight: 0.5,
  softTargets: parseSoftTargets(soft),
  ...(cache ? { cache } : {}),
  loss: 'soft-ce',
  seed: 1,
  settings: { context: { left: 5, right: 5 }, epochs: Number(epochs), batchSize: 512, learningRate: 0.001, optimizer: 'adam', backend: backend as BackendName, maxMemoryFrames: Number(budget) },
  quiet: true,
});
// The student's epoch figure includes, streamed, the teacher's passes over each window (in memory
// the one teacher pass comes before).
printStreamJobResult(r, t0, cpu0, cache ? { cacheUsed: r.cacheUsed, epochsFramesPerSec: r.history.map((h) => Math.round(h.framesPerSec)) } : {});
