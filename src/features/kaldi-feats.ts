// Features to and from Kaldi: a Kaldi `feats.scp` / `feats.ark` (binary float or double, text, or
// compressed CM/CM2/CM3 matrices) becomes an Arrow FEATS_DIR (`import-feats`), and a FEATS_DIR
// becomes a binary `ark` + `scp` of float matrices that Kaldi, kaldiio and lhotse read
// (`export-feats`). The archive formats themselves are in store/kaldi-archive.ts.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { compareCLocale } from '../data/c-locale.js';
import { decodeTextFile, printable } from '../data/text-input.js';
import { writeFileAtomic, writeFileAtomicWith } from '../store/atomic.js';
import { configHash } from '../store/checksum.js';
import { readFeatsInfo, shardFileName, streamFeatsDir, streamFeatsIndex, writeFeatsShard, writeFeatsInfo, type FeatsDirInfo, type UttFeats } from '../store/feats-archive.js';
import {
  arkMatrixRefs,
  binaryMatrixBytes,
  encodeArchive,
  encodeBinaryMatrix,
  formatScp,
  readMatrixRefs,
  scpMatrixRefs,
  streamMatrixArchive,
  type KaldiMatrix,
  type KaldiMatrixFormat,
} from '../store/kaldi-archive.js';
import { applyCmvn, readCmvn } from './cmvn.js';
import { BAD_UTTS_FILE, DEFAULT_SHARD_FRAMES } from './extract.js';
import { defaultFbankConfig, parseFeatureConfig, WINDOW_TYPES, type FbankConfig, type KaldiFeatureConfig } from './config.js';

const textEncoder = new TextEncoder();

/**
 * Kaldi's compute-fbank-feats defaults (FrameExtractionOptions, MelBanksOptions, FbankOptions)
 * and the FbankConfig key each option sets. Kaldi's defaults differ from features/fbank40.json
 * in `--dither` (1) and `--num-mel-bins` (23).
 */
const KALDI_FBANK_OPTIONS: Record<string, { key: keyof Omit<FbankConfig, 'type'>; kind: 'number' | 'bool' | 'window'; kaldiDefault: number | boolean | string }> = {
  'sample-frequency': { key: 'sampleRate', kind: 'number', kaldiDefault: 16000 },
  'frame-length': { key: 'frameLengthMs', kind: 'number', kaldiDefault: 25 },
  'frame-shift': { key: 'frameShiftMs', kind: 'number', kaldiDefault: 10 },
  dither: { key: 'dither', kind: 'number', kaldiDefault: 1 },
  'preemphasis-coefficient': { key: 'preemphasisCoefficient', kind: 'number', kaldiDefault: 0.97 },
  'remove-dc-offset': { key: 'removeDcOffset', kind: 'bool', kaldiDefault: true },
  'window-type': { key: 'windowType', kind: 'window', kaldiDefault: 'povey' },
  'blackman-coeff': { key: 'blackmanCoeff', kind: 'number', kaldiDefault: 0.42 },
  'round-to-power-of-two': { key: 'roundToPowerOfTwo', kind: 'bool', kaldiDefault: true },
  'snip-edges': { key: 'snipEdges', kind: 'bool', kaldiDefault: true },
  'num-mel-bins': { key: 'numMelBins', kind: 'number', kaldiDefault: 23 },
  'low-freq': { key: 'lowFreq', kind: 'number', kaldiDefault: 20 },
  'high-freq': { key: 'highFreq', kind: 'number', kaldiDefault: 0 },
  'use-energy': { key: 'useEnergy', kind: 'bool', kaldiDefault: false },
  'raw-energy': { key: 'rawEnergy', kind: 'bool', kaldiDefault: true },
  'energy-floor': { key: 'energyFloor', kind: 'number', kaldiDefault: 0 },
  'htk-compat': { key: 'htkCompat', kind: 'bool', kaldiDefault: false },
  'use-log-fbank': { key: 'useLog', kind: 'bool', kaldiDefault: true },
  'use-power': { key: 'usePower', kind: 'bool', kaldiDefault: true },
};

/** Options that do not change the features (allowed in an fbank.conf and ignored). */
const KALDI_NEUTRAL_OPTIONS = new Set(['allow-downsample', 'allow-upsample', 'max-feature-vectors', 'verbose', 'min-duration', 'channel', 'output-format', 'write-utt2dur']);

/**
 * The options of a Kaldi config file (`--name=value` per line, `#` comments), as a map from name
 * to value (a bare `--flag` is `true`). Errors name the file and line.
 */
