// WAV (RIFF/WAVE) decoding and 16-bit PCM encoding. Sample conversion is wav-decoder's; the RIFF
// chunk walk, the validation and the error messages are ours, because wav-decoder accepts garbage
// (truncated data is silently clipped), throws cryptic DataView errors on short files, ignores RIFF
// pad bytes and rejects WAVE_FORMAT_EXTENSIBLE (what sox writes for 24-bit and multi-channel files).
import wavDecoderModule from 'wav-decoder';
import { InputError } from '../errors.js';

interface WavDecoderResult {
  sampleRate: number;
  channelData: Float32Array[];
}
interface WavDecoder {
  decode: { sync(buffer: ArrayBuffer, opts?: { symmetric?: boolean }): WavDecoderResult };
}
// wav-decoder is CommonJS without type declarations; a static import (not createRequire) keeps this
// module bundleable for the browser (export-web).
const wavDecoder = wavDecoderModule as WavDecoder;

/** Sample encoding of a WAV file's data chunk. */
export type WavSampleFormat = 'int' | 'float';

/** What the RIFF header of a WAV file says, validated against the bytes actually present. */
export interface WavHeader {
  sampleRate: number;
  numChannels: number;
  bitsPerSample: number;
  sampleFormat: WavSampleFormat;
  /** Bytes per sample frame (all channels). */
  blockAlign: number;
  /** Byte offset of the first sample in the file. */
  dataOffset: number;
  /** Bytes of sample data that are present (whole frames only). */
  dataBytes: number;
  /** Samples per channel. */
  numSamples: number;
  /** The header declared an unknown length (piped output of sox/ffmpeg): data runs to end of file. */
  streamed: boolean;
}

/** Decoded audio: one Float32Array per channel, values in [-1, 1). */
export interface DecodedWav {
  sampleRate: number;
  channels: Float32Array[];
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES: Record<number, string> = { 0x0002: 'MS ADPCM', 0x0006: 'A-law', 0x0007: 'mu-law', 0x0011: 'IMA ADPCM', 0x0055: 'MP3' };

// Data chunk sizes that mean "unknown length, read to end of file", as Kaldi's wave-reader.cc
// accepts them: 0 / 0xFFFFFFFF (streamed), 0x7FFFF000 (sox writing to a pipe), 0xFFFFFFFE (ffmpeg -> sox).
const STREAMED_DATA_SIZES = new Set([0, 0xffffffff, 0x7ffff000, 0xfffffffe]);

const CONVERT_HINT = 'convert it, e.g. `sox in.wav -e signed-integer -b 16 out.wav`';

function tag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function printable(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 4), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return JSON.stringify(head);
}

/**
 * Parse and validate the RIFF header of a WAV file.
 *
 * `bytes` may be only the start of the file (enough to hold the header) when `totalBytes` gives the
 * real file size: that is how durations are read without loading audio. Truncated, empty,
 * non-WAV, unsupported and zero-length files throw an InputError naming `what` (a file name,
 * usually with the utterance id).
 *
 * @example parseWavHeader(await readFile('a.wav'), 'a.wav').numSamples
 */
