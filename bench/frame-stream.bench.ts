// npm run bench -- frame-stream: streamed training data (issue 25).
//  - builds a 20-hour feature archive (7.2M frames x 40 dims, 1.15 GB of float32 in 15 shards of
//    500k frames, the `features` default) with alignments, from synthetic frames (class centroid +
//    noise: speed and memory depend only on the sizes), written shard by shard;
//  - trains one epoch on it with the default --max-memory-frames (streamed) in a child process and
//    reports that process's peak RSS (the target: under 2 GB);
//  - on a 2-hour archive that fits in memory, trains one epoch held in memory and one streamed
//    (--max-memory-frames below its size) and compares frames per CPU second (the machine is
//    shared, so wall-clock rates move with the load; CPU seconds much less).
// ASR_DISTILL_BENCH_HOURS sets the big archive's hours (default 20).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultFbankConfig } from '../src/features/config.js';
import { writeFeatsInfo, writeFeatsShard, shardFileName, type UttFeats } from '../src/store/feats-archive.js';
import { writeAlignments, type UttAlignment } from '../src/hmm/ali-archive.js';
import { readLangDir, writeLangDir } from '../src/lang/lang-dir.js';
import { DEFAULT_SHARD_FRAMES } from '../src/features/extract.js';
import { DEFAULT_MAX_MEMORY_FRAMES } from '../src/nnet/frame-stream.js';
import { namedTransitionModel } from '../test/nnet/pipeline-fixtures.js';
import { runChild, type StreamJobResult } from './child-run.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIM = 40;
const UTT_FRAMES = 300;

/**
 * A FEATS_DIR + ALI_DIR of `frames` frames written one shard at a time (never the whole archive in
 * memory): utterances of 300 frames, each frame its pdf's centroid plus uniform noise.
 * (Also used by distill-stream.bench.ts.)
 */
export async function writeArchive(root: string, name: string, frames: number, shardFrames = DEFAULT_SHARD_FRAMES): Promise<{ featsDir: string; aliDir: string }> {
  const langDir = path.join(root, 'lang');
  await writeLangDir(langDir, { lexicon: new Map([['w', [['P1', 'P2']]]]), oovWord: '<unk>' }).catch(() => undefined);
  const lang = await readLangDir(langDir);
  const tm = namedTransitionModel(lang.phones.slice(1), 3);
  const featsDir = path.join(root, `feats-${name}`);
  await fs.mkdir(featsDir, { recursive: true });
  let seed = 12345;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const numUtts = Math.ceil(frames / UTT_FRAMES);
  const uttsPerShard = Math.max(1, Math.floor(shardFrames / UTT_FRAMES));
  const alis: UttAlignment[] = [];
  const shards: string[] = [];
  let total = 0;
  for (let first = 0; first < numUtts; first += uttsPerShard) {
    const records: UttFeats[] = [];
    for (let u = first; u < Math.min(numUtts, first + uttsPerShard); u++) {
      const n = Math.min(UTT_FRAMES, frames - u * UTT_FRAMES);
      const pdfIds = new Int32Array(n);
      const data = new Float32Array(n * DIM);
      let p = Math.floor(rand() * tm.numPdfs);
      for (let t = 0; t < n; t++) {
        if (rand() < 0.1) p = (p + 1) % tm.numPdfs;
        pdfIds[t] = p;
        for (let d = 0; d < DIM; d++) data[t * DIM + d] = ((p * 7 + d) % 11) / 5 + (rand() - 0.5);
      }
      const uttId = `utt${String(u).padStart(7, '0')}`;
      records.push({ uttId, speakerId: `spk${u % 50}`, numFrames: n, dim: DIM, data });
      alis.push({ uttId, pdfIds, phoneIds: pdfIds.map((q) => tm.pdfToState[q][0]) });
      total += n;
    }
    const shard = shardFileName(shards.length + 1);
    await writeFeatsShard(path.join(featsDir, shard), records);
    shards.push(shard);
  }
  await writeFeatsInfo(featsDir, { config: defaultFbankConfig({ numMelBins: DIM }), dim: DIM, numUtts, numFrames: total, frameShiftMs: 10, shards });
  const aliDir = path.join(root, `ali-${name}`);
  await writeAlignments(aliDir, alis, { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts, numFrames: total, failed: [] }, tm, lang);
  return { featsDir, aliDir };
}

type JobResult = StreamJobResult & { engine: string };

function trainChild(dirs: { featsDir: string; aliDir: string }, outDir: string, budget: number, arch: string, backend: string): Promise<JobResult> {
  return runChild<JobResult>(path.join(HERE, 'frame-stream-job.ts'), [dirs.featsDir, dirs.aliDir, outDir, String(budget), arch, backend]);
}

export async function run(): Promise<Record<string, unknown>> {
  const hours = Math.max(0.1, Number(process.env.ASR_DISTILL_BENCH_HOURS ?? 20) || 20);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-frame-stream-'));
  const arch = '2x256';
  const backend = process.env.ASR_DISTILL_BENCH_BACKEND ?? 'auto';
  try {
    const out: Record<string, unknown> = { loadAverage: os.loadavg().map((x) => +x.toFixed(1)), cpus: os.cpus().length, arch: `440-${arch}-12`, batch: 512 };
    const t0 = performance.now();
    const big = await writeArchive(root, 'big', Math.round(hours * 360_000));
    const bytes = (await fs.readdir(big.featsDir)).filter((f) => f.endsWith('.arrow'));
    let size = 0;
    for (const f of bytes) size += (await fs.stat(path.join(big.featsDir, f))).size;
    out.archive = { hours, frames: Math.round(hours * 360_000), shards: bytes.length, featsMB: Math.round(size / 2 ** 20), buildSec: +((performance.now() - t0) / 1000).toFixed(1) };
    out.big = { maxMemoryFrames: DEFAULT_MAX_MEMORY_FRAMES, streamed: Math.round(hours * 360_000) > DEFAULT_MAX_MEMORY_FRAMES, ...(await trainChild(big, path.join(root, 'dnn-big'), DEFAULT_MAX_MEMORY_FRAMES, arch, backend)) };
    await fs.rm(big.featsDir, { recursive: true });

    // Same data both ways: 2 h (720k frames, 8 shards of 100k) fits the default budget; 300k frames streams it in windows of one shard.
    const small = await writeArchive(root, 'small', 720_000, 100_000);
    out.inMemory2h = await trainChild(small, path.join(root, 'dnn-mem'), DEFAULT_MAX_MEMORY_FRAMES, arch, backend);
    out.streamed2h = { maxMemoryFrames: 300_000, ...(await trainChild(small, path.join(root, 'dnn-stream'), 300_000, arch, backend)) };
    const mem = out.inMemory2h as JobResult;
    const str = out.streamed2h as JobResult;
    out.streamedVsInMemory = {
      framesPerCpuSec: +(str.framesPerCpuSec / mem.framesPerCpuSec).toFixed(3),
      epochFramesPerSec: +(str.epochFramesPerSec / mem.epochFramesPerSec).toFixed(3),
      peakRss: +(str.peakRssMB / mem.peakRssMB).toFixed(3),
    };
    out.loadAverageAfter = os.loadavg().map((x) => +x.toFixed(1));
    return out;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
