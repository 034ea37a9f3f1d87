// A tiny DNN model directory (fbank, or Meyda mel bands with `features`) (random weights over the oracle lang/transition model) and a
// test WAV, for the export-web tests. Random weights still give a deterministic transcript, which
// is what the page must reproduce.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeDnnModelDir } from '../../src/nnet/model-dir.js';
import { writeEnsembleManifest } from '../../src/nnet/ensemble.js';
import { initDnnWeights } from '../../src/nnet/weights.js';
import { defaultFbankConfig, featureDim, frameShiftMsOf, type FbankConfig, type MeydaConfig } from '../../src/features/config.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';
import { makeFeatureComputer } from '../../src/features/compute.js';
import { computeCmvnStats, writeCmvn } from '../../src/features/cmvn.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { makeOracleSetup, type OracleSetup } from '../decode/oracle-model.js';

export interface WebFixture {
  setup: OracleSetup;
  modelDir: string;
  /** 3 s at 16 kHz. */
  wav16: string;
  /** 1.5 s at 8 kHz (the page resamples it). */
  wav8: string;
  /** A FEATS_DIR holding only cmvn.json (statistics of wav16's fbank): a prior for online CMVN (export-web --cmvn-stats). */
  featsDir: string;
  /** A 2-member ensemble on the same lang and features (for export-web --compare). */
  ensembleDir: string;
}

export async function makeWebFixture(root: string, opts: { features?: FbankConfig | MeydaConfig } = {}): Promise<WebFixture> {
  const setup = await makeOracleSetup(root, { numUtts: 1 });
  const config = opts.features ?? defaultFbankConfig();
  const dim = featureDim(config);
  const context = { left: 2, right: 2 };
  const arch = { hidden: [{ units: 32 }, { units: 32 }], activation: 'relu' as const };
  const P = setup.tm.numPdfs;
  const modelDir = path.join(root, 'student');
  const prng = makeRng(5, 'priors');
  const priors = Array.from({ length: P }, () => Math.log(1 / P) + 0.3 * randNormal(prng));
  const writeModel = (dir: string, seed: number, ctx: typeof context) =>
    writeDnnModelDir(dir, {
      weights: initDnnWeights(arch, dim * (ctx.left + 1 + ctx.right), P, seed),
      meta: { type: 'dnn', arch, context: ctx, inputDim: dim * (ctx.left + 1 + ctx.right), numPdfs: P, featDim: dim, features: config, frameShiftMs: frameShiftMsOf(config), cmvn: { per: 'utterance', normVars: false }, priors, trainedOn: { feats: 'none', ali: null, numUtts: 0, numFrames: 0, date: '2026-01-01T00:00:00Z' } },
      transitionModel: setup.tm,
      langDir: setup.langDir,
    });
  await writeModel(modelDir, 7, context);
  // Two members with a wider context than the student's, as a recipe's ensemble may have.
  const ensembleDir = path.join(root, 'ensemble');
  await writeModel(path.join(ensembleDir, 'member-01'), 8, { left: 3, right: 3 });
  await writeModel(path.join(ensembleDir, 'member-02'), 9, { left: 3, right: 3 });
  await writeEnsembleManifest(ensembleDir, { type: 'ensemble', combine: 'arithmetic', members: ['member-01', 'member-02'] });
  const rng = makeRng(11, 'web-wav');
  const wav16 = path.join(root, 'three-seconds.wav');
  const wav8 = path.join(root, 'eight-khz.wav');
  // Bursts of tones in noise: frames that differ, so the random network's scores vary over time.
  const tone = (n: number, rate: number) => Float32Array.from({ length: n }, (_, i) => (Math.floor(i / (rate / 4)) % 2 ? 0.3 * Math.sin((2 * Math.PI * (300 + 200 * Math.floor(i / (rate / 2))) * i) / rate) : 0) + 0.02 * randNormal(rng));
  writeFileSync(wav16, encodeWavPcm16(tone(48000, 16000), 16000));
  writeFileSync(wav8, encodeWavPcm16(tone(12000, 8000), 8000));
  const featsDir = path.join(root, 'feats');
  const f16 = makeFeatureComputer(config).compute(tone(48000, 16000).map((v) => v * 32768));
  await writeCmvn(featsDir, computeCmvnStats([{ uttId: 'u1', speakerId: 's1', ...f16 }], 'speaker'));
  return { setup, modelDir, wav16, wav8, featsDir, ensembleDir };
}
