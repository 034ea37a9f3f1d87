// Combine alignment directories into one (Kaldi steps/combine_ali_dirs.sh): the alignments of
// `align` runs on the parts of a split data directory become one ALI_DIR. Like Kaldi, only
// alignments made with the same model (transition model, tree) and lang are combined. ali.arrow is
// merged utterance by utterance from the sorted sources, so it is never held whole.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { canonicalJson } from '../store/checksum.js';
import { writeFileAtomic } from '../store/atomic.js';
import { compareCLocale } from '../data/c-locale.js';
import { copyLangDir, readLangDir, MODEL_LANG_DIR, type LangDir } from '../lang/lang-dir.js';
import { ALI_ARROW_FILE, ALI_FAILED_FILE, ALI_JSON_FILE, readAliInfo, streamAlignments, type AliInfo, type FailedUtt, type UttAlignment } from './ali-archive.js';
import { openAliWriter } from './ali-writer.js';
import { readTransitionModel, writeTransitionModel, TRANSITION_MODEL_FILE, type TransitionModel } from './transition-model.js';

/** An alignment directory's description: what must agree for two of them to be combined. */
export interface AliDirModel {
  dir: string;
  info: AliInfo;
  transitionModel: TransitionModel;
  lang: LangDir;
}

/** Read ali.json, the transition model and the lang copy of an alignment directory. */
export async function readAliDirModel(dir: string): Promise<AliDirModel> {
  const info = await readAliInfo(dir);
  const transitionModel = await readTransitionModel(path.join(dir, TRANSITION_MODEL_FILE));
  const lang = await readLangDir(path.join(dir, MODEL_LANG_DIR));
  if (transitionModel.numPdfs !== info.numPdfs) throw new InputError(`${dir}: ali.json says ${info.numPdfs} pdfs but transition-model.json has ${transitionModel.numPdfs}`);
  return { dir, info, transitionModel, lang };
}

/**
 * What differs between two alignment directories' model, lang and frame shift (`a` is the
 * reference), or undefined when they can share one ALI_DIR.
 */
export function aliModelDifference(a: AliDirModel, b: AliDirModel): string | undefined {
  if (b.info.frameShiftMs !== a.info.frameShiftMs) return `frame shift ${b.info.frameShiftMs} ms, not ${a.info.frameShiftMs} ms`;
  if (b.info.numPdfs !== a.info.numPdfs) return `another model (${b.info.numPdfs} pdfs, not ${a.info.numPdfs})`;
  if (canonicalJson(b.transitionModel.tree ?? null) !== canonicalJson(a.transitionModel.tree ?? null)) return 'another decision tree (transition-model.json "tree")';
  if (canonicalJson(b.transitionModel.phones) !== canonicalJson(a.transitionModel.phones)) return 'another transition model (HMM topology or transitions)';
  if (canonicalJson(b.lang.phones) !== canonicalJson(a.lang.phones)) return 'another lang directory (lang/phones.txt differs)';
  if (canonicalJson(b.lang.words) !== canonicalJson(a.lang.words)) return 'another lang directory (lang/words.txt differs)';
  return undefined;
}

/**
 * Refuse alignment directories that were not made with the model, tree and lang of the first.
 * @example checkSameAliModel(await Promise.all(dirs.map(readAliDirModel)))
 */
export function checkSameAliModel(models: AliDirModel[]): void {
  for (const m of models.slice(1)) {
    const diff = aliModelDifference(models[0], m);
    if (diff) {
      throw new InputError(
        `${m.dir}: aligned with ${diff} than ${models[0].dir}; combine only alignments made with the same model and lang (align every part with the same MODEL_DIR)`,
      );
    }
  }
}

/** Check one utterance's pdf and phone ids against the transition model (as readAlignments does). */
export function checkAliAgainstModel(a: UttAlignment, tm: TransitionModel, file: string): void {
  for (let t = 0; t < a.pdfIds.length; t++) {
    const st = tm.pdfToState[a.pdfIds[t]];
    if (!st) throw new InputError(`${file}: utterance ${a.uttId} frame ${t}: pdf id ${a.pdfIds[t]} outside [0, ${tm.numPdfs})`);
    if (st[0] !== a.phoneIds[t]) throw new InputError(`${file}: utterance ${a.uttId} frame ${t}: pdf ${a.pdfIds[t]} belongs to phone ${st[0]}, not ${a.phoneIds[t]}`);
  }
}

/** The utterances of an ali.arrow, checking that they come in C-locale order (a k-way merge needs it). */
export async function* sortedAlignments(dir: string): AsyncGenerator<UttAlignment> {
  const file = path.join(dir, ALI_ARROW_FILE);
  let prev: string | undefined;
  for await (const a of streamAlignments(file, dir)) {
    if (prev !== undefined && compareCLocale(prev, a.uttId) >= 0) {
      throw new InputError(`${file}: utterance ${a.uttId} comes after ${prev}, not in C-locale order; write the alignment with asr-distill align or import-ali`);
    }
    prev = a.uttId;
    yield a;
  }
}

