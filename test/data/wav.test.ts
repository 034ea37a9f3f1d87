import { FIXTURE_DIR } from '../features/fixtures.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { decodeWav, encodeWavPcm16, parseWavHeader, WavHeaderIncomplete } from '../../src/data/wav.js';
import { InputError } from '../../src/errors.js';
import { makeWav } from './make-wav.js';

const FIXTURES = path.join(FIXTURE_DIR, 'audio');

// From the fixture README table: file -> [rate, channels, samples].
const EXPECTED: Record<string, [number, number, number]> = {
  'espeak_en-us_digits.wav': [16000, 1, 31412],
  'espeak_en-f3_digits.wav': [16000, 1, 32094],
  'espeak_en-gb_digits.wav': [16000, 1, 30982],
  'sweep_100-7000hz_1s.wav': [16000, 1, 16000],
  'noise_mulberry32-1234_1s.wav': [16000, 1, 16000],
  'short_0.3s.wav': [16000, 1, 4800],
  'tiny_560samples.wav': [16000, 1, 560],
  'espeak_en-us_8khz.wav': [8000, 1, 12581],
  'stereo_44.1khz.wav': [44100, 2, 44100],
};

function inputError(message: string) {
  return (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  };
}

test('decodeWav reads every fixture with its documented rate, channels and length; samples are int16/32768', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.wav')).sort();
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
  for (const f of files) {
    const bytes = readFileSync(path.join(FIXTURES, f));
    const { sampleRate, channels } = decodeWav(bytes, f);
    const [rate, nch, n] = EXPECTED[f]!;
    assert.equal(sampleRate, rate, f);
    assert.equal(channels.length, nch, f);
    const view = new DataView(bytes.buffer, bytes.byteOffset + 44);
    for (let c = 0; c < nch; c++) {
      assert.equal(channels[c]!.length, n, f);
      for (let i = 0; i < n; i += 97) {
        assert.equal(channels[c]![i]! * 32768, view.getInt16((i * nch + c) * 2, true), `${f} ch${c} sample ${i}`);
      }
    }
  }
});

test('encodeWavPcm16 of the decoded fixtures reproduces the fixture files byte for byte', () => {
  for (const f of Object.keys(EXPECTED)) {
    const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, f)));
    const { sampleRate, channels } = decodeWav(bytes, f);
    assert.deepEqual(encodeWavPcm16(channels.length === 1 ? channels[0]! : channels, sampleRate), bytes, f);
  }
});

test('encodeWavPcm16 rounds half to even and clamps to the int16 range', () => {
  const x = Float32Array.from([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.4999, 40000, -40000, 32767.5, -32768.5].map((v) => v / 32768));
  const wav = encodeWavPcm16(x, 8000);
  const got = Array.from({ length: x.length }, (_, i) => new DataView(wav.buffer).getInt16(44 + 2 * i, true));
  assert.deepEqual(got, [0, 2, 2, 0, -2, -2, 3, 32767, -32768, 32767, -32768]);
  assert.equal(new DataView(wav.buffer).getUint32(24, true), 8000);
  assert.throws(() => encodeWavPcm16(new Float32Array([NaN]), 16000), /NaN sample at index 0/);
  assert.throws(() => encodeWavPcm16([new Float32Array(2), new Float32Array(3)], 16000), /channels differ in length/);
});

test('decodeWav reads 24-bit and 32-bit integer, 32/64-bit float, extensible and multi-channel files', () => {
  const i24 = [[-8388608, -1, 0, 1, 8388607], [100, 200, 300, 400, 500]];
  let d = decodeWav(makeWav({ ints: i24, bits: 24, extensible: true, rate: 22050 }), 'a24.wav');
  assert.equal(d.sampleRate, 22050);
  assert.deepEqual(Array.from(d.channels[0]!, (v) => v * 8388608), i24[0]);
  assert.deepEqual(Array.from(d.channels[1]!, (v) => v * 8388608), i24[1]);
  const i32 = [[-2147483648, -65536, 0, 65536, 2147483392]];
  d = decodeWav(makeWav({ ints: i32, bits: 32 }), 'a32.wav');
  assert.deepEqual(Array.from(d.channels[0]!, (v) => v * 2147483648), i32[0]);
  const f = [[-1, -0.25, 0, 0.125, 0.75], [0.5, 0.5, 0.5, 0.5, 0.5], [0, 0, 0, 0, -0.5]];
  for (const bits of [32, 64]) {
    d = decodeWav(makeWav({ floats: f, bits }), 'f.wav');
    assert.equal(d.channels.length, 3);
    assert.deepEqual(d.channels.map((c) => Array.from(c)), f);
  }
});

