// npm run bench -- nnet-pipeline: the DNN pipeline around the training step (issue 5):
//  - batch building (CMVN'd corpus -> spliced, shuffled batches) in frames/s, to show it is not the bottleneck;
//  - peak memory (RSS) of loading a recipe-size corpus (2400 utts, ~600k frames of 40 fbanks, the
//    digits recipe's --size default) and training 440 -> 4x512 on it (the first batches of an epoch);
//  - teacher soft targets (forward of an ensemble of 2 x 440-4x1024-500 + averaging, full and top-20);
//  - `ensemble` of 2 members with --jobs 2 vs --jobs 1 (the real trainEnsemble through the job runner,
//    wall clock including worker start-up and corpus loading), aggregate frames/s and the ratio.
// Synthetic features (class centroid + noise) stand in for real ones: speed and memory depend only
// on the sizes. ASR_DISTILL_BENCH_SCALE scales the corpus sizes (default 1).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFrameCorpus, createBatchSource, type BatchSource } from '../src/nnet/batches.js';
import { trainEnsemble, type AcousticModel } from '../src/nnet/ensemble.js';
import { tfjsAcousticForward } from '../src/nnet/engine.js';
import { initDnnWeights } from '../src/nnet/weights.js';
import { computeTeacherTargets } from '../src/nnet/teachers.js';
import { loadTrainingData } from '../src/nnet/train-worker.js';
import { trainModel } from '../src/nnet/train.js';
import { selectBackend } from '../src/nnet/tfjs/backend.js';
import { parseArch } from '../src/nnet/arch.js';
import { splicedDim } from '../src/nnet/splice.js';
import { writeSynthCorpusDirs } from '../test/nnet/pipeline-fixtures.js';

const SCALE = Math.max(0.05, Number(process.env.ASR_DISTILL_BENCH_SCALE ?? 1) || 1);
const MB = 1024 * 1024;

