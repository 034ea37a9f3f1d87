// The training/alignment corpus in memory for the GMM stages: every utterance's GMM features in one
// SharedArrayBuffer (workers read it without copies), its transcript as phone slots, and the
// utterances that cannot be used (no transcript, OOV word, no features), each with the reason.
import { InputError, isInputError } from '../errors.js';
import { computeCmvnStats, readCmvn, type CmvnStats } from '../features/cmvn.js';
import { readDataDir } from '../data/data-dir.js';
import type { LangDir } from '../lang/lang-dir.js';
import { readFeatsDir, type FeatsDirInfo, type UttFeats } from '../store/feats-archive.js';
import { transcriptSlots, type PhoneSlot } from './align-graph.js';
import type { FailedUtt } from './ali-archive.js';
import type { GmmFeatureTransform } from './gmm-feats.js';
import { gmmFeatures, gmmFeatureDim } from './gmm-feats.js';

export interface GmmCorpus {
  uttIds: string[];
  slots: PhoneSlot[][];
  numFrames: Int32Array;
  /** First frame of each utterance in `feats`. */
  offsets: Int32Array;
  /** [totalFrames x dim] on a SharedArrayBuffer. */
  feats: Float32Array;
  dim: number;
  totalFrames: number;
  /** Utterances left out, with the reason. */
  failed: FailedUtt[];
}

/** Items for `makeGmmCorpus`: features already transformed for the GMM. */
export interface GmmCorpusItem {
  uttId: string;
  feats: Float32Array;
  numFrames: number;
  slots: PhoneSlot[];
}

/** Pack utterances into shared memory (pure apart from the allocation). */
export function makeGmmCorpus(items: GmmCorpusItem[], dim: number, failed: FailedUtt[] = []): GmmCorpus {
  const offsets = new Int32Array(items.length);
  const numFrames = new Int32Array(items.length);
  let total = 0;
  items.forEach((it, i) => {
    if (it.feats.length !== it.numFrames * dim) throw new Error(`utterance ${it.uttId}: ${it.feats.length} values is not ${it.numFrames} x ${dim}`);
    offsets[i] = total;
    numFrames[i] = it.numFrames;
    total += it.numFrames;
  });
  const feats = new Float32Array(new SharedArrayBuffer(Math.max(1, total * dim) * 4));
  items.forEach((it, i) => feats.set(it.feats, offsets[i] * dim));
  return { uttIds: items.map((i) => i.uttId), slots: items.map((i) => i.slots), numFrames, offsets, feats, dim, totalFrames: total, failed };
}

/**
 * One corpus from several (utterances in the given order); utterance ids must be unique across
 * them. Used to train on a data dir plus extra sets (train-mono --extra).
 */
export function concatGmmCorpora(corpora: GmmCorpus[]): GmmCorpus {
  const dim = corpora[0].dim;
  const seen = new Set<string>();
  const items: GmmCorpusItem[] = [];
  for (const c of corpora) {
    if (c.dim !== dim) throw new InputError(`cannot train on feature sets of dims ${dim} and ${c.dim} together; extract every set with the same feature config`);
    c.uttIds.forEach((uttId, i) => {
      if (seen.has(uttId)) throw new InputError(`utterance ${uttId} is in two of the training sets; utterance ids must be unique across them`);
      seen.add(uttId);
      items.push({ uttId, numFrames: c.numFrames[i], slots: c.slots[i], feats: c.feats.subarray(c.offsets[i] * dim, (c.offsets[i] + c.numFrames[i]) * dim) });
    });
  }
  return makeGmmCorpus(items, dim, corpora.flatMap((c) => c.failed));
}

/** FEATS_DIR/cmvn.json, or statistics computed from the features when it is absent (with a note). */
export async function loadCmvn(featsDir: string, utts: Iterable<UttFeats>, per: 'speaker' | 'utterance', note?: (msg: string) => void): Promise<CmvnStats> {
  try {
    const c = await readCmvn(featsDir);
    if (c.per === per) return c;
    note?.(`${featsDir}/cmvn.json is per ${c.per}; computing per-${per} statistics from the features instead`);
  } catch (e) {
    if (!isInputError(e)) throw e;
    note?.(`${featsDir}/cmvn.json not found; computing per-${per} statistics from the features (run 'asr-distill compute-cmvn' to store them)`);
  }
  return computeCmvnStats(utts, per);
}

/**
 * Load DATA_DIR (transcripts), FEATS_DIR (features) and transform them for the GMM. Utterances
 * without a transcript, with an OOV word, or without features are listed in `failed`, not thrown.
 */
export async function loadGmmCorpus(
  dataDir: string,
  featsDir: string,
  lang: LangDir,
  transform: GmmFeatureTransform,
  opts: { silProb?: number; note?: (msg: string) => void; expectInputDim?: number } = {},
): Promise<{ corpus: GmmCorpus; featsInfo: FeatsDirInfo; cmvn: CmvnStats }> {
  const data = await readDataDir(dataDir, { checkFiles: false });
  const { info, utts } = await readFeatsDir(featsDir);
  if (opts.expectInputDim !== undefined && info.dim !== opts.expectInputDim) {
    throw new InputError(`${featsDir}: features have dim ${info.dim} but the model was trained on dim ${opts.expectInputDim}; extract them with the model's feature config`);
  }
  const cmvn = await loadCmvn(featsDir, utts.values(), transform.cmvn.per, opts.note);
  const failed: FailedUtt[] = [];
  const items: GmmCorpusItem[] = [];
  for (const u of data.utterances) {
    if (!u.words) {
      failed.push({ uttId: u.uttId, reason: `no transcript in ${dataDir}/text` });
      continue;
    }
    const f = utts.get(u.uttId);
    if (!f) {
      failed.push({ uttId: u.uttId, reason: `no features in ${featsDir} (feature extraction failed or the data dir changed; see ${featsDir}/bad_utts)` });
      continue;
    }
    let slots: PhoneSlot[];
    try {
      slots = transcriptSlots(u.words, lang, `${dataDir}/text (utt ${u.uttId})`, opts.silProb);
    } catch (e) {
      if (!isInputError(e)) throw e;
      failed.push({ uttId: u.uttId, reason: e.message });
      continue;
    }
    items.push({ uttId: u.uttId, feats: gmmFeatures(f, cmvn, transform), numFrames: f.numFrames, slots });
  }
  return { corpus: makeGmmCorpus(items, gmmFeatureDim(transform, info.dim), failed), featsInfo: info, cmvn };
}

/** Split utterance indices into `n` contiguous shards of about equal frame counts. */
export function shardByFrames(numFrames: Int32Array, n: number): number[][] {
  const total = numFrames.reduce((a, b) => a + b, 0);
  const shards: number[][] = Array.from({ length: Math.max(1, Math.min(n, numFrames.length)) }, () => []);
  let acc = 0;
  for (let i = 0; i < numFrames.length; i++) {
    const k = Math.min(shards.length - 1, Math.floor((acc * shards.length) / Math.max(1, total)));
    shards[k].push(i);
    acc += numFrames[i];
  }
  return shards.filter((s) => s.length > 0);
}
