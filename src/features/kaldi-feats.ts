// Features to and from Kaldi: a Kaldi `feats.scp` / `feats.ark` (binary float or double, text, or
// compressed CM/CM2/CM3 matrices) becomes an Arrow FEATS_DIR (`import-feats`), and a FEATS_DIR
// becomes a binary `ark` + `scp` of float matrices that Kaldi, kaldiio and lhotse read
// (`export-feats`). The archive formats themselves are in store/kaldi-archive.ts.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { compareCLocale } from '../data/c-locale.js';
import { decodeTextFile, printable } from '../data/text-input.js';
import { writeFileAtomic } from '../store/atomic.js';
import { readFeatsDir, writeFeatsDir, writeFeatsInfo, type FeatsDirInfo, type UttFeats } from '../store/feats-archive.js';
import {
  encodeArchive,
  encodeBinaryMatrix,
  formatScp,
  readMatrixArchive,
  readScpMatrices,
  type KaldiMatrix,
  type KaldiMatrixFormat,
} from '../store/kaldi-archive.js';
import { applyCmvn, readCmvn } from './cmvn.js';
import { BAD_UTTS_FILE } from './extract.js';
import { defaultFbankConfig, parseFeatureConfig, WINDOW_TYPES, type FbankConfig, type KaldiFeatureConfig } from './config.js';

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
    if (spec[3] === '-' || spec[3].endsWith('|')) throw new InputError(`${input}: reading from stdin or a command is not supported; give the archive or scp file`);
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
 * into an Arrow feature directory (one shard, utterances in C-locale order). feats.json records
 * the config (`fbank` from --fbank-conf, else `kaldi` with the --conf options or `options: null`
 * = unknown) and `source: import-feats <abs input>`.
 */
export async function importKaldiFeats(input: string, featsDir: string, opts: ImportKaldiFeatsOptions = {}): Promise<ImportKaldiFeatsSummary> {
  if (opts.fbankConf && opts.conf) throw new InputError('give either --fbank-conf or --conf, not both');
  const src = await resolveKaldiFeatsInput(input);
  let config: FbankConfig | KaldiFeatureConfig;
  if (opts.fbankConf) config = kaldiFbankConfig(await readKaldiConf(opts.fbankConf), opts.fbankConf);
  else config = kaldiFeatureConfig(opts.conf ? await readKaldiConf(opts.conf) : null);

  let entries: { key: string; value: KaldiMatrix }[];
  if (src.kind === 'scp') entries = await readScpMatrices(src.file);
  else {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(src.file);
    } catch (e) {
      throw new InputError(`${src.file}: cannot read the archive (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    entries = readMatrixArchive(bytes, src.file);
  }
  if (entries.length === 0) throw new InputError(`${src.file}: no utterances in it; is it a Kaldi feature archive?`);

  const utt2spkFile = opts.utt2spk ?? src.utt2spk;
  const utt2spk = utt2spkFile ? await readUtt2spk(utt2spkFile) : undefined;
  const formats: ImportKaldiFeatsSummary['formats'] = {};
  const skipped: ImportKaldiFeatsSummary['skipped'] = [];
  const utts: UttFeats[] = [];
  const seen = new Set<string>();
  let dim = -1;
  for (const { key, value: m } of entries) {
    if (seen.has(key)) throw new InputError(`${src.file}: utterance ${key} appears twice`);
    seen.add(key);
    formats[m.format] = (formats[m.format] ?? 0) + 1;
    if (m.numRows === 0) {
      skipped.push({ uttId: key, reason: 'no frames' });
      continue;
    }
    if (dim < 0) dim = m.numCols;
    else if (m.numCols !== dim) throw new InputError(`${src.file}: utterance ${key} has dimension ${m.numCols} but ${utts[0].uttId} has ${dim}; all utterances need the same feature type`);
    const speakerId = utt2spk ? utt2spk.get(key) : key;
    if (speakerId === undefined) throw new InputError(`${utt2spkFile}: utterance ${key} of ${src.file} is not in it; every utterance needs a speaker`);
    for (let i = 0; i < m.data.length; i++) {
      if (!Number.isFinite(m.data[i])) throw new InputError(`${src.file}: utterance ${key} frame ${Math.floor(i / m.numCols)} has a non-finite value (${m.data[i]}); fix the features in Kaldi first`);
    }
    utts.push({ uttId: key, speakerId, numFrames: m.numRows, dim: m.numCols, data: m.data });
  }
  if (utts.length === 0) throw new InputError(`${src.file}: every utterance has 0 frames; nothing to import`);
  if (config.type === 'fbank') {
    const want = config.numMelBins + (config.useEnergy ? 1 : 0);
    if (want !== dim) throw new InputError(`${opts.fbankConf}: describes ${want}-dimensional fbank features but ${src.file} has dimension ${dim}; is it the config these features were made with?`);
  }
  utts.sort((a, b) => compareCLocale(a.uttId, b.uttId));
  // Skipped utterances are listed where `features --skip-bad` lists its bad ones.
  if (skipped.length > 0) await writeFileAtomic(path.join(featsDir, BAD_UTTS_FILE), skipped.map((k) => `${k.uttId} ${k.reason}\n`).join(''));
  const info = await writeFeatsDir(featsDir, config, config.frameShiftMs, [utts]);
  const withSource: FeatsDirInfo = { ...info, source: `import-feats ${path.resolve(src.file)}` };
  await writeFeatsInfo(featsDir, withSource);
  return { info: withSource, formats, skipped };
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
 * writes feats.scp), so `copy-feats scp:feats.scp ark,t:-` or kaldiio read them.
 */
export async function exportKaldiFeats(featsDir: string, arkFile: string, opts: ExportKaldiFeatsOptions = {}): Promise<{ numUtts: number; numFrames: number; dim: number; scp: string }> {
  if (opts.normVars && !opts.cmvn) throw new InputError('--norm-vars needs --cmvn');
  const { info, utts } = await readFeatsDir(featsDir);
  const cmvn = opts.cmvn ? await readCmvn(featsDir) : undefined;
  const { bytes, offsets, keys } = encodeFeatsArchive([...utts.values()], cmvn ? (u) => applyCmvn(u, cmvn, { normVars: opts.normVars }) : undefined);
  const scp = opts.scp ?? arkFile.replace(/\.ark$/, '') + '.scp';
  if (path.resolve(scp) === path.resolve(arkFile)) throw new InputError(`${arkFile}: the scp would overwrite the archive; give --scp`);
  // writeFileAtomic makes the directories (makeDirs: no recursive mkdir, which hangs under /proc).
  await writeFileAtomic(arkFile, bytes);
  await writeFileAtomic(scp, formatScp(keys, path.resolve(arkFile), offsets));
  return { numUtts: info.numUtts, numFrames: info.numFrames, dim: info.dim, scp };
}
