// Alignment directory (ALI_DIR, the output of `asr-distill align`): ali.arrow (per utterance the
// pdf id and phone id of every frame), ali.json (summary + failed utterances), `failed` (plain
// text, one `uttid reason` per line, like Kaldi's align logs), and copies of the transition model
// and lang directory so the alignment is self-describing (like Kaldi's exp/mono_ali/{final.mdl,phones.txt}).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Field, Int32, List, Table, Utf8, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { InputError } from '../errors.js';
import { readJsonFile } from '../store/json-file.js';
import { copyLangDir, readLangDir, type LangDir } from '../lang/lang-dir.js';
import { writeFileAtomic } from '../store/atomic.js';
import { formatKaldiTextInt32Vector } from '../store/kaldi-archive.js';
import { readArrowBatches } from '../store/arrow-batches.js';
import { readTransitionModel, writeTransitionModel, TRANSITION_MODEL_FILE, type TransitionModel } from './transition-model.js';
import { compareCLocale } from '../data/c-locale.js';

/** One utterance's frame labels (the DNN targets). */
export interface UttAlignment {
  uttId: string;
  pdfIds: Int32Array;
  phoneIds: Int32Array;
}

/** An utterance that could not be aligned, with the reason (OOV word, too short, no features, ...). */
export interface FailedUtt {
  uttId: string;
  reason: string;
}

/** ALI_DIR/ali.json. */
export interface AliInfo {
  numPdfs: number;
  frameShiftMs: number;
  numUtts: number;
  numFrames: number;
  failed: FailedUtt[];
  /** Where the alignment came from, e.g. `align exp/mono` or `import-ali kaldi ali.txt` (informational). */
  source?: string;
  /** From `align`: average log p(x | aligned pdf) per frame, and the share of frames whose best GMM pdf is the aligned one. */
  avgLogLike?: number;
  gmmStateAccuracy?: number;
  /** From `align`: the boundary refinement applied after Viterbi (boundary-refine.ts); windowFrames 0 = none. */
  refine?: { windowFrames: number; contextFrames: number };
}

/** A contiguous run of frames of one phone instance. */
export interface PhoneSegment {
  phoneId: number;
  startFrame: number;
  numFrames: number;
}

export const ALI_ARROW_FILE = 'ali.arrow';
export const ALI_JSON_FILE = 'ali.json';
export const ALI_FAILED_FILE = 'failed';

const int32List = () => new List(new Field('item', new Int32(), false));

/** Build a list<int32> vector from per-row typed arrays without per-element builders. */
function int32ListVector(rows: Int32Array[]): Vector {
  const offsets = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) offsets[i + 1] = offsets[i] + rows[i].length;
  const values = new Int32Array(offsets[rows.length]);
  for (let i = 0; i < rows.length; i++) values.set(rows[i], offsets[i]);
  const child = makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
  return makeVector(makeData({ type: int32List(), length: rows.length, nullCount: 0, valueOffsets: offsets, child }));
}

/** Copy of every row's list<int32> as typed arrays (reads the Arrow buffers directly). */
function int32ListRows(col: Vector, file: string, name: string): Int32Array[] {
  const out: Int32Array[] = [];
  for (const d of col.data) {
    const offsets = d.valueOffsets as Int32Array | undefined;
    const values = (d.children[0] as { values?: Int32Array } | undefined)?.values;
    if (!offsets || !values) throw new InputError(`${file}: column ${name} is not a list<int32>`);
    for (let i = 0; i < d.length; i++) out.push(values.slice(offsets[d.offset + i], offsets[d.offset + i + 1]));
  }
  return out;
}

/**
 * Frames per Arrow record batch of ali.arrow: 4M frames = 32 MB of pdf and phone ids, far below
 * the 2^31 values an int32-offset list holds, and what a streaming reader holds at a time. An
 * alignment of up to 4M frames (11 h at 10 ms) is one batch, byte for byte as before batching.
 */
export const ALI_BATCH_FRAMES = 4_000_000;

