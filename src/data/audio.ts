// Loading an utterance's samples from its wav.scp source (file or piped command), the way Kaldi's
// compute-fbank-feats sees them: int16-scaled floats, one channel, the segment cut out
// (extract-segments semantics), at the feature config's sample rate.
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { DataDir, Utterance, WavSource } from './data-dir.js';
import { resample } from './resample.js';
import { decodeWav, parseWavHeader, WavHeaderIncomplete, type WavHeader } from './wav.js';

/** Options of `loadUtteranceAudio`. */
export interface LoadAudioOptions {
  /** The feature config's sample rate, in Hz. */
  sampleRate: number;
  /** Channel to use (0-based, default 0); a channel in `segments` (5th field) takes precedence. */
  channel?: number;
  /** Resample files at another rate instead of failing (`--allow-resample`). */
  allowResample?: boolean;
}

/** Kaldi extract-segments --max-overshoot: a segment may end this far past the recording (then truncated). */
export const MAX_SEGMENT_OVERSHOOT_SEC = 0.5;
/** Header bytes read to learn a file's format and length without loading its audio. */
const HEADER_PROBE_BYTES = 64 * 1024;
/** Recordings kept decoded for segments that share them (utterances are sorted, so neighbours share). */
const CACHE_ENTRIES = 2;

/** How errors name an utterance's audio: `utt spk1-0003 (/data/wav/0003.wav)`. */
export function describeSource(uttId: string, source: WavSource): string {
  return source.kind === 'file' ? `utt ${uttId} (${source.path})` : `utt ${uttId} (command '${source.command} |')`;
}

/**
 * The bytes of a wav.scp entry: the file's content, or the stdout of the command run with
 * `sh -c` in the data directory (Kaldi extended filename `cmd |`). A failing command is an
 * InputError quoting its exit status and stderr.
 */
export async function readWavSource(source: WavSource, what: string): Promise<Uint8Array> {
  if (source.kind === 'file') {
    try {
      // Synchronous: one call instead of the promise API's open/stat/read/close round trips (a
      // fraction of the CPU per file in `asr-distill features`, whose jobs read one file at a time).
      return readFileSync(source.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(`${what}: ${code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? (e as Error).message})`}`);
    }
  }
  return runCommand(source.command, source.cwd, what);
}

function runCommand(command: string, cwd: string, what: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new InputError(`${what}: cannot run the command: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(new Uint8Array(Buffer.concat(out)));
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const how = signal ? `was killed by ${signal}` : `failed with exit code ${code}`;
      // Keep the end of stderr: that is where the reason usually is.
      const tail = stderr.length > 2000 ? '...' + stderr.slice(-2000) : stderr;
      reject(new InputError(`${what}: the wav.scp command ${how}${tail ? `:\n${tail}` : ' (no error output)'}`));
    });
  });
}

/** What a WAV header says about a recording, read without decoding its samples. */
export interface RecordingInfo extends WavHeader {
  durationSec: number;
}

/**
 * Read a recording's WAV header: for a file only its first 64 KiB (more if the header is longer)
 * and its size; a piped command has to run to the end. Validates like `decodeWav` (truncated,
 * empty, zero-length, non-WAV files are InputErrors naming `what`).
 */
export async function readRecordingInfo(source: WavSource, what: string): Promise<RecordingInfo> {
  let header: WavHeader;
  if (source.kind === 'file') {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(source.path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(`${what}: ${code === 'ENOENT' ? 'file not found' : `cannot read the file (${code})`}`);
    }
    try {
      const size = (await fh.stat()).size;
      const head = new Uint8Array(Math.min(size, HEADER_PROBE_BYTES));
      await fh.read(head, 0, head.length, 0);
      try {
        header = parseWavHeader(head, what, size);
      } catch (e) {
        if (!(e instanceof WavHeaderIncomplete)) throw e;
        header = parseWavHeader(await fs.readFile(source.path), what);
      }
    } finally {
      await fh.close();
    }
  } else {
    header = parseWavHeader(await readWavSource(source, what), what);
  }
  return { ...header, durationSec: header.numSamples / header.sampleRate };
}