export function parseWavHeader(bytes: Uint8Array, what: string, totalBytes = bytes.length): WavHeader {
  if (totalBytes === 0) throw new InputError(`${what}: empty file (0 bytes), expected a WAV file`);
  if (bytes.length < 12 || tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WAVE') {
    if (bytes.length >= 4 && tag(bytes, 0) === 'RIFX') {
      throw new InputError(`${what}: big-endian WAV (RIFX) is not supported; ${CONVERT_HINT}`);
    }
    if (bytes.length >= 4 && tag(bytes, 0) === 'RF64') {
      throw new InputError(`${what}: RF64 WAV (files over 4 GB) is not supported; split the recording or ${CONVERT_HINT}`);
    }
    if (bytes.length >= 4 && tag(bytes, 0) === 'RIFF' && bytes.length < 12) {
      throw new InputError(`${what}: truncated WAV: the file ends inside the RIFF header (${totalBytes} bytes)`);
    }
    throw new InputError(
      `${what}: not a WAV file (no RIFF/WAVE header; the file starts with ${printable(bytes)}); ` +
        'for other formats use a piped command in wav.scp, e.g. `utt1 sox in.flac -t wav - |`',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: Omit<WavHeader, 'dataOffset' | 'dataBytes' | 'numSamples' | 'streamed'> | undefined;
  let pos = 12;
  for (;;) {
    if (pos + 8 > bytes.length) {
      if (bytes.length < totalBytes) throw new WavHeaderIncomplete();
      throw new InputError(
        `${what}: truncated WAV: no ${fmt ? "'data'" : "'fmt '"} chunk before the end of the file (${totalBytes} bytes)`,
      );
    }
    const id = tag(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new InputError(`${what}: malformed WAV: 'fmt ' chunk of ${size} bytes (expected at least 16)`);
      if (body + size > bytes.length) {
        if (bytes.length < totalBytes) throw new WavHeaderIncomplete();
        throw new InputError(`${what}: truncated WAV: the file ends inside the 'fmt ' chunk`);
      }
      fmt = parseFmt(view, body, size, what);
    } else if (id === 'data') {
      if (!fmt) throw new InputError(`${what}: malformed WAV: 'data' chunk before the 'fmt ' chunk`);
      const available = totalBytes - body;
      const streamed = STREAMED_DATA_SIZES.has(size) && available > 0;
      if (!streamed && size > available) {
        throw new InputError(
          `${what}: truncated WAV: the data chunk declares ${size} bytes (${Math.floor(size / fmt.blockAlign)} samples) ` +
            `but only ${available} bytes follow; the file was cut short (re-create or re-download it)`,
        );
      }
      const usable = streamed ? available : size;
      const numSamples = Math.floor(usable / fmt.blockAlign);
      if (numSamples === 0) {
        throw new InputError(`${what}: WAV file has no audio samples (zero-length data chunk)`);
      }
      return { ...fmt, dataOffset: body, dataBytes: numSamples * fmt.blockAlign, numSamples, streamed };
    }
    // RIFF chunks are padded to an even size (the pad byte is not counted in `size`).
    pos = body + size + (size & 1);
  }
}

/** Thrown by parseWavHeader when only a prefix of the file was given and the header goes beyond it. */
export class WavHeaderIncomplete extends Error {
  override name = 'WavHeaderIncomplete';
  constructor() {
    super('WAV header extends beyond the bytes given; read more of the file');
  }
}

function parseFmt(view: DataView, at: number, size: number, what: string) {
  let formatTag = view.getUint16(at, true);
  const numChannels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: the real format code is the first two bytes of the SubFormat GUID at
    // offset 24 (as Kaldi's wave-reader.cc reads it).
    if (size < 40) throw new InputError(`${what}: malformed WAV: WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk of ${size} bytes (expected 40)`);
    formatTag = view.getUint16(at + 24, true);
  }
  if (formatTag !== WAVE_FORMAT_PCM && formatTag !== WAVE_FORMAT_IEEE_FLOAT) {
    const name = FORMAT_NAMES[formatTag] ? `, ${FORMAT_NAMES[formatTag]}` : '';
    throw new InputError(
      `${what}: unsupported WAV encoding (format tag 0x${formatTag.toString(16)}${name}); only PCM integer and IEEE float are read; ${CONVERT_HINT}`,
    );
  }
  const sampleFormat: WavSampleFormat = formatTag === WAVE_FORMAT_IEEE_FLOAT ? 'float' : 'int';
  const supported = sampleFormat === 'int' ? [16, 24, 32] : [32, 64];
  if (!supported.includes(bitsPerSample)) {
    throw new InputError(
      `${what}: unsupported WAV sample size: ${bitsPerSample}-bit ${sampleFormat === 'int' ? 'integer' : 'float'} ` +
        `(supported: 16/24/32-bit integer, 32/64-bit float); ${CONVERT_HINT}`,
    );
  }
  if (numChannels === 0) throw new InputError(`${what}: malformed WAV: the header says 0 channels`);
  if (sampleRate === 0) throw new InputError(`${what}: malformed WAV: the header says sample rate 0`);
  if (blockAlign !== (numChannels * bitsPerSample) / 8) {
    throw new InputError(
      `${what}: malformed WAV: block align ${blockAlign} does not match ${numChannels} channel(s) x ${bitsPerSample} bits`,
    );
  }
  return { sampleRate, numChannels, bitsPerSample, sampleFormat, blockAlign };
}

/**
 * Decode a WAV file (16/24/32-bit integer or 32/64-bit float PCM, any number of channels) into
 * floats in [-1, 1): integer samples are divided by 2^(bits-1), so `x * 32768` gives back the
 * int16 values exactly, which is how Kaldi reads WAV.
 *
 * @param what how to name the file in errors, e.g. `audio/0003.wav (utt spk1-0003)`
 * @param scale multiplies every sample: 32768 gives int16 values, as Kaldi reads WAV, in the same
 *   pass as the decoding (16-bit PCM: exactly the int16 values)
 * @example const { sampleRate, channels } = decodeWav(await readFile('a.wav'), 'a.wav');
 */
export function decodeWav(bytes: Uint8Array, what: string, scale = 1): DecodedWav {
  const h = parseWavHeader(bytes, what);
  if (h.sampleFormat === 'int' && h.bitsPerSample === 16) return { sampleRate: h.sampleRate, channels: decodePcm16(bytes, h, scale / 32768) };
  // Hand wav-decoder a canonical 44-byte-header copy: it then never sees the chunks it mishandles.
  const canonical = new Uint8Array(44 + h.dataBytes);
  writeCanonicalHeader(canonical, {
    formatTag: h.sampleFormat === 'float' ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM,
    numChannels: h.numChannels,
    sampleRate: h.sampleRate,
    bitsPerSample: h.bitsPerSample,
    dataBytes: h.dataBytes,
  });
  canonical.set(bytes.subarray(h.dataOffset, h.dataOffset + h.dataBytes), 44);
  // symmetric: divide by 2^(bits-1) for both signs (the default divides positives by 2^(bits-1)-1).
  const decoded = wavDecoder.decode.sync(canonical.buffer, { symmetric: true });
  if (h.sampleFormat === 'int' && h.bitsPerSample === 24) {
    // wav-decoder's 24-bit sign test is `> 0x800000`, so the most negative value 0x800000 comes out
    // as +1.0; a correct symmetric decode never reaches +1.0, so every 1.0 is that value.
    for (const ch of decoded.channelData) {
      for (let i = 0; i < ch.length; i++) if (ch[i] === 1) ch[i] = -1;
    }
  }
  if (h.sampleFormat === 'float') checkFinite(decoded.channelData, h.sampleRate, what);
  if (scale !== 1) {
    for (const ch of decoded.channelData) for (let i = 0; i < ch.length; i++) ch[i] = ch[i]! * scale;
  }
  return { sampleRate: h.sampleRate, channels: decoded.channelData };
}

/** Typed arrays use the host's byte order; WAV is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * 16-bit PCM, the format of nearly every speech corpus, decoded in one typed loop: int16 x `factor`
 * (1/32768: the same values as wav-decoder's symmetric pcm16s, exact in float32), without its
 * per-sample closure calls, which were the largest cost of reading audio in `asr-distill features`.
 */
function decodePcm16(bytes: Uint8Array, h: WavHeader, factor: number): Float32Array[] {
  const start = bytes.byteOffset + h.dataOffset;
  const channels = Array.from({ length: h.numChannels }, () => new Float32Array(h.numSamples));
  if (h.numChannels === 1 && start % 2 === 0 && LITTLE_ENDIAN) {
    // Mono at an even offset (the usual 44-byte header): read the samples in place.
    const pcm = new Int16Array(bytes.buffer, start, h.numSamples);
    const ch = channels[0]!;
    for (let i = 0; i < ch.length; i++) ch[i] = pcm[i]! * factor;
    return channels;
  }
  const view = new DataView(bytes.buffer, start, h.numSamples * h.blockAlign);
  for (let c = 0; c < h.numChannels; c++) {
    const ch = channels[c]!;
    for (let i = 0, at = 2 * c; i < ch.length; i++, at += h.blockAlign) ch[i] = view.getInt16(at, true) * factor;
  }
  return channels;
}

/**
 * Float WAV samples can be NaN or infinite (integer ones cannot); fbank would turn them into
 * floor-valued frames without a word, so they are an InputError naming the first one.
 */
function checkFinite(channels: Float32Array[], sampleRate: number, what: string): void {
  let first: { channel: number; index: number; value: number } | undefined;
  let count = 0;
  channels.forEach((ch, channel) => {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i]!;
      // v - v is 0 for finite values and NaN for NaN and +-Infinity.
      if (v - v === 0) continue;
      count++;
      if (!first || i < first.index) first = { channel, index: i, value: v };
    }
  });
  if (!first) return;
  const more = count > 1 ? ` (${count} non-finite samples in all)` : '';
  throw new InputError(
    `${what}: sample ${first.index} of channel ${first.channel} (at ${(first.index / sampleRate).toFixed(3)} s) is ${first.value} in a float WAV${more}; ` +
      'the file is damaged or was written by a failing tool: re-create it or remove the utterance',
  );
}