export function parseKaldiConf(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^--([A-Za-z0-9_-]+)(?:=(.*))?$/.exec(line);
    if (!m) throw new InputError(`${file} line ${i + 1}: expected '--option=value', got '${printable(line, 60)}'`);
    const name = m[1].replace(/_/g, '-');
    if (name === 'config') throw new InputError(`${file} line ${i + 1}: nested --config files are not supported; put the options in one file`);
    out.set(name, m[2] ?? 'true');
  });
  return out;
}

/**
 * The FbankConfig that a Kaldi fbank.conf describes (Kaldi's defaults for options it leaves out).
 * Options that would make different features than our fbank computes (VTLN, --subtract-mean, ...)
 * are refused.
 *
 * @example kaldiFbankConfig(parseKaldiConf('--num-mel-bins=40\n--dither=0\n', 'fbank.conf'), 'fbank.conf').numMelBins // 40
 */
export function kaldiFbankConfig(options: Map<string, string>, file: string): FbankConfig {
  const values: Record<string, unknown> = {};
  for (const spec of Object.values(KALDI_FBANK_OPTIONS)) values[spec.key] = spec.kaldiDefault;
  for (const [name, value] of options) {
    const spec = KALDI_FBANK_OPTIONS[name];
    if (!spec) {
      if (KALDI_NEUTRAL_OPTIONS.has(name) || (name === 'vtln-warp' && Number(value) === 1) || (name === 'subtract-mean' && value === 'false')) continue;
      throw new InputError(
        `${file}: --${name} is not an fbank option asr-distill computes the same way; ` +
          'import with --conf instead to record the Kaldi options as they are (the features cannot then be recomputed from audio)',
      );
    }
    if (spec.kind === 'bool') {
      if (value !== 'true' && value !== 'false') throw new InputError(`${file}: --${name}=${value}: expected true or false`);
      values[spec.key] = value === 'true';
    } else if (spec.kind === 'window') {
      if (!(WINDOW_TYPES as readonly string[]).includes(value)) throw new InputError(`${file}: --${name}=${value}: expected one of ${WINDOW_TYPES.join(', ')}`);
      values[spec.key] = value;
    } else {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new InputError(`${file}: --${name}=${value}: expected a number`);
      values[spec.key] = n;
    }
  }
  return parseFeatureConfig({ ...defaultFbankConfig(), ...values, ditherSeed: 0 }, file) as FbankConfig;
}

/** The record of Kaldi features whose extraction is not one of ours (`options` null: unknown). */
export function kaldiFeatureConfig(options: Map<string, string> | null): KaldiFeatureConfig {
  const num = (name: string, fallback: number): number => {
    const v = Number(options?.get(name));
    return options?.has(name) && Number.isFinite(v) ? v : fallback;
  };
  return {
    type: 'kaldi',
    options: options ? [...options].map(([k, v]) => `--${k}=${v}`).sort(compareCLocale) : null,
    sampleRate: num('sample-frequency', 16000),
    frameShiftMs: num('frame-shift', 10),
  };
}

/** Where Kaldi features are read from: an archive, an scp, or a Kaldi data dir (its feats.scp and utt2spk). */
export interface KaldiFeatsInput {
  kind: 'ark' | 'scp';
  file: string;
  /** utt2spk found next to feats.scp when the input was a data dir. */
  utt2spk?: string;
}

/**
 * Resolve what the user gave: `scp:FILE` / `ark:FILE` (Kaldi rspecifiers, options like `ark,t:`
 * allowed), a `.scp` file, a Kaldi data directory (its `feats.scp`, and its `utt2spk` if there),
 * or an archive file.
 */
export async function resolveKaldiFeatsInput(input: string): Promise<KaldiFeatsInput> {
  const spec = /^(ark|scp)(,[a-z]+)*:(.*)$/.exec(input);
  if (spec) {
    if (spec[3] === '-' || spec[3].endsWith('|')) throw new InputError(`${input}: reading from stdin or a command is not supported; give the archive or scp file (a gzipped .ark is unpacked as it is read: give the .gz itself, not 'gunzip -c ...|')`);
    return { kind: spec[1] as 'ark' | 'scp', file: spec[3] };
  }
  const stat = await fs.stat(input).catch(() => null);
  if (!stat) throw new InputError(`${input}: not found; give a Kaldi data dir (with feats.scp), a feats.scp, or a .ark file`);
  if (stat.isDirectory()) {
    const scp = path.join(input, 'feats.scp');
    if (!(await fs.stat(scp).catch(() => null))) throw new InputError(`${input}: a directory without feats.scp; run Kaldi's steps/make_fbank.sh on it first, or give the .ark file`);
    const utt2spk = path.join(input, 'utt2spk');
    return { kind: 'scp', file: scp, ...((await fs.stat(utt2spk).catch(() => null)) ? { utt2spk } : {}) };
  }
  return { kind: input.endsWith('.scp') ? 'scp' : 'ark', file: input };
}