/** Only the first `maxBatches` batches of each epoch (bench: memory does not depend on the step count). */
function prefix(src: BatchSource, maxBatches: number, onBatch: () => void): BatchSource {
  return {
    ...src,
    numFrames: src.numFrames,
    *batches(epoch, batchSize) {
      let k = 0;
      for (const b of src.batches(epoch, batchSize)) {
        if (k++ >= maxBatches) return;
        onBatch();
        yield b;
      }
    },
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-nnet-pipeline-'));
  try {
    const out: Record<string, unknown> = { note: `machine shared with other jobs (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores): timings are noisy` };
    await selectBackend('wasm');
    const context = { left: 5, right: 5 };

    // Recipe-size corpus: memory and batch building.
    const big = await writeSynthCorpusDirs(root, { name: 'big', numUtts: Math.round(2400 * SCALE), dim: 40, seed: 1, minFrames: 150, maxFrames: 350 });
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
    const data = await loadTrainingData(big.featsDir, big.aliDir, {}, 1);
    sample();
    const corpus = data.train.corpus;
    const src = createBatchSource(corpus, { context, seed: 1 });
    let frames = 0;
    const t0 = performance.now();
    for (const b of src.batches(0, 256)) {
      frames += b.size;
      if (frames >= 200_000) break;
    }
    const batchFps = frames / ((performance.now() - t0) / 1000);
    sample();
    const arch = parseArch('4x512');
    const steps = 100;
    const t1 = performance.now();
    await trainModel({
      arch,
      inputDim: splicedDim(40, context),
      numPdfs: big.numPdfs,
      train: prefix(src, steps, sample),
      epochs: 1,
      batchSize: 256,
      optimizer: 'adam',
      learningRate: 0.001,
      loss: { kind: 'ce', temperature: 1, hardWeight: 1, softWeight: 0 },
      seed: 1,
      outDir: path.join(root, 'mem-train'),
      progress: { label: 'bench', quiet: true },
    });
    const trainFps = (steps * 256) / ((performance.now() - t1) / 1000);
    sample();
    Object.assign(out, {
      batchBuilding: { context: '5:5', featDim: 40, batch: 256, framesPerSec: Math.round(batchFps) },
      memory: {
        corpus: { utts: corpus.uttIds.length, frames: big.numFrames, featureMB: +((corpus.feats.byteLength) / MB).toFixed(1) },
        rssBeforeMB: Math.round(rss0 / MB),
        peakRssMB: Math.round(peak / MB),
        targetMB: 2048,
        meetsTarget: peak < 2048 * MB,
        what: `load + CMVN + batches + 440-4x512-${big.numPdfs} adam training (${steps} steps of 256)`,
        trainFramesPerSec: Math.round(trainFps),
      },
    });

    // Teacher soft targets: an ensemble of 2 x 440-4x1024-500 over the first frames of the corpus.
    const teacherFrames = Math.round(20_000 * SCALE);
    const sub = buildFrameCorpus(
      corpus.uttIds.slice(0, 200).map((uttId, u) => ({
        uttId,
        numFrames: corpus.uttStart[u + 1] - corpus.uttStart[u],
        data: corpus.feats.subarray(corpus.uttStart[u] * 40, corpus.uttStart[u + 1] * 40),
      })),
      40,
      500,
    );
    const teacherArch = parseArch('4x1024');
    const members = [1, 2].map((seed) => {
      const weights = initDnnWeights(teacherArch, 440, 500, seed);
      const meta = { type: 'dnn' as const, arch: teacherArch, context, inputDim: 440, numPdfs: 500, featDim: 40, features: {}, frameShiftMs: 10, cmvn: data.train.cmvn, priors: [], trainedOn: { feats: '', ali: null, numUtts: 0, numFrames: 0, date: '' } };
      return { dir: `member-${seed}`, meta, weights, transitionModel: { phones: [], numPdfs: 500, pdfToState: [] } };
    });
    const teacher: AcousticModel = { kind: 'ensemble', dir: 'bench-teacher', combine: 'arithmetic', members, meta: members[0].meta };
    const fwd = tfjsAcousticForward(teacher, 1024);
    const limited = { ...sub, uttIds: sub.uttIds.slice(0, sub.uttStart.findIndex((x) => x >= teacherFrames)) };
    limited.uttStart = sub.uttStart.subarray(0, limited.uttIds.length + 1);
    const nFrames = limited.uttStart[limited.uttIds.length];
    const teacherFps: Record<string, number> = {};
    for (const mode of [{ kind: 'full' as const }, { kind: 'top-k' as const, k: 20 }]) {
      const t = performance.now();
      await computeTeacherTargets(fwd, limited, { temperature: 2, mode });
      teacherFps[mode.kind] = Math.round(nFrames / ((performance.now() - t) / 1000));
    }
    fwd.dispose();
    out.teacherTargets = { teacher: '2 members x 440-4x1024-500', temperature: 2, frames: nFrames, chunk: 1024, framesPerSec: teacherFps, memberForwardFramesPerSec: { full: 2 * teacherFps.full } };

    // Ensemble of 2 members, --jobs 1 vs --jobs 2.
    const small = await writeSynthCorpusDirs(root, { name: 'small', numUtts: Math.round(120 * SCALE), dim: 40, seed: 2, minFrames: 150, maxFrames: 350 });
    const scaling: Record<string, unknown> = { members: 2, arch: `440-4x512-${small.numPdfs}`, framesPerMember: small.numFrames, epochs: 1, batch: 256 };
    const fps: Record<number, number> = {};
    for (const jobs of [1, 2]) {
      const t = performance.now();
      const cpu0 = process.cpuUsage();
      const r = await trainEnsemble({
        featsDir: small.featsDir,
        aliDir: small.aliDir,
        ensDir: path.join(root, `ens-j${jobs}`),
        numMembers: 2,
        archs: [arch],
        combine: 'arithmetic',
        baseSeed: 1,
        jobs,
        settings: { context, epochs: 1, batchSize: 256, learningRate: 0.001, optimizer: 'adam', backend: 'wasm' },
        quiet: true,
      });
      const sec = (performance.now() - t) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuSec = (cpu.user + cpu.system) / 1e6;
      fps[jobs] = (2 * small.numFrames) / sec;
      scaling[`jobs${jobs}`] = {
        wallSec: +sec.toFixed(2),
        // CPU seconds this process got per wall second: ~jobs on an idle machine; lower = other load took the cores.
        cpuSec: +cpuSec.toFixed(2),
        coresUsed: +(cpuSec / sec).toFixed(2),
        aggregateFramesPerSec: Math.round(fps[jobs]),
        memberTrainFramesPerSec: r.members.map((m) => Math.round(m.result!.history[0].framesPerSec)),
      };
    }
    scaling.ratioJobs2OverJobs1 = +(fps[2] / fps[1]).toFixed(2);
    scaling.target = 1.8;
    scaling.meetsTarget = fps[2] / fps[1] >= 1.8;
    out.ensembleJobs = scaling;
    return out;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
