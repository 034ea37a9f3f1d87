// Hinton, Vinyals & Dean 2015, sec. 3 on speech: a transfer set with every frame of one word left
// out (the paper left every 3 out of MNIST's), and the fix the paper applies to the distilled net:
// raise the output biases of the omitted class by a constant (for the 3: 3.5), here chosen on dev.
// A digit word has no class of its own: its frames are those of its phones' states, so the
// "omitted states" are the pdfs that lose at least half of their transfer frames with the word.
// Pure cores (omittedPdfs, raiseOutputBiases, correctByBiasShift, chooseBiasShift) and the I/O that
// runs them on directories (omit-word, bias-fix, eval-word).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readDataDir } from '../data/data-dir.js';
import { phoneSegments, readAlignments, writeAlignments, type UttAlignment } from '../hmm/ali-archive.js';
import { wordSegments } from '../hmm/word-segments.js';
import { readFeatsDir, writeFeatsDir, type UttFeats } from '../store/feats-archive.js';
import { writeFileAtomic } from '../store/atomic.js';
import { withOutputDir } from '../store/output-dir.js';
import { pathExists } from '../store/paths.js';
import { readJsonFile } from '../store/json-file.js';
import { splicedChunks, type FrameCorpus } from './batches.js';
import { DEFAULT_BACKEND, type BackendName } from './backend-name.js';
import { createAcousticForward } from './engine.js';
import { loadAcousticModel, type AcousticModel } from './ensemble.js';
import { evalFramesByLabels, loadEvalCorpus, type FrameScores } from './eval.js';
import { readDnnModelDir, writeDnnModelDir, MODEL_LANG_DIR } from './model-dir.js';
import type { DnnWeights } from './weights.js';

/** OUT/omitted.json of omit-word. */
export const OMITTED_WORD_FILE = 'omitted.json';
/** OUT/bias-fix.json of bias-fix. */
export const BIAS_FIX_FILE = 'bias-fix.json';
/** A pdf counts as omitted when the word held at least this share of its transfer frames. */
export const DEFAULT_MIN_LOST_FRACTION = 0.5;
/** Bias shifts (nats) bias-fix tries on dev: 0 to 8 in steps of 0.25 (the paper's 3.5 inside). */
export const DEFAULT_BIAS_SHIFTS: readonly number[] = Array.from({ length: 33 }, (_, i) => i / 4);

/** What omit-word wrote (OUT/omitted.json). */
export interface OmittedWordInfo {
  word: string;
  /** Word instances removed, and the frames they held. */
  instances: number;
  removedFrames: number;
  keptFrames: number;
  /** Utterances dropped because nothing was left of them. */
  droppedUtts: string[];
  /** Frames of each pdf in the full transfer set and in the one without the word. */
  pdfFramesFull: number[];
  pdfFramesKept: number[];
  minLostFraction: number;
  /** The pdfs that lost at least minLostFraction of their frames (their biases are what bias-fix raises). */
  omittedPdfs: number[];
}

/**
 * The pdfs that lost at least `minLostFraction` of their frames (and had some).
 *
 * @example omittedPdfs([10, 10, 0], [0, 8, 0], 0.5) // [0]
 */
export function omittedPdfs(fullFrames: ArrayLike<number>, keptFrames: ArrayLike<number>, minLostFraction = DEFAULT_MIN_LOST_FRACTION): number[] {
  const out: number[] = [];
  for (let p = 0; p < fullFrames.length; p++) {
    if (fullFrames[p] > 0 && (fullFrames[p] - keptFrames[p]) / fullFrames[p] >= minLostFraction) out.push(p);
  }
  return out;
}

/** A copy of `w` with the output-layer biases of `pdfs` raised by `shiftNats` (sec. 3: "the bias for the 3 is increased by 3.5"). */
export function raiseOutputBiases(w: DnnWeights, pdfs: readonly number[], shiftNats: number): DnnWeights {
  const layers = w.layers.map((l) => ({ ...l, W: l.W.slice(), b: l.b.slice() }));
  const out = layers[layers.length - 1];
  for (const p of pdfs) {
    if (!(p >= 0 && p < out.b.length)) throw new InputError(`bias-fix: pdf ${p} outside the network's ${out.b.length} outputs; the omitted pdfs come from another model`);
    out.b[p] += shiftNats;
  }
  return { ...w, layers };
}

/**
 * For each shift, the frames (label >= 0) whose best pdf is the label once `shift` is added to the
 * logits of `pdfs`: raising an output bias adds to that logit, so one forward pass serves every shift.
 */
