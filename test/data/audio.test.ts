import { FIXTURE_DIR } from '../features/fixtures.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkDataDirAudio, clearAudioCache, describeSource, loadUtteranceAudio, readRecordingInfo, readWavSource,
} from '../../src/data/audio.js';
import { readDataDir, type Utterance } from '../../src/data/data-dir.js';
import { resampledLength } from '../../src/data/resample.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';
import { InputError } from '../../src/errors.js';

const FIXTURES = path.join(FIXTURE_DIR, 'audio');
const fixture = (f: string) => path.join(FIXTURES, f);

function int16At(file: string, nch: number, ch: number): Int16Array {
  const b = readFileSync(file);
  const all = new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.length));
  return all.filter((_, i) => i % nch === ch);
}

function fileUtt(uttId: string, p: string, extra: Partial<Utterance> = {}): Utterance {
  return { uttId, speakerId: 's', recordingId: uttId, source: { kind: 'file', path: p }, ...extra };
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-audio-'));
}

/** A ramp recording (sample i = i - 1000 as int16) so cut points are visible in the values. */
function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i - 1000) / 32768);
}

test('a file loads as int16-scaled floats (Kaldi WAV scaling)', async () => {
  const x = await loadUtteranceAudio(fileUtt('u', fixture('espeak_en-us_digits.wav')), { sampleRate: 16000 });
  assert.deepEqual(x, Float32Array.from(int16At(fixture('espeak_en-us_digits.wav'), 1, 0)));
});

test('channels of a stereo file: 0 by default, --channel 1, out of range is an InputError', async () => {
  const stereo = fixture('stereo_44.1khz.wav');
  const u = fileUtt('st', stereo);
  assert.deepEqual(await loadUtteranceAudio(u, { sampleRate: 44100 }), Float32Array.from(int16At(stereo, 2, 0)));
  assert.deepEqual(await loadUtteranceAudio(u, { sampleRate: 44100, channel: 1 }), Float32Array.from(int16At(stereo, 2, 1)));
  await rejectsWith(
    loadUtteranceAudio(u, { sampleRate: 44100, channel: 2 }),
    `utt st (${stereo}): channel 2 requested but the file has 2 channels (channels are numbered from 0)`,
  );
});

test('another sample rate is an InputError suggesting --allow-resample, which resamples', async () => {
  const f = fixture('espeak_en-us_8khz.wav');
  await rejectsWith(
    loadUtteranceAudio(fileUtt('u8', f), { sampleRate: 16000 }),
    `utt u8 (${f}): sample rate is 8000 Hz but the feature config expects 16000 Hz; resample the audio (e.g. in wav.scp: 'u8 sox in.wav -r 16000 -t wav - |') or pass --allow-resample`,
  );
  const x = await loadUtteranceAudio(fileUtt('u8', f), { sampleRate: 16000, allowResample: true });
  assert.equal(x.length, resampledLength(12581, 8000, 16000));
  // Upsampling by 2 keeps the original samples at even positions up to the filter's passband error.
  const orig = int16At(f, 1, 0);
  let err = 0;
  let energy = 0;
  for (let i = 200; i < orig.length - 200; i++) {
    err += (x[2 * i]! - orig[i]!) ** 2;
    energy += orig[i]! ** 2;
  }
  assert.ok(10 * Math.log10(err / energy) < -30, `error ${(10 * Math.log10(err / energy)).toFixed(1)} dB`);
});

test('a piped command runs with sh -c in the data dir; a failing one reports its stderr', async () => {
  const dir = await tmpDir();
  await fs.copyFile(fixture('tiny_560samples.wav'), path.join(dir, 'tiny.wav'));
  const pipe = (command: string): Utterance => ({ uttId: 'p', speakerId: 's', recordingId: 'p', source: { kind: 'pipe', command, cwd: dir } });
  const x = await loadUtteranceAudio(pipe('cat tiny.wav'), { sampleRate: 16000 });
  assert.deepEqual(x, Float32Array.from(int16At(fixture('tiny_560samples.wav'), 1, 0)));
  await rejectsWith(
    loadUtteranceAudio(pipe('echo "sox FAIL formats: cannot open x.flac" >&2; exit 2'), { sampleRate: 16000 }),
    `utt p (command 'echo "sox FAIL formats: cannot open x.flac" >&2; exit 2 |'): the wav.scp command failed with exit code 2:\nsox FAIL formats: cannot open x.flac`,
  );
  await rejectsWith(
    loadUtteranceAudio(pipe('true'), { sampleRate: 16000 }),
    `utt p (command 'true |'): empty file (0 bytes), expected a WAV file`,
  );
  assert.deepEqual(await readWavSource({ kind: 'pipe', command: 'printf RIFF', cwd: dir }, 'x'), new TextEncoder().encode('RIFF'));
});

