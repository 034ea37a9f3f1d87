// npm run bench -- distill: distillation with transfer noise (the digits recipe's default), where
// the teacher's targets are computed per batch. A 4-member ensemble of 440-3x256 DNNs (the recipe's
// members) teaches a student of the same size for one epoch, with the teacher in the training
// thread (--teacher-jobs 0) and in a job-runner worker (--teacher-jobs 1, the default on 2 cores):
// student frames/s for each and the speed-up. Both students must be identical (checked here too).
// Synthetic features stand in for real ones: speed depends only on the sizes.
// ASR_DISTILL_BENCH_SCALE scales the corpus (default 1: 300 utterances, ~75k frames).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArch } from '../src/nnet/arch.js';
import { selectBackend } from '../src/nnet/tfjs/backend.js';
import { distill } from '../src/nnet/distill.js';
import { trainEnsemble } from '../src/nnet/ensemble.js';
import { writeSynthCorpusDirs } from '../test/nnet/pipeline-fixtures.js';

const SCALE = Math.max(0.05, Number(process.env.ASR_DISTILL_BENCH_SCALE ?? 1) || 1);

export async function run(): Promise<Record<string, unknown>> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-distill-'));
  try {
    await selectBackend('wasm');
    const arch = parseArch('3x256');
    const context = { left: 5, right: 5 };
    const data = await writeSynthCorpusDirs(root, { name: 'train', numUtts: Math.round(300 * SCALE), dim: 40, seed: 3, minFrames: 150, maxFrames: 350 });
    const settings = { context, epochs: 1, batchSize: 256, learningRate: 0.001, optimizer: 'adam' as const, backend: 'wasm' as const };
    const ensDir = path.join(root, 'ens');
    await trainEnsemble({ featsDir: data.featsDir, aliDir: data.aliDir, ensDir, numMembers: 4, archs: [arch], combine: 'arithmetic', baseSeed: 1, jobs: 2, settings, quiet: true });
    const fps: Record<string, number> = {};
    const weights: Buffer[] = [];
    for (const teacherJobs of [0, 1]) {
      const studentDir = path.join(root, `student-j${teacherJobs}`);
      const r = await distill({
        featsDir: data.featsDir,
        aliDir: data.aliDir,
        teacherDir: ensDir,
        studentDir,
        arch,
        temperature: 2,
        hardWeight: 0.5,
        softTargets: { kind: 'full' },
        loss: 'soft-ce',
        transferNoise: 0.5,
        teacherJobs,
        settings,
        seed: 201,
        quiet: true,
      });
      fps[`teacherJobs${teacherJobs}`] = Math.round(r.history[0].framesPerSec);
      weights.push(await fs.readFile(path.join(studentDir, 'weights.bin')));
    }
    return {
      note: `machine load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores: timings are noisy when other jobs run`,
      teacher: `4 members x 440-3x256-${data.numPdfs}`,
      student: `440-3x256-${data.numPdfs}`,
      frames: data.numFrames,
      transferNoise: 0.5,
      studentFramesPerSec: fps,
      speedup: +(fps.teacherJobs1 / fps.teacherJobs0).toFixed(2),
      identicalStudents: weights[0].equals(weights[1]),
    };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
