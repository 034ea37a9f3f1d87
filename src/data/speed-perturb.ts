// Speed perturbation of a Kaldi data directory (Ko, Peddinti, Povey & Khudanpur 2015, "Audio
// augmentation for speech recognition"), as Kaldi's utils/data/perturb_data_dir_speed.sh does it
// with `sox ... speed S`: each recording is resampled so that it plays 1/S as long, which scales its
// pitch and formants by S (tempo and spectrum change together, unlike VTLP's warp of the mel axis,
// which Ko et al. found speed perturbation to beat). Ids get Kaldi's prefix `sp<S>-` (utterances,
// speakers and recordings), so a perturbed copy is other speakers to per-speaker CMVN and joins the
// original with combine-data. Kaldi writes `sox ... |` pipes into wav.scp; we write the WAV files.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { DataDir, Utterance } from './data-dir.js';
import { readDataDirTables, writeDataDirTables, type DataDirTables, type WrittenDataDir } from './data-dir-tables.js';
import { describeSource, readWavSource } from './audio.js';
import { resample } from './resample.js';
import { decodeWav, encodeWavPcm16 } from './wav.js';

/** Kaldi's usual factors (utils/data/perturb_data_dir_speed_3way.sh: 0.9 and 1.1 beside the original). */
export const DEFAULT_SPEED_FACTORS = [0.9, 1.1];
/** Factors outside [MIN, MAX] are refused: Kaldi's recipes use 0.9-1.1; far outside, the voices stop sounding human. */
export const MIN_SPEED_FACTOR = 0.5;
export const MAX_SPEED_FACTOR = 2;
/** A factor must be a fraction with a denominator up to this (3 decimals): the resampler works on rational rate ratios. */
const MAX_DENOMINATOR = 1000;

/**
 * A speed factor as the reduced fraction num/den (the resampler's rate ratio). Throws an InputError
 * for a factor of 1 (the original data dir is the 1.0 copy: combine-data it with the perturbed one,
 * as perturb_data_dir_speed_3way.sh does), outside [MIN_SPEED_FACTOR, MAX_SPEED_FACTOR], or with more than 3 decimals.
 *
 * @example speedFactorRatio(0.9) // { num: 9, den: 10 }
 */
export function speedFactorRatio(factor: number): { num: number; den: number } {
  if (!Number.isFinite(factor) || factor < MIN_SPEED_FACTOR || factor > MAX_SPEED_FACTOR) {
    throw new InputError(`speed factor ${factor}: must be in [${MIN_SPEED_FACTOR}, ${MAX_SPEED_FACTOR}] (Kaldi's recipes use 0.9 and 1.1)`);
  }
  if (factor === 1) {
    throw new InputError('speed factor 1: the original data directory is the unperturbed copy; combine-data it with the perturbed one (as utils/data/perturb_data_dir_speed_3way.sh does)');
  }
  for (let den = 1; den <= MAX_DENOMINATOR; den++) {
    const num = Math.round(factor * den);
    if (Math.abs(num / den - factor) < 1e-9) {
      let a = num;
      let b = den;
      while (b) [a, b] = [b, a % b];
      return { num: num / a, den: den / a };
    }
  }
  throw new InputError(`speed factor ${factor}: give at most 3 decimals`);
}

/** Kaldi's id prefix for a factor: `sp0.9-` (perturb_data_dir_speed.sh's label "sp" and the factor as written). */
export function speedPrefix(factor: number): string {
  return `sp${factor}-`;
}

/**
 * Play `signal` at `factor` times its speed (sox `speed`): resampled by the band-limited resampler
 * as if recorded at factor x its rate, so it is 1/factor as long (rounded up) and every frequency is
 * multiplied by factor; content that would land above Nyquist (factor > 1) is filtered out.
 *
 * @example speedPerturbSignal(x, 0.9).length // Math.ceil(x.length / 0.9)
 */
export function speedPerturbSignal(signal: Float32Array, factor: number): Float32Array {
  const { num, den } = speedFactorRatio(factor);
  return resample(signal, num, den);
}

/** Options of `perturbDataDirSpeed`. */
export interface SpeedPerturbOptions {
  /** Speed factors (default DEFAULT_SPEED_FACTORS); one copy of the data per factor, all in one directory. */
  factors?: number[];
}

/** Kaldi's segments times for a factor: divided by it, to 0.01 s (perturb_data_dir_speed.sh's %.2f). */
function scaleSegment(value: string, factor: number, prefix: string): string {
  const [reco, start, end, ...rest] = value.split(/\s+/);
  const scale = (t: string) => (Number(t) < 0 ? t : (Number(t) / factor).toFixed(2)); // end -1: to the recording's end
  return [prefix + reco, scale(start!), scale(end!), ...rest].join(' ');
}