test('missing and truncated files are InputErrors naming the utterance and file', async () => {
  const dir = await tmpDir();
  await rejectsWith(loadUtteranceAudio(fileUtt('m', path.join(dir, 'none.wav')), { sampleRate: 16000 }), `utt m (${dir}/none.wav): file not found`);
  const bytes = readFileSync(fixture('short_0.3s.wav'));
  await fs.writeFile(path.join(dir, 'cut.wav'), bytes.subarray(0, 5000));
  await rejectsWith(
    loadUtteranceAudio(fileUtt('c', path.join(dir, 'cut.wav')), { sampleRate: 16000 }),
    `utt c (${dir}/cut.wav): truncated WAV: the data chunk declares 9600 bytes (4800 samples) but only 4956 bytes follow; the file was cut short (re-create or re-download it)`,
  );
});

test('segments cut samples [round(start*fs), round(end*fs)) as extract-segments does; end -1 and small overshoot reach the end', async () => {
  clearAudioCache();
  const dir = await tmpDir();
  await fs.writeFile(path.join(dir, 'rec.wav'), encodeWavPcm16(ramp(8000), 8000)); // 1.0 s at 8 kHz
  await fs.writeFile(path.join(dir, 'count.txt'), '');
  await fs.writeFile(path.join(dir, 'wav.scp'), 'rec echo run >> count.txt; cat rec.wav |\n');
  await fs.writeFile(path.join(dir, 'utt2spk'), 'a s\nb s\nc s\nd s\ne s\n');
  // 0.10006 * 8000 = 800.48 -> 800; 0.20007 * 8000 = 1600.56 -> 1601.
  await fs.writeFile(path.join(dir, 'segments'), 'a rec 0.10006 0.20007\nb rec 0.5 -1\nc rec 0.9 1.4\nd rec 0.9 1.6\ne rec 1.2 1.3\n');
  const data = await readDataDir(dir);
  const [a, b, c, d, e] = data.utterances as [Utterance, Utterance, Utterance, Utterance, Utterance];
  const opts = { sampleRate: 8000 };
  const xa = await loadUtteranceAudio(a, opts);
  assert.equal(xa.length, 801);
  assert.equal(xa[0], 800 - 1000);
  assert.equal(xa[800], 1600 - 1000);
  const xb = await loadUtteranceAudio(b, opts);
  assert.deepEqual([xb.length, xb[0], xb[xb.length - 1]], [4000, 4000 - 1000, 7999 - 1000]);
  assert.equal((await loadUtteranceAudio(c, opts)).length, 800);
  // The command ran once for three segments of the same recording.
  assert.equal(await fs.readFile(path.join(dir, 'count.txt'), 'utf8'), 'run\n');
  const what = describeSource('d', d.source);
  await rejectsWith(
    loadUtteranceAudio(d, opts),
    `${what}: segment ends at 1.6 s but recording 'rec' is only 1.000 s long (more than 0.5 s past its end; fix segments)`,
  );
  await rejectsWith(loadUtteranceAudio(e, opts), `utt e (command 'echo run >> count.txt; cat rec.wav |'): segment starts at 1.2 s but recording 'rec' is only 1.000 s long`);
  clearAudioCache();
  await loadUtteranceAudio(a, opts);
  assert.equal(await fs.readFile(path.join(dir, 'count.txt'), 'utf8'), 'run\nrun\n');
});

test('a segment channel (5th field of segments) overrides the default channel', async () => {
  clearAudioCache();
  const stereo = fixture('stereo_44.1khz.wav');
  const u = fileUtt('seg', stereo, { recordingId: 'st', segment: { startSec: 0.5, endSec: 0.6, channel: 1 } });
  const x = await loadUtteranceAudio(u, { sampleRate: 44100 });
  assert.deepEqual(x, Float32Array.from(int16At(stereo, 2, 1).subarray(22050, 26460)));
});

test('readRecordingInfo reads only the header of a file, and falls back to the whole file for long headers', async () => {
  const info = await readRecordingInfo({ kind: 'file', path: fixture('stereo_44.1khz.wav') }, 'st');
  assert.deepEqual(
    [info.sampleRate, info.numChannels, info.numSamples, info.bitsPerSample, info.durationSec],
    [44100, 2, 44100, 16, 1],
  );
  // A 70 kB LIST chunk before 'data' pushes the header past the 64 KiB probe.
  const dir = await tmpDir();
  const wav = encodeWavPcm16(ramp(1600), 16000);
  const list = Buffer.alloc(8 + 70000);
  list.write('LIST', 0, 'ascii');
  list.writeUInt32LE(70000, 4);
  const big = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
  big.writeUInt32LE(big.length - 8, 4);
  await fs.writeFile(path.join(dir, 'big.wav'), big);
  const i2 = await readRecordingInfo({ kind: 'file', path: path.join(dir, 'big.wav') }, 'big');
  assert.deepEqual([i2.numSamples, i2.dataOffset, i2.durationSec], [1600, 44 + 70008, 0.1]);
  await rejectsWith(readRecordingInfo({ kind: 'file', path: path.join(dir, 'nope.wav') }, 'utt n (nope.wav)'), 'utt n (nope.wav): file not found');
});