test('decodeWav skips other chunks, honouring the RIFF pad byte after odd-sized chunks', () => {
  const ints = [[1, -2, 3, -4]];
  const d = decodeWav(makeWav({ ints, bits: 16, extraChunk: { id: 'LIST', bytes: 7 } }), 'list.wav');
  assert.deepEqual(Array.from(d.channels[0]!, (v) => v * 32768), ints[0]);
});

test('a streamed header (sox to a pipe: data size 0x7FFFF000) reads the data to end of file', () => {
  const ints = [[5, 6, 7]];
  for (const declared of [0x7ffff000, 0xffffffff, 0]) {
    const d = decodeWav(makeWav({ ints, bits: 16, declaredDataBytes: declared }), 'pipe');
    assert.deepEqual(Array.from(d.channels[0]!, (v) => v * 32768), ints[0]);
  }
});

test('bad files are InputErrors naming the file and saying what is wrong', () => {
  const ok = makeWav({ ints: [[1, 2, 3, 4]], bits: 16 });
  assert.throws(() => decodeWav(new Uint8Array(0), 'utt u1: e.wav'), inputError('utt u1: e.wav: empty file (0 bytes), expected a WAV file'));
  assert.throws(
    () => decodeWav(new TextEncoder().encode('hello world, not audio'), 'x.wav'),
    inputError(
      'x.wav: not a WAV file (no RIFF/WAVE header; the file starts with "hell"); for other formats use a piped command in wav.scp, e.g. `utt1 sox in.flac -t wav - |`',
    ),
  );
  assert.throws(() => decodeWav(ok.subarray(0, 8), 'h.wav'), inputError('h.wav: truncated WAV: the file ends inside the RIFF header (8 bytes)'));
  assert.throws(() => decodeWav(ok.subarray(0, 30), 'f.wav'), inputError("f.wav: truncated WAV: the file ends inside the 'fmt ' chunk"));
  assert.throws(() => decodeWav(ok.subarray(0, 40), 'd.wav'), inputError("d.wav: truncated WAV: no 'data' chunk before the end of the file (40 bytes)"));
  assert.throws(
    () => decodeWav(ok.subarray(0, 48), 't.wav'),
    inputError('t.wav: truncated WAV: the data chunk declares 8 bytes (4 samples) but only 4 bytes follow; the file was cut short (re-create or re-download it)'),
  );
  assert.throws(() => decodeWav(makeWav({ ints: [[]], bits: 16 }), 'z.wav'), inputError('z.wav: WAV file has no audio samples (zero-length data chunk)'));
  const alaw = new Uint8Array(ok);
  new DataView(alaw.buffer).setUint16(20, 6, true);
  assert.throws(
    () => decodeWav(alaw, 'alaw.wav'),
    inputError(
      'alaw.wav: unsupported WAV encoding (format tag 0x6, A-law); only PCM integer and IEEE float are read; convert it, e.g. `sox in.wav -e signed-integer -b 16 out.wav`',
    ),
  );
  const eight = new Uint8Array(ok);
  new DataView(eight.buffer).setUint16(34, 8, true);
  new DataView(eight.buffer).setUint16(32, 1, true);
  assert.throws(
    () => decodeWav(eight, 'u8.wav'),
    inputError(
      'u8.wav: unsupported WAV sample size: 8-bit integer (supported: 16/24/32-bit integer, 32/64-bit float); convert it, e.g. `sox in.wav -e signed-integer -b 16 out.wav`',
    ),
  );
  const badAlign = new Uint8Array(ok);
  new DataView(badAlign.buffer).setUint16(32, 4, true);
  assert.throws(() => decodeWav(badAlign, 'b.wav'), inputError('b.wav: malformed WAV: block align 4 does not match 1 channel(s) x 16 bits'));
});