/** Serialise alignments as an Arrow IPC file (pure; rows in the given order, a record batch per `batchFrames` frames). */
export function encodeAlignments(alis: UttAlignment[], batchFrames = ALI_BATCH_FRAMES): Uint8Array {
  for (const a of alis) {
    if (a.pdfIds.length !== a.phoneIds.length) {
      throw new Error(`alignment of ${a.uttId}: ${a.pdfIds.length} pdf ids but ${a.phoneIds.length} phone ids`);
    }
  }
  const groups: UttAlignment[][] = [[]];
  let frames = 0;
  for (const a of alis) {
    if (frames > 0 && frames + a.pdfIds.length > batchFrames) {
      groups.push([]);
      frames = 0;
    }
    groups[groups.length - 1].push(a);
    frames += a.pdfIds.length;
  }
  const tables = groups.map(
    (g) =>
      new Table({
        utt_id: vectorFromArray(g.map((a) => a.uttId), new Utf8()),
        pdf_ids: int32ListVector(g.map((a) => a.pdfIds)),
        phone_ids: int32ListVector(g.map((a) => a.phoneIds)),
      }),
  );
  return tableToIPC(tables.length === 1 ? tables[0] : new Table(tables.flatMap((t) => t.batches)), 'file');
}

/** Parse an Arrow IPC file written by `encodeAlignments`; `file` names it in errors. */
export function decodeAlignments(bytes: Uint8Array, file: string): UttAlignment[] {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new InputError(`${file}: not an Arrow IPC file (${(e as Error).message})`);
  }
  if (table.schema.fields.length === 0) throw new InputError(`${file}: not an Arrow IPC file (no columns); re-create it with 'asr-distill align'`);
  return decodeAliColumns(table, file);
}

/** The alignments of one table or record batch of ali.arrow. */
function decodeAliColumns(table: { getChild(name: string): Vector | null; schema: { fields: { name: string }[] } }, file: string): UttAlignment[] {
  const utt = table.getChild('utt_id');
  const pdf = table.getChild('pdf_ids');
  const phone = table.getChild('phone_ids');
  if (!utt || !pdf || !phone) throw new InputError(`${file}: expected columns utt_id, pdf_ids, phone_ids; found ${table.schema.fields.map((f) => f.name).join(', ')}`);
  const ids = utt.toArray() as string[];
  const pdfs = int32ListRows(pdf, file, 'pdf_ids');
  const phones = int32ListRows(phone, file, 'phone_ids');
  return ids.map((uttId, i) => {
    if (pdfs[i].length !== phones[i].length) {
      throw new InputError(`${file}: utterance ${uttId} has ${pdfs[i].length} pdf ids but ${phones[i].length} phone ids`);
    }
    return { uttId: String(uttId), pdfIds: pdfs[i], phoneIds: phones[i] };
  });
}

/**
 * The phone instances of an alignment, in order. A new instance starts where the phone changes
 * or where the HMM re-enters its state 0 from another state (state 0 has no other incoming arc in
 * Kaldi's topologies), so two adjacent instances of the same phone ("one nine": N N) stay apart,
 * like `ali-to-phones`.
 */
export function phoneSegments(ali: UttAlignment, tm: TransitionModel): PhoneSegment[] {
  const segs: PhoneSegment[] = [];
  const n = ali.phoneIds.length;
  for (let t = 0; t < n; t++) {
    const ph = ali.phoneIds[t];
    const st = tm.pdfToState[ali.pdfIds[t]]?.[1] ?? -1;
    const prevSt = t > 0 ? (tm.pdfToState[ali.pdfIds[t - 1]]?.[1] ?? -1) : -1;
    const last = segs[segs.length - 1];
    if (!last || ph !== ali.phoneIds[t - 1] || (st === 0 && prevSt !== 0)) segs.push({ phoneId: ph, startFrame: t, numFrames: 1 });
    else last.numFrames++;
  }
  return segs;
}

/**
 * Kaldi phone CTM lines (`uttid 1 start duration phone`, seconds with 2 decimals at a 10 ms shift),
 * as `ali-to-phones --ctm-output` prints them: start = first frame x frame shift.
 */
export function formatCtm(uttId: string, segs: PhoneSegment[], phones: string[], frameShiftMs: number): string {
  const s = frameShiftMs / 1000;
  const digits = Math.max(2, Math.ceil(-Math.log10(s) - 1e-9));
  return segs.map((g) => `${uttId} 1 ${(g.startFrame * s).toFixed(digits)} ${(g.numFrames * s).toFixed(digits)} ${phones[g.phoneId] ?? g.phoneId}\n`).join('');
}

/** Kaldi `ali-to-pdf ... ark,t:-` text, byte for byte: `uttid p1 p2 ... \n`. */
export function formatPdfText(ali: UttAlignment): string {
  return formatKaldiTextInt32Vector(ali.uttId, ali.pdfIds);
}

/**
 * Write an alignment directory: ali.arrow, ali.json, failed, transition-model.json and lang/
 * (a copy of `langDir.dir`). Each file is replaced atomically; `info.numUtts`/`numFrames` are
 * recomputed from `alis`. Utterances are stored in C-locale order of their ids.
 */