test('checkDataDirAudio sums durations and lists every audio problem in data-dir order', async () => {
  const dir = await tmpDir();
  await fs.mkdir(path.join(dir, 'wav'));
  await fs.writeFile(path.join(dir, 'wav/a.wav'), encodeWavPcm16(ramp(16000), 16000));
  await fs.writeFile(path.join(dir, 'wav/b.wav'), encodeWavPcm16(ramp(8000), 8000));
  await fs.writeFile(path.join(dir, 'wav/c.wav'), encodeWavPcm16(ramp(1600), 16000).subarray(0, 1000));
  await fs.writeFile(path.join(dir, 'wav/d.wav'), 'not a wav');
  await fs.writeFile(path.join(dir, 'wav.scp'), 'a wav/a.wav\nb wav/b.wav\nc wav/c.wav\nd wav/d.wav\n');
  await fs.writeFile(path.join(dir, 'utt2spk'), 'a s\nb s\nc s\nd s\n');
  const data = await readDataDir(dir);
  const seen: number[] = [];
  const s = await checkDataDirAudio(data, { concurrency: 3, onRecording: (done) => seen.push(done) });
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.equal(s.recordings, 4);
  assert.equal(s.totalSec, 2);
  assert.deepEqual(s.sampleRates, new Map([[16000, 1], [8000, 1]]));
  assert.deepEqual(s.channelCounts, new Map([[1, 2]]));
  assert.deepEqual(s.problems, [
    `utt c (${dir}/wav/c.wav): truncated WAV: the data chunk declares 3200 bytes (1600 samples) but only 956 bytes follow; the file was cut short (re-create or re-download it)`,
    `utt d (${dir}/wav/d.wav): not a WAV file (no RIFF/WAVE header; the file starts with "not "); for other formats use a piped command in wav.scp, e.g. \`utt1 sox in.flac -t wav - |\``,
  ]);
  assert.equal(s.problemCount, 2);
  const s1 = await checkDataDirAudio(data, { channel: 1, maxProblems: 1 });
  assert.equal(s1.problemCount, 4);
  assert.deepEqual(s1.problems, [`utt a (${dir}/wav/a.wav): channel 1 requested but the file has 1 channel`]);
});

test('checkDataDirAudio with segments counts segment spans and flags segments outside the recording', async () => {
  const dir = await tmpDir();
  await fs.writeFile(path.join(dir, 'r.wav'), encodeWavPcm16(ramp(16000), 16000));
  await fs.writeFile(path.join(dir, 'wav.scp'), 'r r.wav\n');
  await fs.writeFile(path.join(dir, 'utt2spk'), 'x1 s\nx2 s\nx3 s\nx4 s\n');
  await fs.writeFile(path.join(dir, 'segments'), 'x1 r 0 0.25\nx2 r 0.75 -1\nx3 r 0.9 1.2\nx4 r 0.5 1.75 1\n');
  const s = await checkDataDirAudio(await readDataDir(dir));
  assert.equal(s.recordings, 1);
  assert.ok(Math.abs(s.totalSec - (0.25 + 0.25 + 0.1)) < 1e-9, String(s.totalSec));
  assert.deepEqual(s.problems, [
    `utt x4 (${dir}/r.wav): channel 1 requested but the file has 1 channel`,
    `utt x4 (${dir}/r.wav): segment ends at 1.75 s but recording 'r' is only 1.000 s long`,
  ]);
});

test('checkDataDirAudio runs piped wav.scp commands only with runPipes; otherwise counts them as not run', async () => {
  const dir = await tmpDir();
  await fs.writeFile(path.join(dir, 'a.wav'), encodeWavPcm16(ramp(16000), 16000));
  await fs.writeFile(path.join(dir, 'wav.scp'), 'a a.wav\nb touch ran && cat a.wav |\n');
  await fs.writeFile(path.join(dir, 'utt2spk'), 'a s\nb s\n');
  const data = await readDataDir(dir);
  const seen: [number, number][] = [];
  const s = await checkDataDirAudio(data, { onRecording: (done, total) => seen.push([done, total]) });
  await assert.rejects(fs.access(path.join(dir, 'ran')), 'the command must not run');
  assert.deepEqual([s.recordings, s.pipesNotRun, s.totalSec, s.problemCount], [2, 1, 1, 0]);
  assert.deepEqual(seen, [[1, 1]]);
  const r = await checkDataDirAudio(data, { runPipes: true });
  await fs.access(path.join(dir, 'ran'));
  assert.deepEqual([r.recordings, r.pipesNotRun, r.totalSec, r.problemCount], [2, 0, 2, 0]);
});
