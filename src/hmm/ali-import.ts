// Bring alignments made elsewhere into an ALI_DIR: Kaldi's per-frame pdf ids (`ali-to-pdf
// final.mdl ark:ali.1.gz ark,t:-` text) or transition ids (`ali.1.gz`) with the Kaldi tree and
// transition model that made them (converted to our model: kaldi-transition-model.ts), and Praat
// TextGrid phone tiers (the Montreal Forced Aligner's output). TextGrid phones are turned into HMM states by sharing each phone's frames
// equally among its states (as a flat start would).
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { parseSymbolTable, readLangDir, type LangDir } from '../lang/lang-dir.js';
import { ALI_ARROW_FILE, finishAliDir, type FailedUtt, type UttAlignment } from './ali-archive.js';
import { openAliSorter } from './ali-sorter.js';
import { openAliWriter } from './ali-writer.js';
import { normalizePhone } from './ali-accuracy.js';
import { treePdf } from './decision-tree.js';
import { buildTransitionModel, defaultTopology } from './topology.js';
import { readTransitionModel, TRANSITION_MODEL_FILE, type TransitionModel } from './transition-model.js';
import { kaldiToTransitionModel, kaldiTransitionIdTables, parseKaldiTransitionModel } from './kaldi-transition-model.js';
import { parseKaldiTree } from './kaldi-tree.js';
import { TREE_FILE, writeTree } from './tree-format.js';
import { compareCLocale } from '../data/c-locale.js';
import { printable, readTextLines } from '../data/text-input.js';
import { isBinaryArchiveFile, streamInt32VectorArchive } from '../store/kaldi-archive.js';
import { tempPathFor } from '../store/atomic.js';
import { makeDirs } from '../store/paths.js';

/** One tier of a TextGrid: intervals (IntervalTier) with their labels. */
export interface TextGridTier {
  name: string;
  intervals: { xmin: number; xmax: number; text: string }[];
}

/**
 * Parse `ali-to-pdf ... ark,t:-` text: `uttid p1 p2 ...` per line. Errors name the file and line.
 */
export function parseKaldiPdfText(text: string, file: string): Map<string, Int32Array> {
  const out = new Map<string, Int32Array>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const e = parseKaldiPdfLine(lines[i], i + 1, file);
    if (!e) continue;
    if (out.has(e.uttId)) throw new InputError(duplicateLine(file, e.uttId, i + 1));
    out.set(e.uttId, e.ids);
  }
  return out;
}

/** One line of `ali-to-pdf ... ark,t:-` text (line number `lineNo` of `file`, for errors); null for a blank line. */
export function parseKaldiPdfLine(line: string, lineNo: number, file: string): { uttId: string; ids: Int32Array } | null {
  const f = line.trim().split(/\s+/).filter((x) => x.length > 0);
  if (f.length === 0) return null;
  if (f.length < 2) throw new InputError(`${file} line ${lineNo}: utterance ${printable(f[0])} has no frames; expected 'uttid pdf1 pdf2 ...' (ali-to-pdf text output)`);
  const ids = new Int32Array(f.length - 1);
  for (let k = 1; k < f.length; k++) {
    if (!/^\d+$/.test(f[k])) throw new InputError(`${file} line ${lineNo} (utt ${printable(f[0])}): '${printable(f[k])}' is not a pdf id; expected ali-to-pdf text output`);
    ids[k - 1] = Number(f[k]);
  }
  return { uttId: f[0], ids };
}

const duplicateLine = (file: string, uttId: string, lineNo: number): string => `${file} line ${lineNo}: utterance ${printable(uttId)} appears twice`;

/**
 * The utterances of a Kaldi alignment file in its order, one at a time: an int32-vector archive
 * (`ali-to-pdf ... ark:pdf.ark`, `ali.*.gz`, binary or text inside the gzip) read sequentially
 * through zlib, or `ali-to-pdf ... ark,t:-` text line by line (`lineNo` set). Any size, bounded memory.
 */
