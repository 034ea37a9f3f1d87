import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FbankComputer, computeFbank, hasExactFrameSums } from '../../src/features/fbank.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { FLT_EPSILON, copyFrame, makeWindow, processFrame } from '../../src/features/window.js';
import { DirectRealDft } from '../../src/features/real-fft.js';
import { applyMelBanks, makeMelBanks } from '../../src/features/mel.js';
import { readFixtureIndex, readFixtureWav, readReference } from './fixtures.js';

const index = readFixtureIndex();

test('fixture index lists the 13 reference cases', () => {
  assert.equal(index.cases.length, 13);
  assert.equal(index.log_floor_value, Math.log(FLT_EPSILON));
});

for (const c of index.cases) {
  test(`fbank matches Kaldi reference ${c.name} within 1e-3 nats`, () => {
    const wav = readFixtureWav(c.audio);
    assert.equal(wav.sampleRate, c.sample_rate);
    const config = defaultFbankConfig({ sampleRate: c.sample_rate, numMelBins: c.num_mel_bins, snipEdges: c.snip_edges });
    const f = computeFbank(wav.channels[c.channel_used], config);
    assert.deepEqual([f.numFrames, f.dim], c.shape);
    const ref = readReference(c);
    let maxDiff = 0;
    let floors = 0;
    for (let i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[i] - f.data[i]));
      if (ref[i] === Math.fround(index.log_floor_value)) {
        floors++;
        // Floor values must be exactly log(FLT_EPSILON) (stored as float32).
        assert.equal(f.data[i], Math.fround(index.log_floor_value), `${c.name}: value ${i} at the log floor`);
      }
    }
    assert.ok(maxDiff <= 1e-3, `${c.name}: max |diff| ${maxDiff}`);
    if (c.name.startsWith('espeak_en-us_digits')) assert.equal(floors, 1200);
  });
}

function noise(n: number, seed: number, scale = 3000): Float32Array {
  const x = new Float32Array(n);
  let a = seed;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    x[i] = Math.round(((a / 2 ** 32) * 2 - 1) * scale);
  }
  return x;
}

test('fused fast path equals the layered path (even and odd windows, with and without snipEdges)', () => {
  const signal = noise(5000, 7);
  for (const frameLengthMs of [25, 25.0625]) {
    for (const snipEdges of [true, false]) {
      const base = defaultFbankConfig({ frameLengthMs, snipEdges });
      const fast = computeFbank(signal, base);
      // useEnergy forces the layered path; its mel part (after the energy column) must agree.
      const layered = computeFbank(signal, { ...base, useEnergy: true });
      assert.equal(layered.dim, fast.dim + 1);
      let maxDiff = 0;
      for (let t = 0; t < fast.numFrames; t++) {
        for (let m = 0; m < fast.dim; m++) maxDiff = Math.max(maxDiff, Math.abs(fast.data[t * fast.dim + m] - layered.data[t * layered.dim + 1 + m]));
      }
      assert.ok(maxDiff < 1e-5, `frameLengthMs ${frameLengthMs} snipEdges ${snipEdges}: ${maxDiff}`);
    }
  }
});

test('the WebAssembly fast path gives bit for bit the JavaScript features (chunked runs, edge frames, exact and inexact sums)', () => {
  const ints = noise(40000, 11);
  const fractional = Float32Array.from(ints, (v, i) => v / 3 + 0.001 * i);
  const configs = [
    defaultFbankConfig(),
    defaultFbankConfig({ snipEdges: false }),
    defaultFbankConfig({ frameLengthMs: 25.0625, snipEdges: false }),
    defaultFbankConfig({ removeDcOffset: false, preemphasisCoefficient: 0 }),
    defaultFbankConfig({ usePower: false, useLog: false, numMelBins: 23 }),
    defaultFbankConfig({ sampleRate: 8000, frameShiftMs: 7 }),
  ];
  for (const config of configs) {
    const wasm = new FbankComputer(config);
    const js = new FbankComputer(config, 'x', { wasm: false });
    for (const signal of [ints, fractional]) {
      const a = wasm.compute(signal).data;
      const b = js.compute(signal).data;
      assert.equal(Buffer.compare(new Uint8Array(a.buffer), new Uint8Array(b.buffer)), 0, JSON.stringify(config));
    }
  }
  // An utterance longer than one copied chunk (2^19 samples): frames across the chunk boundary.
  const long = new Float32Array(530000);
  long.set(ints, 490000);
  long.set(ints.subarray(0, 30000), 10);
  const config = defaultFbankConfig();
  const [a, b] = [new FbankComputer(config).compute(long).data, new FbankComputer(config, 'x', { wasm: false }).compute(long).data];
  assert.equal(Buffer.compare(new Uint8Array(a.buffer), new Uint8Array(b.buffer)), 0);
});

test('hasExactFrameSums: int32 samples and windows up to 2^21', () => {
  assert.equal(hasExactFrameSums(Float32Array.of(0, -32768, 32767, 5), 400), true);
  assert.equal(hasExactFrameSums(Float32Array.of(1, 2.5), 400), false);
  assert.equal(hasExactFrameSums(Float32Array.of(1, 2 ** 32), 400), false);
  assert.equal(hasExactFrameSums(Float32Array.of(1, NaN), 400), false);
  assert.equal(hasExactFrameSums(Float32Array.of(1, 2), 2 ** 22), false);
});