interface CachedRecording {
  key: string;
  samples: Float32Array;
}
const cache: CachedRecording[] = [];

/** Drop decoded recordings kept for segments. */
export function clearAudioCache(): void {
  cache.length = 0;
}

async function cacheKey(source: WavSource, channel: number, sampleRate: number): Promise<string> {
  if (source.kind === 'pipe') return `pipe\0${source.cwd}\0${source.command}\0${channel}\0${sampleRate}`;
  // mtime and size, so a rewritten file is not served stale from the cache.
  const st = await fs.stat(source.path).catch(() => undefined);
  return `file\0${source.path}\0${st?.mtimeMs}\0${st?.size}\0${channel}\0${sampleRate}`;
}

/** One channel of a recording, int16-scaled, at `sampleRate` (resampled if allowed). */
async function loadRecording(utt: Utterance, channel: number, opts: LoadAudioOptions, what: string): Promise<Float32Array> {
  // Kaldi reads WAV as int16 values, not [-1, 1) floats (wave-reader.cc); fbank's energy floor and
  // dither assume that scale.
  const { sampleRate, channels } = decodeWav(await readWavSource(utt.source, what), what, 32768);
  if (channel >= channels.length) {
    throw new InputError(
      `${what}: channel ${channel} requested but the file has ${channels.length} channel${channels.length === 1 ? '' : 's'} (channels are numbered from 0)`,
    );
  }
  const x = channels[channel]!;
  if (sampleRate === opts.sampleRate) return x;
  if (!opts.allowResample) {
    throw new InputError(
      `${what}: sample rate is ${sampleRate} Hz but the feature config expects ${opts.sampleRate} Hz; ` +
        `resample the audio (e.g. in wav.scp: '${utt.recordingId} sox in.wav -r ${opts.sampleRate} -t wav - |') or pass --allow-resample`,
    );
  }
  return resample(x, sampleRate, opts.sampleRate);
}

/**
 * Load an utterance's samples for feature extraction: int16-scaled (x * 32768, as Kaldi reads
 * WAV), one channel, the `segments` span cut out as Kaldi's extract-segments does (samples
 * [round(start * rate), round(end * rate)), an end up to 0.5 s past the recording truncated, end
 * -1 = to the end). A file at another rate is an InputError suggesting --allow-resample unless
 * `allowResample` is set. Recordings shared by several segments are decoded once (small cache).
 *
 * @example const x = await loadUtteranceAudio(utt, { sampleRate: 16000 });
 */
export async function loadUtteranceAudio(utt: Utterance, opts: LoadAudioOptions): Promise<Float32Array> {
  const what = describeSource(utt.uttId, utt.source);
  const channel = utt.segment?.channel ?? opts.channel ?? 0;
  if (!Number.isInteger(channel) || channel < 0) throw new InputError(`${what}: bad channel ${channel} (expected an integer >= 0)`);
  if (!utt.segment) return loadRecording(utt, channel, opts, what);

  const key = await cacheKey(utt.source, channel, opts.sampleRate);
  let entry = cache.find((c) => c.key === key);
  if (!entry) {
    entry = { key, samples: await loadRecording(utt, channel, opts, what) };
    cache.unshift(entry);
    cache.length = Math.min(cache.length, CACHE_ENTRIES);
  }
  const { startSec, endSec } = utt.segment;
  const x = entry.samples;
  const rate = opts.sampleRate;
  const durationSec = x.length / rate;
  const start = Math.round(startSec * rate);
  let end = endSec === -1 ? x.length : Math.round(endSec * rate);
  if (start >= x.length) {
    throw new InputError(`${what}: segment starts at ${startSec} s but recording '${utt.recordingId}' is only ${durationSec.toFixed(3)} s long`);
  }
  if (end > x.length) {
    if (end - x.length > Math.round(MAX_SEGMENT_OVERSHOOT_SEC * rate)) {
      throw new InputError(
        `${what}: segment ends at ${endSec} s but recording '${utt.recordingId}' is only ${durationSec.toFixed(3)} s long ` +
          `(more than ${MAX_SEGMENT_OVERSHOOT_SEC} s past its end; fix segments)`,
      );
    }
    end = x.length;
  }
  return x.slice(start, end);
}

