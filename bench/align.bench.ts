// npm run bench -- align: monophone training and forced alignment speed (issue 4), per hour of
// audio, on a generated digits corpus (160 training utterances x ASR_DISTILL_BENCH_SCALE), with
// the recipe's default training settings (30 iterations, 1000 Gaussians) and 2 jobs. Targets:
// align 1 h of audio in < 2 min wall; train-mono on the default corpus (2400 utterances) < 10 min.
// Alignment quality against the synthesizer's phones.ctm (pre-pauses attached) and phones.raw.ctm
// (eSpeak's raw event times) is reported alongside. Then train-tri on that alignment (issue 23:
// 35 iterations, 300 leaves, 2000 Gaussians as a Kaldi train_deltas.sh starting point) and its
// alignment's accuracy.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_DIGITS_CONFIG, makeDigitsCorpus, type DigitsCorpusConfig } from '../src/corpus/digits.js';
import { computeCmvnStats, writeCmvn } from '../src/features/cmvn.js';
import { loadFeatureConfig } from '../src/features/config-file.js';
import { extractFeatures } from '../src/features/extract.js';
import { alignData } from '../src/hmm/align.js';
import { aliAccuracy } from '../src/hmm/ali-accuracy.js';
import { trainMono } from '../src/hmm/train-mono.js';
import { trainTri } from '../src/hmm/train-tri.js';
import { readFeatsDir } from '../src/store/feats-archive.js';

const SCALE = Math.max(0.1, Number(process.env.ASR_DISTILL_BENCH_SCALE ?? 1) || 1);
const JOBS = 2;
const DEFAULT_CORPUS_UTTS = 2400;

export async function run(): Promise<Record<string, unknown>> {
  const train = Math.max(20, Math.round(160 * SCALE));
  const config: DigitsCorpusConfig = { ...DEFAULT_DIGITS_CONFIG, utts: { train, dev: 2, test: 2 }, speakers: { train: 8, dev: 1, test: 1 } };
  const dir = await mkdtemp(path.join(tmpdir(), 'align-bench-'));
  try {
    const corpus = path.join(dir, 'corpus');
    await makeDigitsCorpus(corpus, config, { jobs: JOBS, quiet: true });
    const feats = path.join(dir, 'feats');
    await extractFeatures(path.join(corpus, 'train'), feats, { config: await loadFeatureConfig(path.join(process.cwd(), 'features', 'fbank40.json')), jobs: JOBS, quiet: true });
    const { info, utts } = await readFeatsDir(feats);
    await writeCmvn(feats, computeCmvnStats(utts.values(), 'speaker'));
    const hours = (info.numFrames * info.frameShiftMs) / 3.6e6;
    const lang = path.join(process.cwd(), 'data', 'lang', 'digits');

    const t0 = performance.now();
    const res = await trainMono(path.join(corpus, 'train'), feats, lang, path.join(dir, 'mono'), { iters: 30, totalGauss: 1000, jobs: JOBS, quiet: true });
    const trainSec = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    const ali = await alignData(path.join(corpus, 'train'), feats, lang, path.join(dir, 'mono'), path.join(dir, 'ali'), { jobs: JOBS, quiet: true, stateAccuracy: false });
    const alignSec = (performance.now() - t1) / 1000;
    const acc = await aliAccuracy(path.join(dir, 'ali'), path.join(corpus, 'train', 'phones.ctm'));
    const raw = await aliAccuracy(path.join(dir, 'ali'), path.join(corpus, 'train', 'phones.raw.ctm'));
    const t2 = performance.now();
    const tri = await trainTri(path.join(corpus, 'train'), feats, lang, path.join(dir, 'ali'), path.join(dir, 'tri'), { numLeaves: 300, totalGauss: 2000, jobs: JOBS, quiet: true });
    const triSec = (performance.now() - t2) / 1000;
    await alignData(path.join(corpus, 'train'), feats, lang, path.join(dir, 'tri'), path.join(dir, 'tri_ali'), { jobs: JOBS, quiet: true, stateAccuracy: false });
    const triAcc = await aliAccuracy(path.join(dir, 'tri_ali'), path.join(corpus, 'train', 'phones.ctm'));
    const hoursPerUtt = hours / utts.size;
    return {
      note: 'wall times on a shared machine; per-hour figures scale linearly from this corpus',
      jobs: JOBS,
      utterances: utts.size,
      audioHours: +hours.toFixed(4),
      trainMono: {
        iters: 30,
        totalGaussTarget: 1000,
        gaussians: res.iterations[res.iterations.length - 1].numGauss,
        wallSec: +trainSec.toFixed(1),
        secPerHourAudio: +(trainSec / hours).toFixed(0),
        projectedDefaultCorpusMin: +((trainSec / hours) * hoursPerUtt * DEFAULT_CORPUS_UTTS / 60).toFixed(1),
        targetDefaultCorpusMin: 10,
        avgLogLikeFirstLast: [+res.iterations[0].avgLogLike.toFixed(3), +res.iterations[res.iterations.length - 1].avgLogLike.toFixed(3)],
      },
      align: {
        wallSec: +alignSec.toFixed(1),
        secPerHourAudio: +(alignSec / hours).toFixed(0),
        targetSecPerHourAudio: 120,
        failed: ali.failed.length,
      },
      trainTri: {
        tiedStates: tri.numLeaves,
        gaussians: tri.iterations[tri.iterations.length - 1].numGauss,
        wallSec: +triSec.toFixed(1),
        secPerHourAudio: +(triSec / hours).toFixed(0),
        avgLogLikeFirstLast: [+tri.iterations[0].avgLogLike.toFixed(3), +tri.iterations[tri.iterations.length - 1].avgLogLike.toFixed(3)],
        aliAccuracy: { boundariesWithin20ms: +triAcc.boundaries.share.toFixed(4), frameAgreement: +triAcc.frames.share.toFixed(4) },
      },
      aliAccuracy: { boundariesWithin20ms: +acc.boundaries.share.toFixed(4), frameAgreement: +acc.frames.share.toFixed(4), meanAbsBoundaryErrorMs: +acc.boundaries.meanAbsErrorMs.toFixed(1) },
      aliAccuracyRawEvents: { boundariesWithin20ms: +raw.boundaries.share.toFixed(4), frameAgreement: +raw.frames.share.toFixed(4), meanAbsBoundaryErrorMs: +raw.boundaries.meanAbsErrorMs.toFixed(1) },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