/** Read `uttid speaker` lines (Kaldi utt2spk); errors name the line. */
export async function readUtt2spk(file: string): Promise<Map<string, string>> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read utt2spk (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const text = decodeTextFile(bytes, file, "Kaldi utt2spk: 'uttid speaker' per line");
  const out = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    const f = line.trim().split(/\s+/).filter((x) => x !== '');
    if (f.length === 0) return;
    if (f.length !== 2) throw new InputError(`${file} line ${i + 1}: expected 'uttid speaker', got ${f.length} fields`);
    if (out.has(f[0])) throw new InputError(`${file} line ${i + 1}: utterance ${printable(f[0])} appears twice`);
    out.set(f[0], f[1]);
  });
  return out;
}

export interface ImportKaldiFeatsOptions {
  /** utt2spk file (default: the data dir's, else every utterance is its own speaker, as Kaldi does without one). */
  utt2spk?: string;
  /** The Kaldi fbank.conf the features were made with: recorded as an fbank config, so features can be recomputed. */
  fbankConf?: string;
  /** Any other Kaldi feature config (mfcc.conf ...): its options are recorded as they are. */
  conf?: string;
  /** Frames per Arrow shard at most (a shard ends after the utterance that reaches it; default DEFAULT_SHARD_FRAMES, as `features`). */
  shardFrames?: number;
}

/**
 * The matrices of a Kaldi feature input in C-locale order of their keys, one at a time: an scp's
 * or an uncompressed ark's entries are located first (an ark by one pass over it) and read by
 * offset, so no archive is read whole (no 2 GiB ceiling, one utterance in memory). A gzipped ark
 * cannot be read at offsets: it is read in one pass through zlib (streamMatrixArchive), so its
 * keys must already be in C-locale order, as Kaldi writes a data dir's archives. A key twice is an error.
 */
async function* sortedKaldiMatrices(src: { kind: 'scp' | 'ark'; file: string }): AsyncGenerator<{ key: string; value: KaldiMatrix }> {
  const refs = src.kind === 'scp' ? await scpMatrixRefs(src.file) : await arkMatrixRefs(src.file);
  if (refs) {
    refs.sort((a, b) => compareCLocale(a.key, b.key));
    for (let i = 1; i < refs.length; i++) if (refs[i].key === refs[i - 1].key) throw new InputError(`${src.file}: utterance ${refs[i].key} appears twice`);
    yield* readMatrixRefs(refs);
    return;
  }
  let last: string | undefined;
  for await (const e of streamMatrixArchive(src.file)) {
    const order = last === undefined ? 1 : compareCLocale(e.key, last);
    if (order === 0) throw new InputError(`${src.file}: utterance ${e.key} appears twice`);
    if (order < 0) {
      throw new InputError(
        `${src.file}: utterance ${e.key} comes after ${last}; a gzipped archive is read in one pass, so its utterances must be in C-locale order (as Kaldi writes them): ` +
          `gunzip it (an uncompressed archive is read in any order) or sort it first`,
      );
    }
    last = e.key;
    yield e;
  }
}

export interface ImportKaldiFeatsSummary {
  info: FeatsDirInfo;
  /** Utterances per stored matrix format (`CM`: 120 ...). */
  formats: Partial<Record<KaldiMatrixFormat, number>>;
  /** Utterances left out (0 frames), with the reason; also in FEATS_DIR/bad_utts. */
  skipped: { uttId: string; reason: string }[];
}

/**
 * `asr-distill import-feats INPUT FEATS_DIR`: read Kaldi features (see resolveKaldiFeatsInput)
 * into an Arrow feature directory (shards of at most about `shardFrames` frames, utterances in
 * C-locale order; read one utterance at a time, so an archive of any size). feats.json records
 * the config (`fbank` from --fbank-conf, else `kaldi` with the --conf options or `options: null`
 * = unknown) and `source: import-feats <abs input>`.
 */