/** The tables of one factor's copy of `src`, its recordings at `wavPath(recordingId)` (absolute). */
function perturbedTables(src: DataDirTables, factor: number, wavPath: (recordingId: string) => string, outDir: string): DataDirTables {
  const p = speedPrefix(factor);
  const byFile: Record<string, (id: string, v: string) => [string, string] | undefined> = {
    utt2spk: (id, v) => [p + id, p + v],
    text: (id, v) => [p + id, v],
    segments: (id, v) => [p + id, scaleSegment(v, factor, p)],
    utt2dur: (id, v) => [p + id, String(Number(v) / factor)],
    utt2lang: (id, v) => [p + id, v],
    utt2uniq: (id, v) => [p + id, v],
    // Frame counts change with the duration: features have to be computed anew (Kaldi drops them too).
    utt2num_frames: () => undefined,
    'wav.scp': (id) => [p + id, wavPath(id)],
    reco2file_and_channel: (id, v) => [p + id, v],
    reco2dur: (id, v) => [p + id, String(Number(v) / factor)],
    spk2gender: (id, v) => [p + id, v],
  };
  const tables = new Map<string, Map<string, string>>();
  for (const [name, table] of src.tables) {
    const map = byFile[name];
    if (!map) continue;
    const out = new Map<string, string>();
    for (const [id, v] of table) {
      const kv = map(id, v);
      if (kv) out.set(kv[0], kv[1]);
    }
    if (name !== 'utt2num_frames') tables.set(name, out);
  }
  // utt2uniq maps each copy to its original (Kaldi writes it so that splits keep copies together).
  if (!tables.has('utt2uniq')) tables.set('utt2uniq', new Map(src.data.utterances.map((u) => [p + u.uttId, u.uttId])));
  const utterances: Utterance[] = src.data.utterances.map((u) => ({
    ...u,
    uttId: p + u.uttId,
    speakerId: p + u.speakerId,
    recordingId: p + u.recordingId,
    source: { kind: 'file', path: wavPath(u.recordingId) },
  }));
  const data: DataDir = { dir: outDir, utterances, spk2utt: new Map(), warnings: [] };
  return { data, tables };
}

/**
 * Write a speed-perturbed copy of data directory `dir` into `out` (a new or empty directory; the
 * CLI writes beside the final path and swaps in): for every factor, each recording resampled
 * (speedPerturbSignal, every channel, 16-bit PCM at the original rate) to `out/wav/sp<S>-<reco>.wav`,
 * and the data files with ids prefixed `sp<S>-` as perturb_data_dir_speed.sh writes them
 * (segments, utt2dur and reco2dur times divided by S; utt2uniq to the original ids; utt2num_frames
 * dropped); all factors' copies in one directory, validated. A recording that cannot be read or
 * decoded is an InputError naming its utterance and file.
 *
 * @example await perturbDataDirSpeed('data/train', 'data/train_sp', { factors: [0.9, 1.1] })
 */
export async function perturbDataDirSpeed(dir: string, out: string, opts: SpeedPerturbOptions = {}): Promise<WrittenDataDir> {
  const factors = opts.factors ?? DEFAULT_SPEED_FACTORS;
  if (factors.length === 0) throw new InputError('speed perturbation: no factors given');
  for (const f of factors) speedFactorRatio(f);
  if (new Set(factors).size !== factors.length) throw new InputError(`speed perturbation: factor given twice in ${factors.join(',')}`);
  const src = await readDataDirTables(dir);
  const absOut = path.resolve(out);
  await fs.mkdir(path.join(absOut, 'wav'), { recursive: true });
  // One decode per recording (segments may share it), every factor from it.
  const recordings = new Map<string, Utterance>();
  for (const u of src.data.utterances) if (!recordings.has(u.recordingId)) recordings.set(u.recordingId, u);
  const wavPath = (factor: number) => (reco: string) => path.join(absOut, 'wav', `${speedPrefix(factor)}${reco}.wav`);
  for (const [reco, u] of recordings) {
    const what = describeSource(u.uttId, u.source);
    const wav = decodeWav(await readWavSource(u.source, what), what);
    for (const f of factors) {
      const channels = wav.channels.map((c) => speedPerturbSignal(c, f));
      await writeFileAtomic(wavPath(f)(reco), encodeWavPcm16(channels, wav.sampleRate));
    }
  }
  return writeDataDirTables(
    absOut,
    factors.map((f) => {
      const tables = perturbedTables(src, f, wavPath(f), absOut);
      return { tables, uttIds: tables.data.utterances.map((u) => u.uttId) };
    }),
  );
}