test('parseWavHeader works from a prefix of the file given the file size, and asks for more when needed', () => {
  const wav = makeWav({ ints: [[1, 2, 3, 4, 5, 6]], bits: 16, rate: 8000 });
  const h = parseWavHeader(wav.subarray(0, 44), 'p.wav', wav.length);
  assert.deepEqual(h, {
    sampleRate: 8000, numChannels: 1, bitsPerSample: 16, sampleFormat: 'int', blockAlign: 2,
    dataOffset: 44, dataBytes: 12, numSamples: 6, streamed: false,
  });
  assert.throws(() => parseWavHeader(wav.subarray(0, 20), 'p.wav', wav.length), WavHeaderIncomplete);
});

test('NaN or infinite samples in a float WAV are an InputError naming the first sample, not floor-valued frames', () => {
  for (const bits of [32, 64]) {
    const f = [[0, 0.5, 0.25, -0.25, 0.1], [0, 0, 0, NaN, 0]];
    assert.throws(
      () => decodeWav(makeWav({ floats: f, bits, rate: 8000 }), 'utt u1 (n.wav)'),
      inputError(
        'utt u1 (n.wav): sample 3 of channel 1 (at 0.000 s) is NaN in a float WAV; the file is damaged or was written by a failing tool: re-create it or remove the utterance',
      ),
    );
  }
  const inf = Array.from({ length: 16000 }, () => 0.1);
  inf[12000] = -Infinity;
  inf[15000] = NaN;
  assert.throws(
    () => decodeWav(makeWav({ floats: [inf], bits: 32 }), 'i.wav'),
    inputError(
      'i.wav: sample 12000 of channel 0 (at 0.750 s) is -Infinity in a float WAV (2 non-finite samples in all); the file is damaged or was written by a failing tool: re-create it or remove the utterance',
    ),
  );
  // Large but finite floats are not errors (Kaldi reads them as they are).
  assert.deepEqual(Array.from(decodeWav(makeWav({ floats: [[3, -3e30]], bits: 32 }), 'big.wav').channels[0]!), [3, Math.fround(-3e30)]);
});

test('16-bit PCM (its own fast path) decodes to exactly what wav-decoder gives: int16 / 32768, every channel, odd offsets too', async () => {
  const { default: wavDecoder } = (await import('wav-decoder')) as unknown as { default: { decode: { sync(b: ArrayBuffer, o: { symmetric: boolean }): { channelData: Float32Array[] } } } };
  const left = [-32768, -32767, -1, 0, 1, 12345, 32767];
  const right = left.map((v) => -1 - v);
  // An odd-sized extra chunk before 'data' puts the samples at an odd byte offset.
  const bytes = makeWav({ ints: [left, right], bits: 16, extraChunk: { id: 'LIST', bytes: 3 } });
  const w = decodeWav(bytes, 'x.wav');
  assert.deepEqual([...w.channels[0]!], left.map((v) => v / 32768));
  assert.deepEqual([...w.channels[1]!], right.map((v) => v / 32768));
  const reference = wavDecoder.decode.sync(makeWav({ ints: [left, right], bits: 16 }).slice().buffer, { symmetric: true }).channelData;
  assert.deepEqual(w.channels, reference);
});

test('decodeWav with scale 32768 gives the int16 values (16-bit: exactly), for every sample format', () => {
  const ints = [[-32768, -1, 0, 1, 12345, 32767], [5, -5, 7, -7, 0, 1]];
  for (const bytes of [makeWav({ ints, bits: 16 }), makeWav({ ints: [ints[0]], bits: 16 }), makeWav({ ints: ints.map((c) => c.map((v) => v * 256)), bits: 24 })]) {
    const plain = decodeWav(bytes, 'x.wav');
    const scaled = decodeWav(bytes, 'x.wav', 32768);
    assert.equal(scaled.channels.length, plain.channels.length);
    scaled.channels.forEach((ch, c) => assert.deepEqual(ch, plain.channels[c].map((v) => v * 32768)));
  }
  assert.deepEqual([...decodeWav(makeWav({ ints, bits: 16 }), 'x.wav', 32768).channels[0]], ints[0]);
  const floats = decodeWav(makeWav({ floats: [[0.5, -0.25]], bits: 32 }), 'f.wav', 32768);
  assert.deepEqual([...floats.channels[0]], [16384, -8192]);
});
