// npm run bench -- distill-stream: streamed distillation (issue 25).
//  - builds the 20-hour synthetic archive of frame-stream.bench.ts (7.2M frames x 40 dims, 15
//    shards of 500k frames, with alignments) and a teacher (a random 440-512-12 DNN: speed and
//    memory depend only on the sizes);
//  - distills it into a 440-2x256-12 student for one epoch with the default --max-memory-frames
//    (streamed: the teacher's targets computed per window) in a child process, and reports that
//    process's peak RSS (the target: under 2 GB);
//  - on a 2-hour archive that fits in memory, distills one epoch held in memory and one streamed
//    (--max-memory-frames below its size) and compares frames per CPU second: with one epoch both
//    run the teacher once over every frame (streamed, it runs again each further epoch);
//  - the streamed top-K soft-target cache (`distill --soft-targets top-k:20 --cache DIR`) on that
//    streamed 2-hour set: a run of 2 epochs with an empty cache (epoch 1 runs the teacher over each
//    shard and writes its file, epoch 2 reads them), then a new student's 1-epoch run on the full
//    cache (no teacher pass), against a 1-epoch run that writes the cache: frames per CPU second
//    and peak RSS of each run.
// ASR_DISTILL_BENCH_HOURS sets the big archive's hours (default 20; 0 leaves the big archive out).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLangDir } from '../src/lang/lang-dir.js';
import { DEFAULT_MAX_MEMORY_FRAMES } from '../src/nnet/frame-stream.js';
import { namedTransitionModel, writeRandomModel } from '../test/nnet/pipeline-fixtures.js';
import { writeArchive } from './frame-stream.bench.js';
import { runChild, type StreamJobResult } from './child-run.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

type JobResult = StreamJobResult;

function distillChild(dirs: { featsDir: string; aliDir: string }, teacher: string, outDir: string, budget: number, arch: string, backend: string, cached?: { soft: string; cache: string; epochs: number }): Promise<JobResult> {
  const more = cached ? [cached.soft, cached.cache, String(cached.epochs)] : [];
  return runChild<JobResult>(path.join(HERE, 'distill-stream-job.ts'), [dirs.featsDir, dirs.aliDir, teacher, outDir, String(budget), arch, backend, ...more]);
}

export async function run(): Promise<Record<string, unknown>> {
  const env = Number(process.env.ASR_DISTILL_BENCH_HOURS ?? 20);
  const hours = env === 0 ? 0 : Math.max(0.1, env || 20);
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
    // The top-K cache of the streamed set: directory of per-shard files (soft-target-cache.ts).
    const topK = (cache: string, epochs: number) => ({ soft: 'top-k:20', cache: path.join(root, cache), epochs });
    out.cacheTwoEpochs2h = { maxMemoryFrames: 300_000, ...(await distillChild(small, teacher, path.join(root, 'student-c2'), 300_000, arch, backend, topK('cache-a', 2))) };
    out.cacheWrite2h = { maxMemoryFrames: 300_000, ...(await distillChild(small, teacher, path.join(root, 'student-cw'), 300_000, arch, backend, topK('cache-b', 1))) };
    out.cacheRead2h = { maxMemoryFrames: 300_000, ...(await distillChild(small, teacher, path.join(root, 'student-cr'), 300_000, arch, backend, topK('cache-b', 1))) };
    const cw = out.cacheWrite2h as JobResult;
    const cr = out.cacheRead2h as JobResult;
    out.cacheReadVsWrite = { framesPerCpuSec: +(cr.framesPerCpuSec / cw.framesPerCpuSec).toFixed(3), peakRss: +(cr.peakRssMB / cw.peakRssMB).toFixed(3) };
    await fs.rm(small.featsDir, { recursive: true });
    if (hours === 0) {
      out.loadAverageAfter = os.loadavg().map((x) => +x.toFixed(1));
      return out;
    }

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