async function* readKaldiIdTable(input: string, expected: string): AsyncGenerator<{ uttId: string; ids: Int32Array; lineNo?: number }> {
  let binary: boolean;
  try {
    binary = await isBinaryArchiveFile(input);
  } catch {
    throw new InputError(`${input}: not found; give ${expected}`);
  }
  if (binary) {
    for await (const e of streamInt32VectorArchive(input)) yield { uttId: e.key, ids: e.value };
    return;
  }
  let lineNo = 0;
  for await (const line of readTextLines(createReadStream(input, { highWaterMark: 1 << 16 }), input, expected)) {
    const e = parseKaldiPdfLine(line, ++lineNo, input);
    if (e) yield { ...e, lineNo };
  }
}

/**
 * Parse a Praat TextGrid (long "ooTextFile" or short format) into its interval tiers; point tiers
 * are skipped. The two formats carry the same values in the same order, so the parser reads the
 * quoted strings and numbers in sequence (after dropping `[n]` item indices).
 */
export function parseTextGrid(text: string, file: string): TextGridTier[] {
  const body = text.replace(/^\uFEFF/, '').replace(/\[\d+\]/g, '');
  const tokens: (string | number)[] = [];
  const re = /"((?:[^"]|"")*)"|(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)/g;
  for (let m = re.exec(body); m; m = re.exec(body)) tokens.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : Number(m[2]));
  let k = 0;
  const next = (what: string): string | number => {
    if (k >= tokens.length) throw new InputError(`${file}: TextGrid ends early (expected ${what}); is it a Praat TextGrid?`);
    return tokens[k++];
  };
  const num = (what: string): number => {
    const v = next(what);
    if (typeof v !== 'number') throw new InputError(`${file}: expected a number for ${what}, got '${printable(String(v))}'; is it a Praat TextGrid?`);
    return v;
  };
  const str = (what: string): string => {
    const v = next(what);
    if (typeof v !== 'string') throw new InputError(`${file}: expected a quoted string for ${what}, got ${printable(String(v))}; is it a Praat TextGrid?`);
    return v;
  };
  if (str('file type') !== 'ooTextFile' || str('object class') !== 'TextGrid') throw new InputError(`${file}: not a Praat TextGrid (expected 'File type = "ooTextFile"' and 'Object class = "TextGrid"')`);
  num('xmin');
  num('xmax');
  const size = num('number of tiers');
  const tiers: TextGridTier[] = [];
  for (let t = 0; t < size; t++) {
    const cls = str('tier class');
    const name = str('tier name');
    num('tier xmin');
    num('tier xmax');
    const n = num('number of intervals');
    if (cls === 'IntervalTier') {
      const intervals = [];
      for (let i = 0; i < n; i++) intervals.push({ xmin: num('interval xmin'), xmax: num('interval xmax'), text: str('interval text') });
      tiers.push({ name, intervals });
    } else if (cls === 'TextTier') {
      for (let i = 0; i < n; i++) {
        num('point time');
        str('point mark');
      }
    } else throw new InputError(`${file}: unknown tier class '${printable(cls)}'`);
  }
  return tiers;
}

/**
 * Frame labels for phone intervals: frame t gets the interval containing its centre
 * (t*shift + length/2); each phone instance's frames are shared equally among its HMM states.
 * Returns null with a reason when a label is not a phone of `lang`.
 */
export function intervalsToAlignment(
  uttId: string,
  intervals: { xmin: number; xmax: number; text: string }[],
  numFrames: number,
  tm: TransitionModel,
  lang: LangDir,
  opts: { frameShiftMs: number; frameLengthMs: number },
): UttAlignment | { reason: string } {
  const shift = opts.frameShiftMs / 1000;
  const centre = opts.frameLengthMs / 2000;
  const segIndex = new Int32Array(numFrames);
  const labels: number[] = [];
  for (const iv of intervals) {
    const label = normalizePhone(iv.text.trim(), lang.optionalSilence);
    const ph = lang.phoneIds.get(label) ?? (label === 'SPN' || label === '<UNK>' ? lang.phoneIds.get('SPN') : undefined);
    if (ph === undefined || !tm.phones[ph]) return { reason: `phone '${printable(iv.text)}' at ${iv.xmin}s is not in ${lang.dir}/phones.txt` };
    labels.push(ph);
  }
  let k = 0;
  for (let t = 0; t < numFrames; t++) {
    const time = t * shift + centre;
    while (k < intervals.length - 1 && time >= intervals[k].xmax) k++;
    segIndex[t] = k;
  }
  const pdfIds = new Int32Array(numFrames);
  const phoneIds = new Int32Array(numFrames);
  let left = 0;
  for (let s = 0; s < numFrames; ) {
    let e = s;
    while (e < numFrames && segIndex[e] === segIndex[s]) e++;
    const hmm = tm.phones[labels[segIndex[s]]]!;
    const n = hmm.states.length;
    // A triphone model's tied state depends on the neighbouring phones (0 at the edges, convert-ali.ts).
    const right = e < numFrames ? labels[segIndex[e]] : 0;
    for (let t = s; t < e; t++) {
      phoneIds[t] = hmm.phoneId;
      const st = Math.min(n - 1, Math.floor(((t - s) * n) / (e - s)));
      pdfIds[t] = tm.tree ? treePdf(tm.tree, left, hmm.phoneId, right, st) : hmm.states[st].pdfId;
    }
    left = hmm.phoneId;
    s = e;
  }
  return { uttId, pdfIds, phoneIds };
}