export function correctByBiasShift(logits: Float32Array, labels: ArrayLike<number>, numFrames: number, numPdfs: number, pdfs: readonly number[], shifts: readonly number[]): number[] {
  const raised = new Uint8Array(numPdfs);
  for (const p of pdfs) raised[p] = 1;
  const correct = shifts.map(() => 0);
  for (let t = 0; t < numFrames; t++) {
    const y = labels[t];
    if (y < 0) continue;
    const o = t * numPdfs;
    // Best logit among the raised pdfs and among the others; the argmax is one of the two.
    let bestIn = -1;
    let bestOut = -1;
    for (let j = 0; j < numPdfs; j++) {
      if (raised[j]) {
        if (bestIn < 0 || logits[o + j] > logits[o + bestIn]) bestIn = j;
      } else if (bestOut < 0 || logits[o + j] > logits[o + bestOut]) bestOut = j;
    }
    shifts.forEach((s, i) => {
      // Ties go to the lower pdf id, as rowArgmax.
      const best = bestIn < 0 ? bestOut : bestOut < 0 ? bestIn : logits[o + bestIn] + s > logits[o + bestOut] || (logits[o + bestIn] + s === logits[o + bestOut] && bestIn < bestOut) ? bestIn : bestOut;
      if (best === y) correct[i]++;
    });
  }
  return correct;
}

/** The shift with the most correct frames; ties go to the smallest shift (the least change). */
export function chooseBiasShift(correct: readonly number[], shifts: readonly number[]): number {
  if (correct.length !== shifts.length || shifts.length === 0) throw new Error('chooseBiasShift: one count per shift needed');
  let best = 0;
  for (let i = 1; i < shifts.length; i++) {
    if (correct[i] > correct[best] || (correct[i] === correct[best] && Math.abs(shifts[i]) < Math.abs(shifts[best]))) best = i;
  }
  return shifts[best];
}

/** Per utterance of DATA_DIR with an alignment in ALI_DIR: a mask of the frames of `word` (1 = the word's). */
export async function wordFrameMasks(dataDir: string, aliDir: string, word: string): Promise<{ masks: Map<string, Uint8Array>; instances: number; ali: Awaited<ReturnType<typeof readAlignments>> }> {
  const data = await readDataDir(dataDir, { checkFiles: false });
  const ali = await readAlignments(aliDir);
  if (!ali.lang.wordIds.has(word)) throw new InputError(`${aliDir}/lang: word '${word}' is not in words.txt; give a word of the transcripts (e.g. three)`);
  const masks = new Map<string, Uint8Array>();
  let instances = 0;
  for (const u of data.utterances) {
    const a = ali.alis.get(u.uttId);
    if (!a) continue;
    if (!u.words) throw new InputError(`${dataDir}: no text for utterance ${u.uttId}; the word's frames come from the transcripts`);
    const mask = new Uint8Array(a.pdfIds.length);
    for (const w of wordSegments(u.uttId, phoneSegments(a, ali.transitionModel), ali.lang.phones, u.words, ali.lang.lexicon, ali.lang.silencePhones)) {
      if (w.word !== word) continue;
      mask.fill(1, w.startFrame, w.startFrame + w.numFrames);
      instances++;
    }
    masks.set(u.uttId, mask);
  }
  return { masks, instances, ali };
}

/** Options of omitWordDir. */
export interface OmitWordOptions {
  dataDir: string;
  featsDir: string;
  aliDir: string;
  word: string;
  outDir: string;
  minLostFraction?: number;
  overwrite?: boolean;
}

/**
 * omit-word: OUT/feats and OUT/ali, the transfer set FEATS_DIR + ALI_DIR with every frame of `word`
 * cut out of its utterances (the frames either side join, so that no spliced input of the student
 * ever holds one of the word's frames), FEATS_DIR's cmvn.json kept (the full set's statistics), and
 * OUT/omitted.json. The whole set is held in memory (a recipe's transfer set; not for millions of frames).
 */
