import { test } from 'node:test';
import assert from 'node:assert/strict';
import Meyda from 'meyda';
import { meydaMelBandsOf, meydaNumFrames, type MeydaModule } from '../../src/features/meyda-bands.js';
import { computeMeydaMelBands } from '../../src/features/meyda.js';
import type { MeydaConfig } from '../../src/features/config.js';
import { makeRng, randNormal } from '../../src/data/random.js';

const config: MeydaConfig = { type: 'meyda', sampleRate: 8000, bufferSize: 256, hopSize: 80, numMelBands: 20, windowingFunction: 'hanning' };
const rng = makeRng(2, 'meyda-bands');
const signal = Float32Array.from({ length: 4000 }, (_, i) => 3000 * Math.sin(i / 7) + 300 * randNormal(rng));

test("meydaMelBandsOf: frames [from, to) are those rows of the whole signal's (what the page computes as live audio arrives)", () => {
  const m = Meyda as unknown as MeydaModule;
  const whole = meydaMelBandsOf(m, signal, config);
  assert.deepEqual(whole, computeMeydaMelBands(signal, config), "meyda.ts is this with Meyda's Node build");
  const n = meydaNumFrames(signal.length, config);
  assert.equal(whole.numFrames, n);
  // Frames 10-19 need only the samples up to the end of frame 19's buffer.
  const part = meydaMelBandsOf(m, signal.subarray(0, 19 * 80 + 256), config, 10, 10);
  assert.deepEqual(part.data, whole.data.subarray(10 * 20, 20 * 20));
  assert.throws(() => meydaMelBandsOf(m, signal.subarray(0, 19 * 80 + 255), config, 10, 10), /frames 10\.\.20 are not all within 1775 samples/);
});