function writeCanonicalHeader(
  out: Uint8Array,
  f: { formatTag: number; numChannels: number; sampleRate: number; bitsPerSample: number; dataBytes: number },
): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  const blockAlign = (f.numChannels * f.bitsPerSample) / 8;
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + f.dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, f.formatTag, true);
  view.setUint16(22, f.numChannels, true);
  view.setUint32(24, f.sampleRate, true);
  view.setUint32(28, f.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, f.bitsPerSample, true);
  ascii(36, 'data');
  view.setUint32(40, f.dataBytes, true);
}

/** Round half to even (banker's rounding), as numpy's `round` and sox's dither-free conversion do. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  // Math.round rounds .5 up; for exact halves pick the even neighbour instead.
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/**
 * Encode float samples in [-1, 1) as a 16-bit PCM WAV with the canonical 44-byte header:
 * int16 = round_half_even(x * 32768), clamped to [-32768, 32767]. Pass several equally long
 * arrays for a multi-channel file (interleaved in order).
 *
 * @example await writeFileAtomic('a.wav', encodeWavPcm16(samples, 16000));
 */
export function encodeWavPcm16(samples: Float32Array | Float32Array[], sampleRate: number): Uint8Array {
  const channels = Array.isArray(samples) ? samples : [samples];
  if (channels.length === 0) throw new Error('encodeWavPcm16: no channels');
  const numSamples = channels[0]!.length;
  if (channels.some((c) => c.length !== numSamples)) throw new Error('encodeWavPcm16: channels differ in length');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new Error(`encodeWavPcm16: bad sample rate ${sampleRate}`);
  const numChannels = channels.length;
  const dataBytes = numSamples * numChannels * 2;
  const out = new Uint8Array(44 + dataBytes);
  writeCanonicalHeader(out, { formatTag: WAVE_FORMAT_PCM, numChannels, sampleRate, bitsPerSample: 16, dataBytes });
  const view = new DataView(out.buffer);
  let at = 44;
  for (let i = 0; i < numSamples; i++) {
    for (let c = 0; c < numChannels; c++) {
      const v = channels[c]![i]!;
      if (Number.isNaN(v)) throw new Error(`encodeWavPcm16: NaN sample at index ${i} (channel ${c})`);
      const q = roundHalfEven(v * 32768);
      view.setInt16(at, q > 32767 ? 32767 : q < -32768 ? -32768 : q, true);
      at += 2;
    }
  }
  return out;
}