export async function importKaldiFeats(input: string, featsDir: string, opts: ImportKaldiFeatsOptions = {}): Promise<ImportKaldiFeatsSummary> {
  if (opts.fbankConf && opts.conf) throw new InputError('give either --fbank-conf or --conf, not both');
  const src = await resolveKaldiFeatsInput(input);
  let config: FbankConfig | KaldiFeatureConfig;
  if (opts.fbankConf) config = kaldiFbankConfig(await readKaldiConf(opts.fbankConf), opts.fbankConf);
  else config = kaldiFeatureConfig(opts.conf ? await readKaldiConf(opts.conf) : null);

  const utt2spkFile = opts.utt2spk ?? src.utt2spk;
  const utt2spk = utt2spkFile ? await readUtt2spk(utt2spkFile) : undefined;
  const formats: ImportKaldiFeatsSummary['formats'] = {};
  const skipped: ImportKaldiFeatsSummary['skipped'] = [];
  const shardFrames = opts.shardFrames ?? DEFAULT_SHARD_FRAMES;
  // Utterances stream through one shard's worth of records: written when it reaches shardFrames.
  const shards: string[] = [];
  let shard: UttFeats[] = [];
  let shardFramesNow = 0;
  const flush = async () => {
    if (shard.length === 0) return;
    const name = shardFileName(shards.length + 1);
    await writeFeatsShard(path.join(featsDir, name), shard);
    shards.push(name);
    shard = [];
    shardFramesNow = 0;
  };
  let entries = 0;
  let numUtts = 0;
  let numFrames = 0;
  let dim = -1;
  let firstUtt = '';
  for await (const { key, value: m } of sortedKaldiMatrices(src)) {
    entries++;
    formats[m.format] = (formats[m.format] ?? 0) + 1;
    if (m.numRows === 0) {
      skipped.push({ uttId: key, reason: 'no frames' });
      continue;
    }
    if (dim < 0) {
      dim = m.numCols;
      firstUtt = key;
      if (config.type === 'fbank') {
        const want = config.numMelBins + (config.useEnergy ? 1 : 0);
        if (want !== dim) throw new InputError(`${opts.fbankConf}: describes ${want}-dimensional fbank features but ${src.file} has dimension ${dim}; is it the config these features were made with?`);
      }
    } else if (m.numCols !== dim) throw new InputError(`${src.file}: utterance ${key} has dimension ${m.numCols} but ${firstUtt} has ${dim}; all utterances need the same feature type`);
    const speakerId = utt2spk ? utt2spk.get(key) : key;
    if (speakerId === undefined) throw new InputError(`${utt2spkFile}: utterance ${key} of ${src.file} is not in it; every utterance needs a speaker`);
    for (let i = 0; i < m.data.length; i++) {
      if (!Number.isFinite(m.data[i])) throw new InputError(`${src.file}: utterance ${key} frame ${Math.floor(i / m.numCols)} has a non-finite value (${m.data[i]}); fix the features in Kaldi first`);
    }
    shard.push({ uttId: key, speakerId, numFrames: m.numRows, dim: m.numCols, data: m.data });
    numUtts++;
    numFrames += m.numRows;
    shardFramesNow += m.numRows;
    if (shardFramesNow >= shardFrames) await flush();
  }
  if (entries === 0) throw new InputError(`${src.file}: no utterances in it; is it a Kaldi feature archive?`);
  if (numUtts === 0) throw new InputError(`${src.file}: every utterance has 0 frames; nothing to import`);
  await flush();
  // Skipped utterances are listed where `features --skip-bad` lists its bad ones.
  if (skipped.length > 0) await writeFileAtomic(path.join(featsDir, BAD_UTTS_FILE), skipped.map((k) => `${k.uttId} ${k.reason}\n`).join(''));
  const info: FeatsDirInfo = { config, configHash: configHash(config), dim, numUtts, numFrames, frameShiftMs: config.frameShiftMs, shards, source: `import-feats ${path.resolve(src.file)}` };
  await writeFeatsInfo(featsDir, info);
  return { info, formats, skipped };
}

/** Read and parse a Kaldi config file (parseKaldiConf). */
async function readKaldiConf(file: string): Promise<Map<string, string>> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read the Kaldi config (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return parseKaldiConf(decodeTextFile(bytes, file, "a Kaldi config: '--option=value' per line"), file);
}

export interface ExportKaldiFeatsOptions {
  /** scp file to write (default: the ark path with `.scp`). */
  scp?: string;
  /** Apply FEATS_DIR/cmvn.json first (apply-cmvn), with variance normalisation if `normVars`. */
  cmvn?: boolean;
  normVars?: boolean;
}

