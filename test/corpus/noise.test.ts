import { test } from 'node:test';
import assert from 'node:assert/strict';
import FFT from 'fft.js';
import { makeRng } from '../../src/data/random.js';
import { NOISE_TYPES, addNoiseAtSnr, babbleNoise, makeNoise, meanPower, pinkNoise, whiteNoise } from '../../src/corpus/noise.js';

/** Power in [loHz, hiHz) averaged over 1024-point frames. */
function bandPower(x: Float32Array, sampleRate: number, loHz: number, hiHz: number): number {
  const n = 1024;
  const fft = new FFT(n);
  const out = fft.createComplexArray();
  let p = 0;
  for (let s = 0; s + n <= x.length; s += n) {
    fft.realTransform(out, Array.from(x.subarray(s, s + n)));
    for (let k = Math.ceil((loHz * n) / sampleRate); k < (hiHz * n) / sampleRate; k++) p += out[2 * k] ** 2 + out[2 * k + 1] ** 2;
  }
  return p;
}

test('each noise type has unit power and is reproducible from its seed', () => {
  for (const t of NOISE_TYPES) {
    const a = makeNoise(t, makeRng('n'), 16000, 16000);
    assert.ok(Math.abs(meanPower(a) - 1) < 0.05, `${t} power ${meanPower(a)}`);
    assert.deepEqual(makeNoise(t, makeRng('n'), 16000, 16000), a);
    assert.notDeepEqual(makeNoise(t, makeRng('m'), 16000, 16000), a);
  }
});

test('white is flat, pink falls about 3 dB per octave, babble is low-passed and fluctuates', () => {
  const fs = 16000;
  const white = whiteNoise(makeRng(1), 64 * 1024);
  const pink = pinkNoise(makeRng(1), 64 * 1024);
  // Octaves 500-1000 Hz and 4000-8000 Hz: per-Hz density ratio of 1/f noise is 8 (9 dB); white is 1.
  const ratio = (x: Float32Array) => bandPower(x, fs, 500, 1000) / 500 / (bandPower(x, fs, 4000, 8000) / 4000);
  assert.ok(Math.abs(10 * Math.log10(ratio(white))) < 1, `white tilt ${10 * Math.log10(ratio(white))} dB`);
  assert.ok(Math.abs(10 * Math.log10(ratio(pink)) - 9) < 1.5, `pink tilt ${10 * Math.log10(ratio(pink))} dB`);
  const babble = babbleNoise(makeRng(1), 64 * 1024, fs);
  const babbleTilt = 10 * Math.log10(ratio(babble));
  assert.ok(babbleTilt > 10 * Math.log10(ratio(pink)) + 6, `babble tilt ${babbleTilt} dB: speech-shaped, steeper than pink`);
  // Its level follows syllable-rate envelopes: 50 ms frame powers vary much more than white noise's.
  const spread = (x: Float32Array) => {
    const p = [];
    for (let s = 0; s + 800 <= x.length; s += 800) p.push(meanPower(x, s, s + 800));
    return Math.max(...p) / Math.min(...p);
  };
  assert.ok(spread(babble) > 4 * spread(white), `babble spread ${spread(babble)} vs white ${spread(white)}`);
});

test('addNoiseAtSnr scales the noise to the SNR measured on the speech span only', () => {
  const sig = new Float32Array(4000);
  for (let i = 1000; i < 3000; i++) sig[i] = 0.5 * Math.sin(i / 5);
  const noise = whiteNoise(makeRng(3), 4000);
  const mixed = sig.slice();
  addNoiseAtSnr(mixed, noise, 10, 1000, 3000);
  const added = mixed.map((x, i) => x - sig[i]);
  const snr = 10 * Math.log10(meanPower(sig, 1000, 3000) / meanPower(added));
  assert.ok(Math.abs(snr - 10) < 1e-3, `snr ${snr}`);
  const silent = new Float32Array(10);
  addNoiseAtSnr(silent, noise, 10);
  assert.ok(silent.every((x) => x === 0), 'no speech, no noise level to set: unchanged');
});