export async function writeAlignments(dir: string, alis: UttAlignment[], info: AliInfo, transitionModel: TransitionModel, langDir: LangDir): Promise<void> {
  const sorted = [...alis].sort((a, b) => compareCLocale(a.uttId, b.uttId));
  for (const a of sorted) {
    for (let t = 0; t < a.pdfIds.length; t++) {
      if (a.pdfIds[t] < 0 || a.pdfIds[t] >= info.numPdfs) throw new Error(`alignment of ${a.uttId} frame ${t}: pdf id ${a.pdfIds[t]} outside [0, ${info.numPdfs})`);
    }
  }
  const numFrames = sorted.reduce((n, a) => n + a.pdfIds.length, 0);
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, ALI_ARROW_FILE), encodeAlignments(sorted));
  await finishAliDir(dir, { ...info, numUtts: sorted.length, numFrames }, transitionModel, langDir);
}

/**
 * The files of ALI_DIR besides ali.arrow (already written, e.g. by ali-writer.ts): the transition
 * model, lang/, failed, then ali.json last (its presence marks a complete directory).
 */
export async function finishAliDir(dir: string, info: AliInfo, transitionModel: TransitionModel, langDir: LangDir): Promise<void> {
  await writeTransitionModel(path.join(dir, TRANSITION_MODEL_FILE), transitionModel);
  await copyLangDir(langDir.dir, dir);
  await writeFileAtomic(path.join(dir, ALI_FAILED_FILE), info.failed.map((f) => `${f.uttId} ${f.reason}\n`).join(''));
  await writeFileAtomic(path.join(dir, ALI_JSON_FILE), JSON.stringify(info, null, 1) + '\n');
}

/**
 * The alignments of an ali.arrow file, record batch by record batch (read through a file handle:
 * no 2 GiB ceiling, one batch in memory at a time). `dir` names the directory in errors.
 */
export async function* streamAlignments(file: string, dir = path.dirname(file)): AsyncGenerator<UttAlignment> {
  const hint = `the alignment directory ${dir} is incomplete or damaged (re-run 'asr-distill align')`;
  for await (const batch of readArrowBatches(file, 'alignment archive', hint)) yield* decodeAliColumns(batch, file);
}

/** Read ALI_DIR/ali.json only. */
export async function readAliInfo(dir: string): Promise<AliInfo> {
  const file = path.join(dir, ALI_JSON_FILE);
  const info = await readJsonFile<AliInfo>(file, { missing: `${file}: not found; is ${dir} an alignment directory made by 'asr-distill align' or 'asr-distill import-ali'?` });
  if (!Number.isInteger(info.numPdfs) || !(info.frameShiftMs > 0)) throw new InputError(`${file}: numPdfs and frameShiftMs are required`);
  info.failed ??= [];
  return info;
}

/**
 * Read an alignment directory. Checks that every pdf id is below the transition model's number of
 * pdfs and that pdf and phone ids agree with it.
 *
 * @example const { alis, info } = await readAlignments('exp/digits/ali_train'); alis.get('spk1-0001')!.pdfIds
 */
export async function readAlignments(dir: string): Promise<{ info: AliInfo; alis: Map<string, UttAlignment>; transitionModel: TransitionModel; lang: LangDir }> {
  const info = await readAliInfo(dir);
  const transitionModel = await readTransitionModel(path.join(dir, TRANSITION_MODEL_FILE));
  const lang = await readLangDir(path.join(dir, 'lang'));
  const file = path.join(dir, ALI_ARROW_FILE);
  if (transitionModel.numPdfs !== info.numPdfs) {
    throw new InputError(`${dir}: ali.json says ${info.numPdfs} pdfs but transition-model.json has ${transitionModel.numPdfs}`);
  }
  const alis = new Map<string, UttAlignment>();
  for await (const a of streamAlignments(file, dir)) {
    for (let t = 0; t < a.pdfIds.length; t++) {
      const st = transitionModel.pdfToState[a.pdfIds[t]];
      if (!st) throw new InputError(`${file}: utterance ${a.uttId} frame ${t}: pdf id ${a.pdfIds[t]} outside [0, ${info.numPdfs})`);
      if (st[0] !== a.phoneIds[t]) throw new InputError(`${file}: utterance ${a.uttId} frame ${t}: pdf ${a.pdfIds[t]} belongs to phone ${st[0]}, not ${a.phoneIds[t]}`);
    }
    alis.set(a.uttId, a);
  }
  return { info, alis, transitionModel, lang };
}
