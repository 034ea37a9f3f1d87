import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyResampleFilter, CUTOFF_RATIO, designResampleFilter, resample, resampledLength,
} from '../../src/data/resample.js';
import { InputError } from '../../src/errors.js';

function tone(freqHz: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * freqHz * i) / rate));
}

/** Amplitude of the component at freqHz over [from, to) (least-squares projection). */
function amplitudeAt(x: Float32Array, rate: number, freqHz: number, from: number, to: number): number {
  let c = 0;
  let s = 0;
  for (let i = from; i < to; i++) {
    c += x[i]! * Math.cos((2 * Math.PI * freqHz * i) / rate);
    s += x[i]! * Math.sin((2 * Math.PI * freqHz * i) / rate);
  }
  return (2 / (to - from)) * Math.hypot(c, s);
}

function rms(x: Float32Array, from: number, to: number): number {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i]! * x[i]!;
  return Math.sqrt(e / (to - from));
}

const dB = (ratio: number) => 20 * Math.log10(ratio);

test('output length is ceil(n * to / from), as Kaldi LinearResample with flush', () => {
  assert.equal(resampledLength(441, 22050, 16000), 320);
  assert.equal(resampledLength(442, 22050, 16000), 321);
  assert.equal(resampledLength(1, 22050, 16000), 1);
  assert.equal(resampledLength(0, 22050, 16000), 0);
  assert.equal(resampledLength(12581, 8000, 16000), 25162);
  for (const n of [0, 1, 440, 441, 1000, 22050]) {
    assert.equal(resample(new Float32Array(n), 22050, 16000).length, Math.ceil((n * 16000) / 22050), `n=${n}`);
  }
  assert.equal(resample(new Float32Array(44100), 44100, 16000).length, 16000);
});

test('identical rates return an equal copy', () => {
  const x = tone(440, 16000, 0.1);
  const y = resample(x, 16000, 16000);
  assert.deepEqual(y, x);
  assert.notEqual(y, x);
});

test('tones below the cutoff keep their amplitude and frequency (22050 -> 16000, 44100 -> 16000, 8000 -> 16000)', () => {
  const cases: [number, number, number][] = [
    [22050, 16000, 1000], [22050, 16000, 7000], [44100, 16000, 300], [44100, 16000, 6500], [8000, 16000, 3500], [16000, 8000, 3000],
  ];
  for (const [from, to, f] of cases) {
    const y = resample(tone(f, from, 0.5), from, to);
    const edge = Math.round(0.05 * to);
    const a = amplitudeAt(y, to, f, edge, y.length - edge);
    assert.ok(Math.abs(dB(a / 0.5)) < 0.01, `${from}->${to} ${f} Hz: gain ${dB(a / 0.5).toFixed(4)} dB`);
  }
});

test('a 10 kHz tone going 22050 -> 16000 is removed, not aliased to 6 kHz (> 60 dB down)', () => {
  const y = resample(tone(10000, 22050, 0.5), 22050, 16000);
  const edge = 800;
  const attenuation = dB(rms(y, edge, y.length - edge) / (0.5 / Math.SQRT2));
  assert.ok(attenuation < -60, `attenuation ${attenuation.toFixed(1)} dB`);
});

test('just above the new Nyquist (8.2 kHz) is also in the stopband', () => {
  const y = resample(tone(8200, 22050, 0.5), 22050, 16000);
  const attenuation = dB(rms(y, 800, y.length - 800) / (0.5 / Math.SQRT2));
  assert.ok(attenuation < -60, `attenuation ${attenuation.toFixed(1)} dB`);
});

test('upsampling 8000 -> 16000 leaves no image of a 3 kHz tone at 5 kHz', () => {
  const y = resample(tone(3000, 8000, 0.5), 8000, 16000);
  const image = amplitudeAt(y, 16000, 5000, 800, y.length - 800);
  assert.ok(dB(image / 0.5) < -60, `image at ${dB(image / 0.5).toFixed(1)} dB`);
});

test('the filter has unit DC gain per phase and its cutoff at 0.95 of the lower Nyquist', () => {
  const f = designResampleFilter(22050, 16000);
  assert.equal(f.inUnit, 441);
  assert.equal(f.outUnit, 320);
  for (let p = 0; p < f.outUnit; p++) {
    let s = 0;
    for (let i = 0; i < f.numTaps; i++) s += f.weights[p * f.numTaps + i]!;
    assert.ok(Math.abs(s - 1) < 1e-5, `phase ${p} sums to ${s}`);
  }
  // At the cutoff the windowed-sinc response is half the passband gain (-6 dB).
  const fc = CUTOFF_RATIO * 8000;
  const y = applyResampleFilter(tone(fc, 22050, 0.5), f);
  const gain = amplitudeAt(y, 16000, fc, 800, y.length - 800) / 0.5;
  assert.ok(Math.abs(gain - 0.5) < 0.02, `gain at cutoff ${gain}`);
  // A constant stays constant away from the edges.
  const dc = resample(new Float32Array(4000).fill(0.25), 22050, 16000);
  for (let i = 100; i < dc.length - 100; i++) assert.ok(Math.abs(dc[i]! - 0.25) < 1e-5);
});

test('bad rates are InputErrors', () => {
  assert.throws(
    () => resample(new Float32Array(4), 22050.5, 16000),
    (e: unknown) => e instanceof InputError && e.message === 'resample: the input sample rate must be a positive integer number of Hz, got 22050.5',
  );
  assert.throws(
    () => resample(new Float32Array(4), 16000, 0),
    (e: unknown) => e instanceof InputError && e.message === 'resample: the output sample rate must be a positive integer number of Hz, got 0',
  );
});