/** The transition model and lang of a model directory, or the default topology over a lang directory. */
export async function loadModelOrLang(dir: string): Promise<{ tm: TransitionModel; lang: LangDir }> {
  try {
    await fs.access(path.join(dir, TRANSITION_MODEL_FILE));
  } catch {
    const lang = await readLangDir(dir);
    return { tm: buildTransitionModel(lang.phones, lang.silencePhones, defaultTopology()), lang };
  }
  return { tm: await readTransitionModel(path.join(dir, TRANSITION_MODEL_FILE)), lang: await readLangDir(path.join(dir, 'lang')) };
}

/** A Kaldi model in text form (copy-tree / copy-transition-model --binary=false) and its phones.txt. */
export interface KaldiModelFiles {
  tree: string;
  model: string;
  /** Kaldi's data/lang/phones.txt (default: the lang directory's phones.txt, i.e. the same numbering). */
  phones?: string;
}

/**
 * Our transition model (with its tree) from a Kaldi tree and transition model, over the lang of
 * `modelOrLang` (kaldi-transition-model.ts says what converts); also the transition-id -> pdf table.
 */
export async function loadKaldiModel(modelOrLang: string, files: KaldiModelFiles): Promise<{ tm: TransitionModel; lang: LangDir; pdfOfTransitionId: Int32Array }> {
  const { lang } = await loadModelOrLang(modelOrLang);
  const phonesFile = files.phones ?? path.join(lang.dir, 'phones.txt');
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      throw new InputError(`${file}: not found; give ${what}`);
    }
  };
  const cd = parseKaldiTree(await read(files.tree, "a Kaldi tree in text form ('copy-tree --binary=false exp/tri1/tree tree.txt')"), files.tree);
  const km = parseKaldiTransitionModel(await read(files.model, "a Kaldi transition model in text form ('copy-transition-model --binary=false exp/tri1/final.mdl final.mdl.txt')"), files.model);
  const kaldiPhones = parseSymbolTable(await read(phonesFile, "Kaldi's data/lang/phones.txt"), phonesFile);
  const tm = kaldiToTransitionModel(km, cd, { ours: lang.phones, kaldi: kaldiPhones, kaldiFile: phonesFile, modelFile: files.model, treeFile: files.tree });
  return { tm, lang, pdfOfTransitionId: kaldiTransitionIdTables(km).pdfOf };
}

export interface ImportOptions {
  frameShiftMs?: number;
  frameLengthMs?: number;
  /** Frame counts per utterance (from a FEATS_DIR); alignments of another length are reported as failed. */
  numFrames?: Map<string, number>;
  /** TextGrid tier with the phones (default: the first tier named like "phones"). */
  tier?: string;
  /** Kaldi format: take the model from a Kaldi tree and transition model instead of MODEL_OR_LANG's. */
  kaldi?: KaldiModelFiles;
  /** Kaldi format: INPUT holds transition ids (exp/tri1/ali.*.gz) rather than pdf ids; needs `kaldi`. */
  transitionIds?: boolean;
}

/**
 * `asr-distill import-ali kaldi|textgrid INPUT MODEL_OR_LANG_DIR ALI_DIR`. INPUT is a text file
 * (kaldi) or a TextGrid file / directory of `<uttid>.TextGrid` files (textgrid).
 */
