// npm run bench -- distill-stream: streamed distillation (issue 25).
//  - builds the 20-hour synthetic archive of frame-stream.bench.ts (7.2M frames x 40 dims, 15
//    shards of 500k frames, with alignments) and a teacher (a random 440-512-12 DNN: speed and
//    memory depend only on the sizes);
//  - distills it into a 440-2x256-12 student for one epoch with the default --max-memory-frames
//    (streamed: the teacher's targets computed per window) in a child process, and reports that
//    process's peak RSS (the target: under 2 GB);
//  - on a 2-hour archive that fits in memory, distills one epoch held in memory and one streamed
//    (--max-memory-frames below its size) and compares frames per CPU second: with one epoch both
//    run the teacher once over every frame (streamed, it runs again each further epoch).
// ASR_DISTILL_BENCH_HOURS sets the big archive's hours (default 20).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLangDir } from '../src/lang/lang-dir.js';
import { DEFAULT_MAX_MEMORY_FRAMES } from '../src/nnet/frame-stream.js';
import { namedTransitionModel, writeRandomModel } from '../test/nnet/pipeline-fixtures.js';
import { writeArchive } from './frame-stream.bench.js';
import { runStreamJob, type StreamJobResult } from './stream-job.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

type JobResult = StreamJobResult;

function distillChild(dirs: { featsDir: string; aliDir: string }, teacher: string, outDir: string, budget: number, arch: string, backend: string): Promise<JobResult> {
  return runStreamJob(path.join(HERE, 'distill-stream-job.ts'), [dirs.featsDir, dirs.aliDir, teacher, outDir, String(budget), arch, backend]);
}

export async function run(): Promise<Record<string, unknown>> {
  const hours = Math.max(0.1, Number(process.env.ASR_DISTILL_BENCH_HOURS ?? 20) || 20);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-distill-stream-'));
  const arch = '2x256';
  const backend = process.env.ASR_DISTILL_BENCH_BACKEND ?? 'auto';
  try {
    const out: Record<string, unknown> = { loadAverage: os.loadavg().map((x) => +x.toFixed(1)), cpus: os.cpus().length, teacher: '440-512-12', student: `440-${arch}-12`, batch: 512 };
    const small = await writeArchive(root, 'small', 720_000, 100_000);
    const lang = await readLangDir(path.join(root, 'lang'));
    const teacher = path.join(root, 'teacher');
    await writeRandomModel(teacher, { featDim: 40, left: 5, right: 5, tm: namedTransitionModel(lang.phones.slice(1), 3), seed: 1, hidden: 512 });
    // Same data both ways: 2 h (720k frames, 8 shards of 100k) fits the default budget; 300k frames streams it.
    out.inMemory2h = await distillChild(small, teacher, path.join(root, 'student-mem'), DEFAULT_MAX_MEMORY_FRAMES, arch, backend);
    out.streamed2h = { maxMemoryFrames: 300_000, ...(await distillChild(small, teacher, path.join(root, 'student-stream'), 300_000, arch, backend)) };
    const mem = out.inMemory2h as JobResult;
    const str = out.streamed2h as JobResult;
    out.streamedVsInMemory = {
      framesPerCpuSec: +(str.framesPerCpuSec / mem.framesPerCpuSec).toFixed(3),
      peakRss: +(str.peakRssMB / mem.peakRssMB).toFixed(3),
    };
    await fs.rm(small.featsDir, { recursive: true });

    const t0 = performance.now();
    const big = await writeArchive(root, 'big', Math.round(hours * 360_000));
    out.archive = { hours, frames: Math.round(hours * 360_000), buildSec: +((performance.now() - t0) / 1000).toFixed(1) };
    out.big = { maxMemoryFrames: DEFAULT_MAX_MEMORY_FRAMES, ...(await distillChild(big, teacher, path.join(root, 'student-big'), DEFAULT_MAX_MEMORY_FRAMES, arch, backend)) };
    out.loadAverageAfter = os.loadavg().map((x) => +x.toFixed(1));
    return out;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
