import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDataDir } from '../../src/data/data-dir.js';
import { perturbDataDirSpeed, speedFactorRatio, speedPerturbSignal, speedPrefix } from '../../src/data/speed-perturb.js';
import { decodeWav, encodeWavPcm16 } from '../../src/data/wav.js';
import { runCli } from '../cli/run-cli.js';
import { writeToolsFixture } from './data-dir-fixture.js';

/** Frequency of a sine from its upward zero crossings, over the middle of the signal (the edges ramp). */
function sineHz(x: Float32Array, rate: number): number {
  const from = Math.floor(x.length / 4);
  const to = Math.floor((3 * x.length) / 4);
  const ups: number[] = [];
  for (let i = from + 1; i < to; i++) if (x[i - 1]! < 0 && x[i]! >= 0) ups.push(i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!));
  return ((ups.length - 1) * rate) / (ups.at(-1)! - ups[0]!);
}

test('speedPerturbSignal: a sine plays 1/S as long at S times its frequency (sox speed)', () => {
  const rate = 8000;
  const x = new Float32Array(4000).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  for (const s of [0.9, 1.1]) {
    const y = speedPerturbSignal(x, s);
    assert.equal(y.length, Math.ceil(4000 / s), `factor ${s}: length`);
    assert.ok(Math.abs(sineHz(y, rate) - 1000 * s) < 1, `factor ${s}: ${sineHz(y, rate)} Hz`);
  }
  // Content pushed above Nyquist (3800 Hz x 1.1 > 4000 Hz) is filtered out, not aliased.
  const high = new Float32Array(4000).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 3800 * i) / rate));
  const rms = (a: Float32Array) => Math.sqrt(a.slice(500, -500).reduce((t, v) => t + v * v, 0) / (a.length - 1000));
  assert.ok(rms(speedPerturbSignal(high, 1.1)) < 0.01 * rms(high));
});

test('speedFactorRatio / speedPrefix: rational factors, Kaldi prefix; 1, out of range and over 3 decimals refused', () => {
  assert.deepEqual(speedFactorRatio(0.9), { num: 9, den: 10 });
  assert.deepEqual(speedFactorRatio(1.1), { num: 11, den: 10 });
  assert.deepEqual(speedFactorRatio(0.95), { num: 19, den: 20 });
  assert.equal(speedPrefix(0.9), 'sp0.9-');
  assert.throws(() => speedFactorRatio(1), /speed factor 1: the original data directory is the unperturbed copy; combine-data it/);
  assert.throws(() => speedFactorRatio(0.3), /must be in \[0\.5, 2\]/);
  assert.throws(() => speedFactorRatio(0.9001), /at most 3 decimals/);
});

test('perturbDataDirSpeed: WAVs under wav/, ids prefixed sp<S>-, segments and durations scaled by 1/S, all factors in one valid dir', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'speed-perturb-'));
  const at = (...p: string[]) => path.join(root, ...p);
  try {
    // The fixture: 3 recordings of 3 s at 16 kHz (one read through `cat |`), segments, utt2dur, spk2gender.
    const src = await writeToolsFixture(at('src'));
    const r = await perturbDataDirSpeed(src, at('sp'), { factors: [0.9, 1.1] });
    assert.equal(r.data.utterances.length, 12);
    assert.deepEqual([...r.data.spk2utt.keys()], ['sp0.9-a', 'sp0.9-b', 'sp0.9-c', 'sp1.1-a', 'sp1.1-b', 'sp1.1-c']);
    const read = (f: string) => fs.readFile(at('sp', f), 'utf8');
    assert.match(await read('wav.scp'), /^sp0\.9-rec1 wav\/sp0\.9-rec1\.wav\n/);
    assert.ok(!(await read('wav.scp')).includes('|'), 'files, no pipes');
    assert.match(await read('segments'), /^sp0\.9-a-1 sp0\.9-rec1 0\.00 1\.11\nsp0\.9-a-2 sp0\.9-rec1 1\.11 2\.78\n/);
    assert.match(await read('segments'), /\nsp1\.1-b-1 sp1\.1-rec2 0\.45 1\.82\n/);
    assert.match(await read('text'), /^sp0\.9-a-1 ONE\n/);
    assert.match(await read('utt2uniq'), /^sp0\.9-a-1 a-1\n/);
    assert.match(await read('utt2dur'), /\nsp1\.1-a-2 1\.36363636/);
    assert.match(await read('spk2gender'), /^sp0\.9-a f\nsp0\.9-b m\n/);
    const wav = decodeWav(await fs.readFile(at('sp', 'wav', 'sp1.1-rec3.wav')), 'sp1.1-rec3');
    assert.equal(wav.sampleRate, 16000);
    assert.equal(wav.channels[0]!.length, Math.ceil(48000 / 1.1));
    assert.equal((await readDataDir(at('sp'))).utterances.length, 12, 'a valid data dir');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('perturb-speed CLI: writes the dir and says so; factor 1 and an unreadable recording are errors naming the cause', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-perturb-speed-'));
  const at = (...p: string[]) => path.join(root, ...p);
  try {
    const src = await writeToolsFixture(at('src'));
    const ok = await runCli('perturb-speed', src, at('sp'), '--factors', '0.9');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `perturb-speed: ${at('sp')}: 6 utterances, 3 speakers\n`);
    const one = await runCli('perturb-speed', src, at('sp1'), '--factors', '0.9,1');
    assert.equal(one.code, 1);
    assert.match(one.stderr, /^asr-distill perturb-speed: speed factor 1: the original data directory is the unperturbed copy/);
    await fs.writeFile(at('src', 'wav', 'rec2.wav'), encodeWavPcm16(new Float32Array(10), 16000).subarray(0, 20));
    const bad = await runCli('perturb-speed', src, at('sp2'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^asr-distill perturb-speed: utt b-1 \(.*src\/wav\/rec2\.wav\)/);
    await assert.rejects(fs.stat(at('sp2')), 'nothing left at the final path');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