export async function omitWordDir(o: OmitWordOptions): Promise<OmittedWordInfo> {
  const { masks, instances, ali } = await wordFrameMasks(o.dataDir, o.aliDir, o.word);
  const { info, utts } = await readFeatsDir(o.featsDir);
  const numPdfs = ali.info.numPdfs;
  const full = new Array<number>(numPdfs).fill(0);
  const kept = new Array<number>(numPdfs).fill(0);
  const feats: UttFeats[] = [];
  const alis: UttAlignment[] = [];
  const droppedUtts: string[] = [];
  let removedFrames = 0;
  for (const u of utts.values()) {
    const a = ali.alis.get(u.uttId);
    if (!a) continue; // unaligned: distill leaves it out anyway
    if (a.pdfIds.length !== u.numFrames) throw new InputError(`${o.aliDir}: utterance ${u.uttId} has ${a.pdfIds.length} aligned frames but ${u.numFrames} in ${o.featsDir}; align these features`);
    const mask = masks.get(u.uttId);
    if (!mask) throw new InputError(`${o.dataDir}: no utterance ${u.uttId} (it is in ${o.featsDir}); give the data directory of these features`);
    const keep: number[] = [];
    for (let t = 0; t < u.numFrames; t++) {
      full[a.pdfIds[t]]++;
      if (mask[t]) removedFrames++;
      else {
        keep.push(t);
        kept[a.pdfIds[t]]++;
      }
    }
    if (keep.length === 0) {
      droppedUtts.push(u.uttId);
      continue;
    }
    const data = new Float32Array(keep.length * u.dim);
    keep.forEach((t, i) => data.set(u.data.subarray(t * u.dim, (t + 1) * u.dim), i * u.dim));
    feats.push({ ...u, numFrames: keep.length, data });
    alis.push({ uttId: u.uttId, pdfIds: Int32Array.from(keep, (t) => a.pdfIds[t]), phoneIds: Int32Array.from(keep, (t) => a.phoneIds[t]) });
  }
  const minLostFraction = o.minLostFraction ?? DEFAULT_MIN_LOST_FRACTION;
  const result: OmittedWordInfo = {
    word: o.word,
    instances,
    removedFrames,
    keptFrames: full.reduce((s, x) => s + x, 0) - removedFrames,
    droppedUtts,
    pdfFramesFull: full,
    pdfFramesKept: kept,
    minLostFraction,
    omittedPdfs: omittedPdfs(full, kept, minLostFraction),
  };
  if (instances === 0) throw new InputError(`${o.dataDir}: no utterance says '${o.word}'; nothing to leave out`);
  await withOutputDir(o.outDir, { command: 'omit-word', overwrite: o.overwrite }, async (work) => {
    await writeFeatsDir(path.join(work, 'feats'), info.config, info.frameShiftMs, [feats]);
    const cmvn = path.join(o.featsDir, 'cmvn.json');
    if (await pathExists(cmvn)) await fs.copyFile(cmvn, path.join(work, 'feats', 'cmvn.json'));
    await writeAlignments(path.join(work, 'ali'), alis, { ...ali.info, failed: [], source: `omit-word ${o.word} ${o.aliDir}` }, ali.transitionModel, ali.lang);
    await writeFileAtomic(path.join(work, OMITTED_WORD_FILE), JSON.stringify(result) + '\n');
  });
  return result;
}

/** The logits of a single DNN on every frame of `corpus` (numFrames x numPdfs, corpus order). */
async function corpusLogits(model: AcousticModel, corpus: FrameCorpus, backend: BackendName): Promise<Float32Array> {
  const numPdfs = model.meta.numPdfs;
  const out = new Float32Array(corpus.labels.length * numPdfs);
  const fwd = await createAcousticForward(model, backend);
  try {
    for (const { start, n, x } of splicedChunks(corpus, model.meta.context, 1024)) out.set(fwd.memberLogits(x, n)[0], start * numPdfs);
  } finally {
    fwd.dispose();
  }
  return out;
}

/** What bias-fix wrote (OUT/bias-fix.json). */
export interface BiasFixInfo {
  from: string;
  pdfs: number[];
  shiftNats: number;
  /** Dev frame accuracy at each shift tried. */
  dev: { shiftNats: number; accuracy: number }[];
}

/** Options of biasFixDir. */
export interface BiasFixOptions {
  modelDir: string;
  /** omit-word's omitted.json. */
  omittedFile: string;
  devFeatsDir: string;
  devAliDir: string;
  outDir: string;
  shifts?: readonly number[];
  backend?: BackendName;
  overwrite?: boolean;
}

/** omit-word's OUT/omitted.json (what bias-fix raises, what eval-word --omitted splits the word's frames by). */
export function readOmittedWord(file: string): Promise<OmittedWordInfo> {
  return readJsonFile<OmittedWordInfo>(file, { missing: `${file}: not found; run asr-distill omit-word first` });
}

/**
 * bias-fix: the student trained without the word, with the output biases of the omitted pdfs
 * raised by the shift that maximises frame accuracy on every dev frame (the word's and the
 * others': a shift that only helps the word would cost the rest), written as a model directory.
 */