/** What `checkDataDirAudio` found. */
export interface AudioSummary {
  recordings: number;
  /** Recordings given by a wav.scp command that was not run (`runPipes` off): not checked, not in `totalSec`. */
  pipesNotRun: number;
  /** Total utterance audio (segment spans when there are segments) of the checked recordings. */
  totalSec: number;
  /** Sample rate (Hz) -> number of recordings. */
  sampleRates: Map<number, number>;
  /** Channel count -> number of recordings. */
  channelCounts: Map<number, number>;
  /** Problems found, in data-dir order (at most `maxProblems`), and how many there were in all. */
  problems: string[];
  problemCount: number;
}

/**
 * Read the WAV header of every recording of a data directory (files: header only) and check each
 * utterance against it: the file is a readable, complete WAV, its segments lie inside it, the
 * channel exists. Piped wav.scp commands are run only with `runPipes` (checking an untrusted data
 * dir must not run its commands); otherwise they are counted in `pipesNotRun`. `onRecording` is
 * called after each recording checked (for progress).
 */
export async function checkDataDirAudio(
  data: DataDir,
  opts: { channel?: number; runPipes?: boolean; maxProblems?: number; concurrency?: number; onRecording?: (done: number, total: number) => void } = {},
): Promise<AudioSummary> {
  const byRecording = new Map<string, Utterance[]>();
  for (const u of data.utterances) {
    const list = byRecording.get(u.recordingId);
    if (list) list.push(u);
    else byRecording.set(u.recordingId, [u]);
  }
  const all = [...byRecording.entries()];
  const recordings = opts.runPipes ? all : all.filter(([, utts]) => utts[0]!.source.kind !== 'pipe');
  const results: { info?: RecordingInfo; problems: string[]; sec: number }[] = new Array(recordings.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < recordings.length) {
      const i = next++;
      const [, utts] = recordings[i]!;
      const problems: string[] = [];
      let info: RecordingInfo | undefined;
      let sec = 0;
      try {
        info = await readRecordingInfo(utts[0]!.source, describeSource(utts[0]!.uttId, utts[0]!.source));
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        problems.push(e.message);
      }
      if (info) {
        for (const u of utts) {
          const what = describeSource(u.uttId, u.source);
          const channel = u.segment?.channel ?? opts.channel ?? 0;
          if (channel >= info.numChannels) {
            problems.push(`${what}: channel ${channel} requested but the file has ${info.numChannels} channel${info.numChannels === 1 ? '' : 's'}`);
          }
          if (!u.segment) {
            sec += info.durationSec;
            continue;
          }
          const { startSec, endSec } = u.segment;
          if (startSec >= info.durationSec) {
            problems.push(`${what}: segment starts at ${startSec} s but recording '${u.recordingId}' is only ${info.durationSec.toFixed(3)} s long`);
          } else if (endSec !== -1 && endSec > info.durationSec + MAX_SEGMENT_OVERSHOOT_SEC) {
            problems.push(`${what}: segment ends at ${endSec} s but recording '${u.recordingId}' is only ${info.durationSec.toFixed(3)} s long`);
          } else {
            sec += Math.min(endSec === -1 ? Infinity : endSec, info.durationSec) - startSec;
          }
        }
      }
      results[i] = { info, problems, sec };
      opts.onRecording?.(++done, recordings.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, recordings.length) }, worker));

  const summary: AudioSummary = { recordings: all.length, pipesNotRun: all.length - recordings.length, totalSec: 0, sampleRates: new Map(), channelCounts: new Map(), problems: [], problemCount: 0 };
  const max = opts.maxProblems ?? 50;
  for (const r of results) {
    summary.totalSec += r.sec;
    if (r.info) {
      summary.sampleRates.set(r.info.sampleRate, (summary.sampleRates.get(r.info.sampleRate) ?? 0) + 1);
      summary.channelCounts.set(r.info.numChannels, (summary.channelCounts.get(r.info.numChannels) ?? 0) + 1);
    }
    for (const p of r.problems) {
      summary.problemCount++;
      if (summary.problems.length < max) summary.problems.push(p);
    }
  }
  return summary;
}