test('useEnergy puts the raw log energy first (last with htkCompat) and energyFloor floors it', () => {
  const signal = new Float32Array(800);
  signal.set(noise(400, 3), 400); // frame 0 silent, frame 2 (samples 320..720) partly noise
  const cfg = defaultFbankConfig({ useEnergy: true });
  const f = computeFbank(signal, cfg);
  assert.equal(f.dim, 41);
  assert.equal(f.data[0], Math.fround(Math.log(FLT_EPSILON)));
  // Raw energy = sum of squares after DC removal, before pre-emphasis and window.
  const frame = Array.from(signal.subarray(160, 560));
  const mean = frame.reduce((s, v) => s + v, 0) / 400;
  const energy = frame.reduce((s, v) => s + (v - mean) ** 2, 0);
  assert.ok(Math.abs(f.data[41] - Math.log(energy)) < 1e-5);
  const htk = computeFbank(signal, { ...cfg, htkCompat: true });
  assert.equal(htk.data[41 + 40], f.data[41]);
  assert.equal(htk.data[41], f.data[42]);
  const floored = computeFbank(signal, { ...cfg, energyFloor: 1 });
  assert.equal(floored.data[0], 0);
});

test('useLog false gives mel energies; usePower false uses the magnitude spectrum', () => {
  const signal = noise(1200, 11);
  const logMel = computeFbank(signal, defaultFbankConfig());
  const linear = computeFbank(signal, defaultFbankConfig({ useLog: false }));
  for (let i = 0; i < 40; i++) assert.ok(Math.abs(Math.log(linear.data[i]) - logMel.data[i]) < 1e-5);
  // Frame 2 of the magnitude variant, rebuilt from the layers with the independent direct DFT.
  const config = defaultFbankConfig({ usePower: false });
  const mag = computeFbank(signal, config);
  const frame = new Float64Array(512);
  copyFrame(signal, 2, config, frame);
  processFrame(frame, makeWindow('povey', 400), config);
  const spectrum = new Float64Array(257);
  new DirectRealDft(512).powerOf(frame, spectrum);
  for (let k = 0; k < 257; k++) spectrum[k] = Math.sqrt(spectrum[k]);
  const mel = new Float64Array(40);
  applyMelBanks(makeMelBanks({ ...config, paddedWindowSize: 512 }), spectrum, mel);
  for (let m = 0; m < 40; m++) assert.ok(Math.abs(mag.data[2 * 40 + m] - Math.log(mel[m])) < 1e-5, `bin ${m}`);
});

test('dither is deterministic per seed and stream, and 0 disables it', () => {
  const signal = noise(3200, 5, 100);
  const dithered = defaultFbankConfig({ dither: 1, ditherSeed: 42 });
  const a = computeFbank(signal, dithered, { ditherStream: 'utt1' });
  const b = computeFbank(signal, dithered, { ditherStream: 'utt1' });
  const other = computeFbank(signal, dithered, { ditherStream: 'utt2' });
  const otherSeed = computeFbank(signal, { ...dithered, ditherSeed: 43 }, { ditherStream: 'utt1' });
  const none = computeFbank(signal, defaultFbankConfig());
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, other.data);
  assert.notDeepEqual(a.data, otherSeed.data);
  assert.notDeepEqual(a.data, none.data);
  // Dither of 1 int16 step barely moves a signal of amplitude ~100.
  let maxDiff = 0;
  for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - none.data[i]));
  assert.ok(maxDiff < 1, `dither moved a value by ${maxDiff}`);
});

test('a signal shorter than one window gives zero frames; FbankComputer reports sizes', () => {
  const fb = new FbankComputer(defaultFbankConfig());
  assert.equal(fb.windowSize, 400);
  assert.equal(fb.windowShift, 160);
  assert.equal(fb.paddedSize, 512);
  assert.equal(fb.numFrames(399), 0);
  const f = fb.compute(new Float32Array(399));
  assert.equal(f.numFrames, 0);
  assert.equal(f.data.length, 0);
});

test('compute with out writes the same features into the given array, and refuses one of another size', () => {
  const fb = new FbankComputer({ ...defaultFbankConfig(), dither: 1 });
  const signal = Float32Array.from({ length: 4000 }, (_, i) => Math.round(3000 * Math.sin(0.05 * i)));
  const want = fb.compute(signal, { ditherStream: 'u1' });
  const buffer = new Float32Array(want.data.length + 10).fill(7);
  const out = buffer.subarray(5, 5 + want.data.length);
  const got = fb.compute(signal, { ditherStream: 'u1', out });
  assert.equal(got.data, out);
  assert.deepEqual(got.data, want.data);
  assert.deepEqual([...buffer.subarray(0, 5), ...buffer.subarray(5 + want.data.length)], Array(10).fill(7)); // nothing written outside
  assert.throws(() => fb.compute(signal, { out: new Float32Array(want.data.length - 1) }), /out has 919 values, expected 23 frames x 40/);
});

test('roundToPowerOfTwo false uses a direct DFT of the window length', () => {
  const signal = noise(2000, 9);
  const f = computeFbank(signal, defaultFbankConfig({ roundToPowerOfTwo: false }));
  const g = computeFbank(signal, defaultFbankConfig());
  assert.equal(f.numFrames, g.numFrames);
  // A 400-point spectrum is a different sampling of the same spectrum: close but not equal.
  let maxDiff = 0;
  for (let i = 0; i < f.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(f.data[i] - g.data[i]));
  assert.ok(maxDiff > 1e-4 && maxDiff < 2, `max diff ${maxDiff}`);
});