/**
 * The binary archive of a feature directory's utterances (C-locale order) and their object
 * offsets; with `cmvn`, the features after apply-cmvn.
 */
export function encodeFeatsArchive(utts: UttFeats[], transform?: (u: UttFeats) => Float32Array): { bytes: Uint8Array; offsets: number[]; keys: string[] } {
  const sorted = [...utts].sort((a, b) => compareCLocale(a.uttId, b.uttId));
  const { bytes, offsets } = encodeArchive(
    sorted.map((u) => ({ key: u.uttId, value: u })),
    (u) => encodeBinaryMatrix(transform ? transform(u) : u.data, u.numFrames, u.dim),
  );
  return { bytes, offsets, keys: sorted.map((u) => u.uttId) };
}

/**
 * `asr-distill export-feats FEATS_DIR ARK`: write the features as a binary Kaldi archive of float
 * matrices (`FM`) and an scp pointing into it with absolute paths (as Kaldi's make_fbank.sh
 * writes feats.scp), so `copy-feats scp:feats.scp ark,t:-` or kaldiio read them. Utterances are in
 * C-locale order (the bytes of encodeFeatsArchive), written one at a time: a column-only pass over
 * the shards (streamFeatsIndex) places every utterance in the archive (a float matrix's size
 * follows from its frames and dim), then the shards are streamed record batch by record batch and
 * each utterance is written at its place. Memory is one record batch plus a few numbers per
 * utterance, whatever the corpus size; shards in any order (split-feats, combine) need no sort pass.
 * Both files appear only when complete (written beside their final path, then renamed).
 */
export async function exportKaldiFeats(featsDir: string, arkFile: string, opts: ExportKaldiFeatsOptions = {}): Promise<{ numUtts: number; numFrames: number; dim: number; scp: string }> {
  if (opts.normVars && !opts.cmvn) throw new InputError('--norm-vars needs --cmvn');
  const scp = opts.scp ?? arkFile.replace(/\.ark$/, '') + '.scp';
  if (path.resolve(scp) === path.resolve(arkFile)) throw new InputError(`${arkFile}: the scp would overwrite the archive; give --scp`);
  const info = await readFeatsInfo(featsDir);
  const cmvn = opts.cmvn ? await readCmvn(featsDir) : undefined;
  const index: { uttId: string; numFrames: number }[] = [];
  for await (const u of streamFeatsIndex(info, featsDir)) index.push({ uttId: u.uttId, numFrames: u.numFrames });
  index.sort((a, b) => compareCLocale(a.uttId, b.uttId));
  // Where each utterance's `key ` starts in the archive, and its object (for the scp).
  const place = new Map<string, { start: number; object: number; end: number }>();
  let pos = 0;
  for (const u of index) {
    const object = pos + textEncoder.encode(`${u.uttId} `).length;
    const end = object + binaryMatrixBytes(u.numFrames, info.dim);
    place.set(u.uttId, { start: pos, object, end });
    pos = end;
  }
  // writeFileAtomic(With) make the directories (makeDirs: no recursive mkdir, which hangs under /proc).
  await writeFileAtomicWith(arkFile, async (fh) => {
    let written = 0;
    for await (const { utt: u } of streamFeatsDir(info, featsDir)) {
      const at = place.get(u.uttId);
      const data = cmvn ? applyCmvn(u, cmvn, { normVars: opts.normVars }) : u.data;
      const { bytes } = encodeArchive([{ key: u.uttId, value: data }], (d) => encodeBinaryMatrix(d, u.numFrames, u.dim));
      if (!at || at.end - at.start !== bytes.length) {
        throw new InputError(`${featsDir}: utterance ${u.uttId} changed while the archive was written (its shard is not what the first pass read); run export-feats again`);
      }
      await fh.write(bytes, 0, bytes.length, at.start);
      written++;
    }
    if (written !== index.length) throw new InputError(`${featsDir}: the shards changed while the archive was written; run export-feats again`);
  });
  await writeFileAtomic(scp, scpLines(index.map((u) => u.uttId), path.resolve(arkFile), place));
  return { numUtts: info.numUtts, numFrames: info.numFrames, dim: info.dim, scp };
}

/** The scp of exportKaldiFeats in chunks of lines (formatScp's lines; never the whole text in one string). */
async function* scpLines(keys: string[], arkFile: string, place: Map<string, { object: number }>): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < keys.length; i += 4096) {
    const chunk = keys.slice(i, i + 4096);
    yield textEncoder.encode(formatScp(chunk, arkFile, chunk.map((k) => place.get(k)!.object)));
  }
}
