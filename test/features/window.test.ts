import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  FLT_EPSILON, copyFrame, firstSampleOfFrame, makeWindow, numFrames, paddedWindowSize, processFrame, windowShiftSamples, windowSizeSamples,
} from '../../src/features/window.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { GaussianNoise } from '../../src/features/dither.js';
import { FIXTURE_DIR } from './fixtures.js';

const inter = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'ref/intermediates_sweep_100-7000hz_1s.fbank40_frame50.json'), 'utf8')) as Record<string, number[]>;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test('window sizes follow Kaldi (trunc(rate * 0.001 * ms), next power of two)', () => {
  const c = defaultFbankConfig();
  assert.equal(windowSizeSamples(c), 400);
  assert.equal(windowShiftSamples(c), 160);
  assert.equal(paddedWindowSize(c), 512);
  const c44 = defaultFbankConfig({ sampleRate: 44100 });
  assert.equal(windowSizeSamples(c44), 1102);
  assert.equal(windowShiftSamples(c44), 441);
  assert.equal(paddedWindowSize(c44), 2048);
  assert.equal(paddedWindowSize({ ...c, roundToPowerOfTwo: false }), 400);
});

test('numFrames and firstSampleOfFrame with and without snipEdges', () => {
  const snip = defaultFbankConfig();
  const centred = defaultFbankConfig({ snipEdges: false });
  assert.equal(numFrames(560, snip), 2);
  assert.equal(numFrames(560, centred), 4);
  assert.equal(numFrames(399, snip), 0);
  assert.equal(numFrames(16000, snip), 98);
  assert.equal(numFrames(16000, centred), 100);
  assert.equal(firstSampleOfFrame(3, snip), 480);
  // Centred: midpoint t*shift + shift/2, start midpoint - length/2.
  assert.equal(firstSampleOfFrame(0, centred), -120);
  assert.equal(firstSampleOfFrame(2, centred), 200);
});

test('makeWindow: povey matches the fixture window; the other types have their textbook edges', () => {
  const povey = makeWindow('povey', 400);
  assert.ok(maxAbsDiff(povey, inter.povey_window) < 1e-12);
  const hann = makeWindow('hanning', 400);
  assert.equal(hann[0], 0);
  assert.ok(Math.abs(hann[399]) < 1e-15);
  assert.ok(Math.abs(makeWindow('hamming', 400)[0] - 0.08) < 1e-12);
  assert.deepEqual(Array.from(makeWindow('rectangular', 3)), [1, 1, 1]);
  const b = makeWindow('blackman', 401, 0.42);
  assert.ok(Math.abs(b[0]) < 1e-12);
  assert.ok(Math.abs(b[200] - 1) < 1e-12);
});

test('copyFrame mirrors at the edges like Kaldi ExtractWindow', () => {
  const signal = Float32Array.from({ length: 500 }, (_, i) => i);
  const c = defaultFbankConfig({ snipEdges: false });
  const out = new Float64Array(400);
  copyFrame(signal, 0, c, out); // starts at -120
  assert.equal(out[0], 119); // -120 -> 119
  assert.equal(out[119], 0); // -1 -> 0
  assert.equal(out[120], 0);
  assert.equal(out[121], 1);
  copyFrame(signal, 3, c, out); // starts at 360: 360..759
  assert.equal(out[139], 499);
  assert.equal(out[140], 499); // 500 -> 499
  assert.equal(out[141], 498);
});

test('processFrame reproduces the fixture intermediates (DC removal, pre-emphasis, povey window)', () => {
  const c = defaultFbankConfig();
  const frame = Float64Array.from(inter.raw_frame);
  const logEnergy = processFrame(frame, makeWindow('povey', 400), c);
  assert.ok(maxAbsDiff(frame, inter.windowed_zero_padded, 400) < 1e-9);
  const energy = inter.after_dc_removal.reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(logEnergy - Math.log(energy)) < 1e-12);
  // A silent frame floors the energy at FLT_EPSILON.
  assert.equal(processFrame(new Float64Array(400), makeWindow('povey', 400), c), Math.log(FLT_EPSILON));
});

test('processFrame dither needs a noise source and is reproducible with one', () => {
  const c = defaultFbankConfig({ dither: 1 });
  const w = makeWindow('povey', 400);
  assert.throws(() => processFrame(new Float64Array(400), w, c), { message: 'processFrame: dither needs a seeded GaussianNoise' });
  const a = new Float64Array(400);
  const b = new Float64Array(400);
  processFrame(a, w, c, new GaussianNoise(1));
  processFrame(b, w, c, new GaussianNoise(1));
  assert.deepEqual(a, b);
  assert.ok(a.some((v) => v !== 0));
});