export async function biasFixDir(o: BiasFixOptions): Promise<BiasFixInfo> {
  const omitted = await readOmittedWord(o.omittedFile);
  const model = await loadAcousticModel(o.modelDir);
  if (model.members.length !== 1) throw new InputError(`${o.modelDir}: an ensemble; bias-fix changes the output biases of one DNN`);
  const shifts = o.shifts ?? DEFAULT_BIAS_SHIFTS;
  const corpus = await loadEvalCorpus(model, o.devFeatsDir, o.devAliDir);
  const logits = await corpusLogits(model, corpus, o.backend ?? DEFAULT_BACKEND);
  const n = corpus.labels.length;
  const correct = correctByBiasShift(logits, corpus.labels, n, model.meta.numPdfs, omitted.omittedPdfs, shifts);
  const labeled = corpus.labels.reduce((s, y) => s + (y >= 0 ? 1 : 0), 0);
  const shiftNats = chooseBiasShift(correct, shifts);
  const dnn = await readDnnModelDir(o.modelDir);
  const info: BiasFixInfo = { from: path.resolve(o.modelDir), pdfs: omitted.omittedPdfs, shiftNats, dev: shifts.map((s, i) => ({ shiftNats: s, accuracy: correct[i] / labeled })) };
  await withOutputDir(o.outDir, { command: 'bias-fix', overwrite: o.overwrite }, async (work) => {
    const lang = path.join(o.modelDir, MODEL_LANG_DIR);
    await writeDnnModelDir(work, { weights: raiseOutputBiases(dnn.weights, omitted.omittedPdfs, shiftNats), meta: dnn.meta, transitionModel: dnn.transitionModel, langDir: (await pathExists(lang)) ? lang : undefined });
    await writeFileAtomic(path.join(work, BIAS_FIX_FILE), JSON.stringify(info, null, 1) + '\n');
  });
  return info;
}

/** Frame accuracy of a model on the frames of one word and on all the others. */
export interface WordFrameScores {
  word: string;
  instances: number;
  wordFrames: FrameScores;
  otherFrames: FrameScores;
  /**
   * With `omittedPdfs`: the word's frames split by their label, one of those pdfs or another. On
   * tied context-dependent states a word's frames also fall on pdfs it shares with other words
   * (kept in the transfer set, their biases not raised), so the word's accuracy mixes the two.
   */
  byOmitted?: { omittedPdfs: number[]; omittedPdfFrames: FrameScores; sharedPdfFrames: FrameScores };
}

/**
 * eval-word: score MODEL on FEATS_DIR + ALI_DIR twice, on the frames of `word` (DATA_DIR's
 * transcripts) and on the rest. Every frame keeps its full spliced context; only the scored
 * frames differ.
 */
export async function evalWordFrames(o: { modelDir: string; featsDir: string; aliDir: string; dataDir: string; word: string; omittedPdfs?: readonly number[]; backend?: BackendName }): Promise<WordFrameScores> {
  const { masks, instances } = await wordFrameMasks(o.dataDir, o.aliDir, o.word);
  const model = await loadAcousticModel(o.modelDir);
  const corpus = await loadEvalCorpus(model, o.featsDir, o.aliDir);
  const inWord = new Int32Array(corpus.labels.length).fill(-1);
  const outWord = new Int32Array(corpus.labels.length).fill(-1);
  corpus.uttIds.forEach((id, u) => {
    const mask = masks.get(id);
    if (!mask) throw new InputError(`${o.dataDir}: no utterance ${id} (it is in ${o.featsDir}); give the data directory of these features`);
    for (let t = corpus.uttStart[u]; t < corpus.uttStart[u + 1]; t++) (mask[t - corpus.uttStart[u]] ? inWord : outWord)[t] = corpus.labels[t];
  });
  const fwd = await createAcousticForward(model, o.backend ?? DEFAULT_BACKEND);
  try {
    // One forward pass for every subset of the frames.
    const omitted = o.omittedPdfs && new Set(o.omittedPdfs);
    const keepIf = (inOmitted: boolean) => inWord.map((l) => (l >= 0 && omitted!.has(l) === inOmitted ? l : -1));
    const [wordFrames, otherFrames, omittedPdfFrames, sharedPdfFrames] = evalFramesByLabels(fwd, corpus, omitted ? [inWord, outWord, keepIf(true), keepIf(false)] : [inWord, outWord]);
    const r: WordFrameScores = { word: o.word, instances, wordFrames, otherFrames };
    if (o.omittedPdfs) r.byOmitted = { omittedPdfs: [...o.omittedPdfs], omittedPdfFrames, sharedPdfFrames };
    return r;
  } finally {
    fwd.dispose();
  }
}
