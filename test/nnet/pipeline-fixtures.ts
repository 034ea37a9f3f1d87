// Shared synthetic data for the nnet pipeline tests: a tiny transition model and a corpus whose
// labels are a (noisy) function of the features, so a DNN can learn it in a few epochs.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TransitionModel, PhoneHmm } from '../../src/hmm/transition-model.js';
import { pdfMap } from '../../src/hmm/transition-model.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import type { CorpusUtterance } from '../../src/nnet/batches.js';

/** `numPhones` phones (ids 1..numPhones) of `statesPerPhone` left-to-right states; pdf = one state. */
export function tinyTransitionModel(numPhones: number, statesPerPhone: number): TransitionModel {
  const phones: (PhoneHmm | null)[] = [null];
  let pdf = 0;
  for (let p = 1; p <= numPhones; p++) {
    phones.push({
      phone: `P${p}`,
      phoneId: p,
      states: Array.from({ length: statesPerPhone }, (_, i) => ({
        pdfId: pdf++,
        arcs: [
          { to: i, logProb: Math.log(0.75) },
          { to: i + 1, logProb: Math.log(0.25) },
        ],
      })),
    });
  }
  return { phones, numPdfs: pdf, pdfToState: pdfMap(phones) };
}

/** A minimal lang directory (enough to test that it is copied). */
export async function writeTinyLang(dir: string, numPhones: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const phones = ['<eps>', ...Array.from({ length: numPhones }, (_, i) => `P${i + 1}`)];
  await fs.writeFile(path.join(dir, 'phones.txt'), phones.map((p, i) => `${p} ${i}\n`).join(''));
  await fs.writeFile(path.join(dir, 'words.txt'), '<eps> 0\nw 1\n');
}

/**
 * Utterances whose frame t has label y(t) following a left-to-right state sequence, and features
 * = class centroid (random per class) + noise: learnable, but not trivially (noise std `noise`).
 */
export function synthUtterances(opts: { numUtts: number; dim: number; numPdfs: number; seed: number; noise?: number; minFrames?: number; maxFrames?: number }): CorpusUtterance[] {
  const { numUtts, dim, numPdfs, seed, noise = 1.0, minFrames = 20, maxFrames = 60 } = opts;
  const rng = makeRng(seed, 'synth');
  const centroids = new Float32Array(numPdfs * dim);
  const crng = makeRng(1234, 'centroids'); // same classes whatever the seed: train and dev agree
  for (let i = 0; i < centroids.length; i++) centroids[i] = 1.5 * randNormal(crng);
  const utts: CorpusUtterance[] = [];
  for (let u = 0; u < numUtts; u++) {
    const numFrames = minFrames + Math.floor(rng() * (maxFrames - minFrames + 1));
    const pdfIds = new Int32Array(numFrames);
    let s = Math.floor(rng() * numPdfs);
    for (let t = 0; t < numFrames; t++) {
      if (rng() < 0.2) s = (s + 1) % numPdfs;
      pdfIds[t] = s;
    }
    const data = new Float32Array(numFrames * dim);
    for (let t = 0; t < numFrames; t++) {
      for (let d = 0; d < dim; d++) data[t * dim + d] = centroids[pdfIds[t] * dim + d] + noise * randNormal(rng);
    }
    utts.push({ uttId: `utt${String(u).padStart(4, '0')}`, numFrames, data, pdfIds });
  }
  return utts;
}

/** Write an untrained (randomly initialised) DNN model directory, e.g. as a teacher or ensemble member. */
export async function writeRandomModel(
  dir: string,
  opts: { featDim: number; left: number; right: number; tm: TransitionModel; seed: number; hidden?: number },
): Promise<void> {
  const { initDnnWeights } = await import('../../src/nnet/weights.js');
  const { writeDnnModelDir } = await import('../../src/nnet/model-dir.js');
  const { logPriors } = await import('../../src/nnet/priors.js');
  const { defaultFbankConfig } = await import('../../src/features/config.js');
  const arch = { hidden: [{ units: opts.hidden ?? 16 }], activation: 'relu' as const };
  const inputDim = (opts.left + 1 + opts.right) * opts.featDim;
  const numPdfs = opts.tm.numPdfs;
  const weights = initDnnWeights(arch, inputDim, numPdfs, opts.seed);
  await writeDnnModelDir(dir, {
    weights,
    transitionModel: opts.tm,
    meta: {
      type: 'dnn',
      arch,
      context: { left: opts.left, right: opts.right },
      inputDim,
      numPdfs,
      featDim: opts.featDim,
      // The configuration writeSynthCorpusDirs records, so that the features match the model.
      features: defaultFbankConfig({ numMelBins: opts.featDim }),
      frameShiftMs: 10,
      cmvn: { per: 'none', normVars: false },
      priors: logPriors(Array.from({ length: numPdfs }, () => 1)),
      trainedOn: { feats: 'synthetic', ali: null, numUtts: 0, numFrames: 0, date: '2026-01-01T00:00:00.000Z', seed: opts.seed },
    },
  });
}

/** A transition model over named phones with ids 1..n (as in a lang dir's phones.txt after `<eps>`). */
export function namedTransitionModel(phoneNames: string[], statesPerPhone: number): TransitionModel {
  const tm = tinyTransitionModel(phoneNames.length, statesPerPhone);
  tm.phones.forEach((p, i) => {
    if (p) p.phone = phoneNames[i - 1];
  });
  return tm;
}