export async function importAlignments(format: 'kaldi' | 'textgrid', input: string, modelOrLang: string, aliDir: string, opts: ImportOptions = {}): Promise<{ numUtts: number; failed: FailedUtt[] }> {
  if (opts.transitionIds && !opts.kaldi) throw new InputError('transition-id alignments need the Kaldi model that made them: give its tree and transition model (--kaldi-tree, --kaldi-model)');
  if (opts.kaldi && format !== 'kaldi') throw new InputError('a Kaldi tree and transition model go with Kaldi alignments (format kaldi), not TextGrids');
  const kaldi = opts.kaldi ? await loadKaldiModel(modelOrLang, opts.kaldi) : undefined;
  const { tm, lang } = kaldi ?? (await loadModelOrLang(modelOrLang));
  const modelName = opts.kaldi ? opts.kaldi.model : 'the transition model';
  const frameShiftMs = opts.frameShiftMs ?? 10;
  const frameLengthMs = opts.frameLengthMs ?? 25;
  const failed: FailedUtt[] = [];
  const checkLength = (uttId: string, n: number): boolean => {
    const want = opts.numFrames?.get(uttId);
    if (opts.numFrames && want === undefined) {
      failed.push({ uttId, reason: 'no features for this utterance in the feature directory' });
      return false;
    }
    if (want !== undefined && Math.abs(want - n) > (format === 'kaldi' ? 0 : 2)) {
      failed.push({ uttId, reason: `${n} frames in the alignment but ${want} in the features` });
      return false;
    }
    return true;
  };
  // Utterances come in the input's order and leave in C-locale order through a scratch file beside
  // ALI_DIR (ali-sorter.ts): one utterance in memory, whatever the size of the input.
  const scratch = tempPathFor(`${path.resolve(aliDir)}.import-ali`);
  await makeDirs(path.dirname(scratch));
  const sorter = openAliSorter(scratch);
  try {
    let twice = (uttId: string, _tag: number): string => `${input}: two TextGrids for utterance ${printable(uttId)}`;
    if (format === 'kaldi') {
      const expected = `the text output of 'ali-to-pdf final.mdl ark:"gunzip -c ali.*.gz|" ark,t:-'`;
      twice = (uttId, lineNo) => (lineNo > 0 ? duplicateLine(input, uttId, lineNo) : `${input}: key ${uttId} appears twice`);
      for await (const { uttId, ids, lineNo } of readKaldiIdTable(input, expected)) {
        const fail = (reason: string) => {
          failed.push({ uttId, reason });
          sorter.add(uttId, null, lineNo);
        };
        // Plain loops: this runs for every frame of a corpus (hundreds of millions for 1000 hours).
        let pdfIds = ids;
        if (kaldi && opts.transitionIds) {
          // Kaldi ali-to-pdf: each frame's transition id names the pdf it was emitted from.
          const pdfOf = kaldi.pdfOfTransitionId;
          pdfIds = new Int32Array(ids.length);
          let badTid = -1;
          for (let t = 0; t < ids.length && badTid < 0; t++) {
            if (ids[t] >= 1 && ids[t] < pdfOf.length) pdfIds[t] = pdfOf[ids[t]];
            else badTid = t;
          }
          if (badTid >= 0) {
            fail(`frame ${badTid}: transition id ${ids[badTid]} outside [1, ${pdfOf.length - 1}] of ${modelName}; is the alignment from this model?`);
            continue;
          }
        }
        const phoneIds = new Int32Array(pdfIds.length);
        let bad = -1;
        for (let t = 0; t < pdfIds.length && bad < 0; t++) {
          const p = pdfIds[t];
          if (p >= 0 && p < tm.numPdfs) phoneIds[t] = tm.pdfToState[p][0];
          else bad = t;
        }
        if (bad >= 0) {
          fail(pdfIds[bad] < 0 ? `frame ${bad}: negative pdf id ${pdfIds[bad]}` : `frame ${bad}: pdf id ${pdfIds[bad]} >= ${tm.numPdfs} pdfs of ${modelName}`);
          continue;
        }
        if (!checkLength(uttId, pdfIds.length)) {
          sorter.add(uttId, null, lineNo);
          continue;
        }
        sorter.add(uttId, { uttId, pdfIds, phoneIds }, lineNo);
      }
    } else {
      const stat = await fs.stat(input).catch(() => null);
      if (!stat) throw new InputError(`${input}: not found; give a TextGrid file or a directory of <uttid>.TextGrid files`);
      const files = stat.isDirectory()
        ? (await fs.readdir(input)).filter((f) => /\.textgrid$/i.test(f)).sort(compareCLocale).map((f) => path.join(input, f))
        : [input];
      if (files.length === 0) throw new InputError(`${input}: no .TextGrid files`);
      for (const file of files) {
        const uttId = path.basename(file).replace(/\.textgrid$/i, '');
        const tiers = parseTextGrid(await fs.readFile(file, 'utf8'), file);
        const tier = opts.tier ? tiers.find((t) => t.name === opts.tier) : tiers.find((t) => /^phones?$/i.test(t.name)) ?? tiers.find((t) => /phone/i.test(t.name));
        if (!tier) throw new InputError(`${file}: no phone tier${opts.tier ? ` named '${opts.tier}'` : ''} (tiers: ${tiers.map((t) => printable(t.name)).join(', ')}); choose one with --tier`);
        if (tier.intervals.length === 0) {
          failed.push({ uttId, reason: `${file}: the phone tier is empty` });
          sorter.add(uttId, null);
          continue;
        }
        const end = tier.intervals[tier.intervals.length - 1].xmax;
        // Frames that fit entirely in the audio (Kaldi snip-edges): floor((dur - length) / shift) + 1.
        const n = opts.numFrames?.get(uttId) ?? Math.max(0, Math.floor((end * 1000 - frameLengthMs) / frameShiftMs + 1e-6) + 1);
        if (!checkLength(uttId, Math.max(0, Math.floor((end * 1000 - frameLengthMs) / frameShiftMs + 1e-6) + 1))) {
          sorter.add(uttId, null);
          continue;
        }
        const a = intervalsToAlignment(uttId, tier.intervals, n, tm, lang, { frameShiftMs, frameLengthMs });
        if ('reason' in a) {
          failed.push({ uttId, reason: `${file}: ${a.reason}` });
          sorter.add(uttId, null);
        } else sorter.add(uttId, a);
      }
    }
    sorter.sort(twice);
    if (sorter.numAlis === 0) {
      // An empty ALI_DIR would only fail later, in train, far from the cause.
      if (failed.length === 0) throw new InputError(`${input}: no alignments in it; expected ${format === 'kaldi' ? "'uttid pdf1 pdf2 ...' lines" : 'TextGrid phone tiers'}`);
      const shown = failed.slice(0, 3).map((f) => `  ${printable(f.uttId)}: ${f.reason}`);
      const more = failed.length > 3 ? `\n  ... and ${failed.length - 3} more` : '';
      throw new InputError(`${input}: none of its ${failed.length} utterance${failed.length === 1 ? '' : 's'} could be imported, nothing written to ${aliDir}:\n${shown.join('\n')}${more}`);
    }
    // ali.arrow record batch by record batch, as align writes it (ali-writer.ts: writeAlignments's bytes).
    const writer = await openAliWriter(path.join(aliDir, ALI_ARROW_FILE));
    let written: { numUtts: number; numFrames: number };
    try {
      for (const a of sorter.sorted()) await writer.add(a);
      written = await writer.close();
    } catch (e) {
      await writer.abort();
      throw e;
    }
    const source = `import-ali ${format} ${path.resolve(input)}${opts.kaldi ? ` (Kaldi model ${path.resolve(opts.kaldi.tree)} ${path.resolve(opts.kaldi.model)})` : ''}`;
    await finishAliDir(aliDir, { numPdfs: tm.numPdfs, frameShiftMs, numUtts: written.numUtts, numFrames: written.numFrames, failed, source }, tm, lang);
  } finally {
    await sorter.close();
  }
  // The imported tree in our text format too, for show-tree (the transition model carries it as well).
  if (kaldi) await writeTree(path.join(aliDir, TREE_FILE), tm.tree!, lang.phones);
  return { numUtts: sorter.numAlis, failed };
}
