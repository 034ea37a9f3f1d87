// The input alignment of train-tri (Kaldi train_deltas.sh reads $alidir/ali.*.gz job by job) over
// the rows of a GmmCorpus: read whole into memory when it is within the GMM stages' budget
// (--max-memory-frames), otherwise streamed from ali.arrow twice, never held whole: once for the
// utterances' frame counts (which utterances train-tri keeps), then into a scratch file in corpus
// row order (pdf ids, then phone ids: 8 bytes a frame on disk), read back utterance by utterance
// (corpus-rows.ts). Either way train-tri sees the same alignments in the same order, so the tree,
// models and alignments are the same bytes.
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { makeDirs } from '../store/paths.js';
import { ALI_ARROW_FILE, streamAlignments, type UttAlignment } from './ali-archive.js';
import { checkAliAgainstModel, readAliDirModel, type AliDirModel } from './combine-ali.js';
import { closeRows, openRows, readIntRows, writeIntRows } from './corpus-rows.js';
import { scratchFile, spills, type GmmCorpus, type GmmCorpusStorage } from './gmm-corpus.js';

/** Alignment directories read as one (train-tri's ALI_DIR and those of its extra sets). */
export interface AliSet {
  /** Each directory's model; the first is the reference the others must match. */
  models: AliDirModel[];
  /** Aligned frames of every utterance. */
  numFrames: Map<string, number>;
  /** The alignments themselves when they fit the memory budget (else read again by spillCorpusAli). */
  alis?: Map<string, UttAlignment>;
}

/**
 * Read and check the alignment directories `dirs` (each utterance against its transition model, as
 * readAlignments does; the extra directories against the first's model; no utterance twice),
 * streamed: the alignments are kept only when their total frames (ali.json) are within
 * `storage.maxMemoryFrames` (default DEFAULT_GMM_MEMORY_FRAMES), else only their frame counts.
 *
 * @example const set = await readAliSet(['exp/mono_ali'], { maxMemoryFrames: 4e6 })
 */
export async function readAliSet(dirs: string[], storage: GmmCorpusStorage = {}): Promise<AliSet> {
  const models = await Promise.all(dirs.map(readAliDirModel));
  const ref = models[0];
  for (const m of models.slice(1)) {
    if (m.info.numPdfs !== ref.info.numPdfs || JSON.stringify(m.transitionModel.phones) !== JSON.stringify(ref.transitionModel.phones) || m.info.frameShiftMs !== ref.info.frameShiftMs) {
      throw new InputError(`${m.dir}: not aligned with the model of ${ref.dir}; align its data with the same model`);
    }
  }
  const total = models.reduce((n, m) => n + m.info.numFrames, 0);
  const keep = !spills(storage, total);
  const numFrames = new Map<string, number>();
  const alis = keep ? new Map<string, UttAlignment>() : undefined;
  for (const m of models) {
    const file = path.join(m.dir, ALI_ARROW_FILE);
    for await (const a of streamAlignments(file, m.dir)) {
      checkAliAgainstModel(a, m.transitionModel, file);
      if (numFrames.has(a.uttId)) throw new InputError(`${m.dir}: utterance ${a.uttId} is also in ${ref.dir}; the extra sets must not share utterance ids`);
      numFrames.set(a.uttId, a.pdfIds.length);
      alis?.set(a.uttId, a);
    }
  }
  return { models, numFrames, ...(alis ? { alis } : {}) };
}

/** A corpus' alignment: in memory by utterance id, or a scratch file (see corpusAlignment). */
export type CorpusAli = Map<string, UttAlignment> | { file: string };

/**
 * The alignment of every utterance of `corpus` (which must all be in `set`, with the corpus' frame
 * counts): `set.alis` when in memory, else a scratch file in `storage.scratchDir` filled by
 * streaming the directories again: [pdf ids of every frame | phone ids of every frame], int32, at
 * the corpus' frame offsets.
 */
export async function corpusAlignment(corpus: GmmCorpus, set: AliSet, storage: GmmCorpusStorage): Promise<CorpusAli> {
  if (set.alis) return set.alis;
  if (storage.scratchDir === undefined) throw new Error('corpusAlignment: a spilled alignment needs storage.scratchDir');
  const row = new Map(corpus.uttIds.map((u, i) => [u, i]));
  await makeDirs(storage.scratchDir);
  const file = scratchFile(storage.scratchDir, 'input-ali');
  const f = openRows(file, 'w+');
  let filled = 0;
  try {
    for (const m of set.models) {
      for await (const a of streamAlignments(path.join(m.dir, ALI_ARROW_FILE), m.dir)) {
        const i = row.get(a.uttId);
        if (i === undefined) continue;
        if (a.pdfIds.length !== corpus.numFrames[i]) throw new InputError(`${m.dir}: utterance ${a.uttId} changed while it was read (${a.pdfIds.length} frames, not ${corpus.numFrames[i]})`);
        writeIntRows(f, corpus.offsets[i], a.pdfIds);
        writeIntRows(f, corpus.totalFrames + corpus.offsets[i], a.phoneIds);
        filled++;
      }
    }
  } finally {
    closeRows(f);
  }
  if (filled !== corpus.uttIds.length) throw new InputError(`${set.models[0].dir}: ${corpus.uttIds.length - filled} utterances disappeared from the alignment while it was read`);
  return { file };
}

/** Run `fn` with an accessor of utterance `i`'s alignment (one utterance read at a time when spilled). */
export function withCorpusAli<T>(corpus: GmmCorpus, ali: CorpusAli, fn: (get: (i: number) => UttAlignment) => T): T {
  if (ali instanceof Map) return fn((i) => ali.get(corpus.uttIds[i])!);
  const f = openRows(ali.file, 'r');
  try {
    return fn((i) => ({
      uttId: corpus.uttIds[i],
      pdfIds: readIntRows(f, corpus.offsets[i], corpus.numFrames[i]),
      phoneIds: readIntRows(f, corpus.totalFrames + corpus.offsets[i], corpus.numFrames[i]),
    }));
  } finally {
    closeRows(f);
  }
}