/** Frame-weighted mean of a per-frame statistic when every source has it. */
function weighted(models: AliDirModel[], key: 'avgLogLike' | 'gmmStateAccuracy'): number | undefined {
  if (!models.every((m) => typeof m.info[key] === 'number')) return undefined;
  const frames = models.reduce((s, m) => s + m.info.numFrames, 0);
  return frames > 0 ? models.reduce((s, m) => s + m.info[key]! * m.info.numFrames, 0) / frames : undefined;
}

/**
 * Write the union of the alignment directories `dirs` into `out` (usually the work directory of
 * withOutputDir): ali.arrow merged in C-locale order, `failed` and ali.json's failed list joined,
 * and the common transition model and lang copy. Refuses directories made with another model, tree
 * or lang (checkSameAliModel) and an utterance in two sources (aligned or failed in either).
 *
 * @example await combineAliDirs('exp/tri_ali', ['exp/tri_ali.1', 'exp/tri_ali.2'])
 */
export async function combineAliDirs(out: string, dirs: string[]): Promise<AliInfo> {
  if (dirs.length === 0) throw new InputError('give at least one alignment directory to combine');
  const models: AliDirModel[] = [];
  for (const d of dirs) models.push(await readAliDirModel(d));
  checkSameAliModel(models);
  const tm = models[0].transitionModel;
  const dup = (uttId: string, i: number, j: number) =>
    new InputError(`utterance ${uttId} is in both ${dirs[i]} and ${dirs[j]}; combine alignment directories of disjoint utterances (the parts of split-data or split-ali)`);
  const failedBy = new Map<string, number>();
  const failed: FailedUtt[] = [];
  models.forEach((m, i) => {
    for (const f of m.info.failed) {
      const j = failedBy.get(f.uttId);
      if (j !== undefined) throw dup(f.uttId, j, i);
      failedBy.set(f.uttId, i);
      failed.push(f);
    }
  });
  failed.sort((a, b) => compareCLocale(a.uttId, b.uttId));

  await fs.mkdir(out, { recursive: true });
  const writer = await openAliWriter(path.join(out, ALI_ARROW_FILE));
  const seen = dirs.map(() => ({ utts: 0, frames: 0 }));
  const sources = dirs.map((d) => sortedAlignments(d));
  let counts: { numUtts: number; numFrames: number };
  try {
    // k-way merge of the sorted sources (k is small: a linear scan for the smallest head).
    const heads = await Promise.all(sources.map((s) => s.next()));
    while (true) {
      let k = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h.done) continue;
        if (k === -1) k = i;
        else {
          const c = compareCLocale(h.value.uttId, (heads[k].value as UttAlignment).uttId);
          if (c === 0) throw dup(h.value.uttId, k, i);
          if (c < 0) k = i;
        }
      }
      if (k === -1) break;
      const a = heads[k].value as UttAlignment;
      const j = failedBy.get(a.uttId);
      if (j !== undefined) throw dup(a.uttId, Math.min(j, k), Math.max(j, k));
      checkAliAgainstModel(a, tm, path.join(dirs[k], ALI_ARROW_FILE));
      await writer.add(a);
      seen[k].utts++;
      seen[k].frames += a.pdfIds.length;
      heads[k] = await sources[k].next();
    }
    counts = await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  } finally {
    // Sources left unfinished by an error close their files.
    await Promise.all(sources.map((s) => s.return(undefined)));
  }
  models.forEach((m, i) => {
    if (m.info.numUtts === seen[i].utts && m.info.numFrames === seen[i].frames) return;
    throw new InputError(
      `${path.join(dirs[i], ALI_JSON_FILE)}: says ${m.info.numUtts} utterances / ${m.info.numFrames} frames but ali.arrow holds ${seen[i].utts} / ${seen[i].frames}; the directory is damaged, re-run asr-distill align`,
    );
  });

  const refines = models.map((m) => canonicalJson(m.info.refine ?? null));
  const avgLogLike = weighted(models, 'avgLogLike');
  const gmmStateAccuracy = weighted(models, 'gmmStateAccuracy');
  const info: AliInfo = {
    numPdfs: tm.numPdfs,
    frameShiftMs: models[0].info.frameShiftMs,
    ...counts,
    failed,
    source: `combine-ali ${dirs.map((d) => path.resolve(d)).join(' ')}`,
    ...(avgLogLike !== undefined ? { avgLogLike } : {}),
    ...(gmmStateAccuracy !== undefined ? { gmmStateAccuracy } : {}),
    ...(models[0].info.refine && refines.every((r) => r === refines[0]) ? { refine: models[0].info.refine } : {}),
  };
  await writeTransitionModel(path.join(out, TRANSITION_MODEL_FILE), tm);
  await copyLangDir(models[0].lang.dir, out);
  await writeFileAtomic(path.join(out, ALI_FAILED_FILE), failed.map((f) => `${f.uttId} ${f.reason}\n`).join(''));
  // ali.json last: its presence marks a complete directory (as writeAlignments).
  await writeFileAtomic(path.join(out, ALI_JSON_FILE), JSON.stringify(info, null, 1) + '\n');
  return info;
}
