import { test } from 'node:test';
import assert from 'node:assert/strict';
import Meyda from 'meyda';
import { computeMeydaMelBands, meydaNumFrames } from '../../src/features/meyda.js';
import { defaultFbankConfig, type MeydaConfig } from '../../src/features/config.js';
import { computeFbank } from '../../src/features/fbank.js';
import { makeFeatureComputer } from '../../src/features/compute.js';
import { readFixtureWav } from './fixtures.js';

const config: MeydaConfig = { type: 'meyda', sampleRate: 16000, bufferSize: 512, hopSize: 160, numMelBands: 40, windowingFunction: 'hanning' };
const speech = readFixtureWav('audio/espeak_en-us_digits.wav').channels[0];

test('meydaNumFrames counts full buffers every hop', () => {
  assert.equal(meydaNumFrames(511, config), 0);
  assert.equal(meydaNumFrames(512, config), 1);
  assert.equal(meydaNumFrames(512 + 159, config), 1);
  assert.equal(meydaNumFrames(512 + 160, config), 2);
});

test('computeMeydaMelBands equals what Meyda.extract returns for a [-1, 1) browser buffer', () => {
  const f = computeMeydaMelBands(speech, config);
  assert.equal(f.numFrames, meydaNumFrames(speech.length, config));
  assert.equal(f.dim, 40);
  for (const t of [0, 57, f.numFrames - 1]) {
    // What a Web Audio app hands Meyda: the float samples of that buffer.
    const buffer = Float32Array.from(speech.subarray(t * 160, t * 160 + 512), (v) => v / 32768);
    const m = Meyda as unknown as { bufferSize: number; sampleRate: number; melBands: number; windowingFunction: string; extract: (f: string, s: Float32Array) => number[] };
    m.bufferSize = 512;
    m.sampleRate = 16000;
    m.melBands = 40;
    m.windowingFunction = 'hanning';
    const expected = Float32Array.from(m.extract('melBands', buffer));
    assert.deepEqual(f.data.subarray(t * 40, t * 40 + 40), expected, `frame ${t}`);
  }
});

test('Meyda mel bands are a different feature from Kaldi fbank (log(x+1) of [-1,1) audio)', () => {
  const meyda = computeMeydaMelBands(speech, config);
  const kaldi = computeFbank(speech, defaultFbankConfig());
  // log(x + 1) is never negative; Kaldi log-mel of int16-scaled audio reaches log(FLT_EPSILON) in silence.
  assert.ok(meyda.data.every((v) => v >= 0));
  assert.ok(kaldi.data.some((v) => v < -15));
  let meanAbsDiff = 0;
  const n = Math.min(meyda.numFrames, kaldi.numFrames) * 40;
  for (let i = 0; i < n; i++) meanAbsDiff += Math.abs(meyda.data[i] - kaldi.data[i]) / n;
  assert.ok(meanAbsDiff > 2.5, `mean |diff| ${meanAbsDiff}`);
});

test('makeFeatureComputer dispatches on the config type', () => {
  const x = speech.subarray(0, 4000);
  assert.deepEqual(makeFeatureComputer(config).compute(x), computeMeydaMelBands(x, config));
  const fb = defaultFbankConfig({ dither: 1, ditherSeed: 3 });
  assert.deepEqual(makeFeatureComputer(fb).compute(x, 'u1'), computeFbank(x, fb, { ditherStream: 'u1' }));
});

test('a sample-rate change is honoured although Meyda caches its mel bank', () => {
  const x = speech.subarray(0, 2000);
  const at16k = computeMeydaMelBands(x, config);
  const at8k = computeMeydaMelBands(x, { ...config, sampleRate: 8000 });
  assert.notDeepEqual(at8k.data, at16k.data);
  assert.deepEqual(computeMeydaMelBands(x, config).data, at16k.data);
});