/**
 * Write a synthetic FEATS_DIR (+ per-speaker cmvn.json) and ALI_DIR (with transition model and lang
 * copies) under `root`: learnable labels (class centroid + noise) over a lang dir of phones
 * SIL SPN P1 P2 (3 states each = 12 pdfs). Returns the directories and the pdf count.
 */
export async function writeSynthCorpusDirs(
  root: string,
  opts: { name: string; numUtts: number; dim: number; seed: number; noise?: number; cmvn?: boolean; minFrames?: number; maxFrames?: number; uttPrefix?: string; shards?: number },
): Promise<{ featsDir: string; aliDir: string; numPdfs: number; numFrames: number }> {
  const { writeLangDir, readLangDir } = await import('../../src/lang/lang-dir.js');
  const { writeFeatsDir } = await import('../../src/store/feats-archive.js');
  const { defaultFbankConfig } = await import('../../src/features/config.js');
  const { computeCmvnStats, writeCmvn } = await import('../../src/features/cmvn.js');
  const { writeAlignments } = await import('../../src/hmm/ali-archive.js');
  const langDir = path.join(root, 'lang');
  try {
    await fs.access(path.join(langDir, 'phones.txt'));
  } catch {
    await writeLangDir(langDir, { lexicon: new Map([['w', [['P1', 'P2']]]]), oovWord: '<unk>' });
  }
  const lang = await readLangDir(langDir);
  const tm = namedTransitionModel(lang.phones.slice(1), 3);
  const numPdfs = tm.numPdfs;
  const utts = synthUtterances({ numUtts: opts.numUtts, dim: opts.dim, numPdfs, seed: opts.seed, noise: opts.noise, minFrames: opts.minFrames, maxFrames: opts.maxFrames });
  if (opts.uttPrefix) for (const u of utts) u.uttId = `${opts.uttPrefix}${u.uttId}`;
  const feats = utts.map((u, i) => ({ uttId: u.uttId, speakerId: `spk${i % 3}`, numFrames: u.numFrames, dim: opts.dim, data: u.data }));
  const featsDir = path.join(root, `feats-${opts.name}`);
  const { splitIntoShards } = await import('../../src/data/balanced-split.js');
  await writeFeatsDir(featsDir, defaultFbankConfig({ numMelBins: opts.dim }), 10, splitIntoShards(feats, opts.shards ?? 1));
  if (opts.cmvn ?? true) await writeCmvn(featsDir, computeCmvnStats(feats, 'speaker'));
  const aliDir = path.join(root, `ali-${opts.name}`);
  const numFrames = utts.reduce((n, u) => n + u.numFrames, 0);
  const alis = utts.map((u) => ({ uttId: u.uttId, pdfIds: u.pdfIds!, phoneIds: u.pdfIds!.map((p) => tm.pdfToState[p][0]) }));
  await writeAlignments(aliDir, alis, { numPdfs, frameShiftMs: 10, numUtts: utts.length, numFrames, failed: [] }, tm, lang);
  return { featsDir, aliDir, numPdfs, numFrames };
}

/**
 * Rewrite FEATS_DIR/feats.json as if its features had been made with `changes` to their
 * configuration (same dimension, same values): what the feature-match checks must catch.
 */
export async function changeFeatsConfig(featsDir: string, changes: Record<string, unknown>): Promise<void> {
  const { readFeatsInfo, writeFeatsInfo } = await import('../../src/store/feats-archive.js');
  const info = await readFeatsInfo(featsDir);
  await writeFeatsInfo(featsDir, { ...info, config: { ...info.config, ...changes } as typeof info.config });
}

/**
 * A random 3-dim model (context 1:1) at `root/m` and a synthetic FEATS_DIR + ALI_DIR (no CMVN) it
 * can score, whose feats.json says they were made with `changes` to the model's configuration.
 */
export async function writeMismatchedEvalSetup(
  root: string,
  changes: Record<string, unknown>,
): Promise<{ model: string; featsDir: string; aliDir: string; numFrames: number }> {
  const c = await writeSynthCorpusDirs(root, { name: 'x', numUtts: 3, dim: 3, seed: 1, cmvn: false });
  const model = path.join(root, 'm');
  await writeRandomModel(model, { featDim: 3, left: 1, right: 1, tm: namedTransitionModel(['SIL', 'SPN', 'P1', 'P2'], 3), seed: 1 });
  await changeFeatsConfig(c.featsDir, changes);
  return { model, featsDir: c.featsDir, aliDir: c.aliDir, numFrames: c.numFrames };
}

/** An ensemble directory `dir` of random DNNs `a`, `b`, ... (one per seed) with an arithmetic ensemble.json. */
export async function writeRandomEnsemble(dir: string, opts: { featDim: number; left: number; right: number; tm: TransitionModel; seeds: number[] }): Promise<void> {
  const { writeEnsembleManifest } = await import('../../src/nnet/ensemble.js');
  const members = opts.seeds.map((_, i) => String.fromCharCode(97 + i));
  for (let i = 0; i < members.length; i++) await writeRandomModel(path.join(dir, members[i]), { ...opts, seed: opts.seeds[i] });
  await writeEnsembleManifest(dir, { type: 'ensemble', combine: 'arithmetic', members });
}
