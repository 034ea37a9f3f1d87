import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DirectRealDft, RealFft } from '../../src/features/real-fft.js';
import { FBANK_WASM } from '../../src/features/fbank-wasm.js';

function signal(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin(0.37 * i) + ((i * 7919) % 13) / 13 - 0.5);
}

/** Textbook O(N^2) power spectrum, written independently of DirectRealDft. */
function naivePower(x: Float64Array): number[] {
  const n = x.length;
  const out: number[] = [];
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t] * Math.cos((2 * Math.PI * k * t) / n);
      im -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
    }
    out.push(re * re + im * im);
  }
  return out;
}

for (const n of [4, 8, 16, 32, 256, 512, 2048]) {
  test(`RealFft(${n}) power spectrum equals the naive DFT`, () => {
    const x = signal(n);
    const fft = new RealFft(n);
    const out = new Float64Array(n / 2 + 1);
    fft.powerOf(x, out);
    const ref = naivePower(x);
    for (let k = 0; k <= n / 2; k++) assert.ok(Math.abs(out[k] - ref[k]) <= 1e-9 * (1 + ref[k]), `bin ${k}: ${out[k]} vs ${ref[k]}`);
    // Reusing the instance gives the same answer (no state leaks between frames).
    const again = new Float64Array(n / 2 + 1);
    fft.powerOf(x, again);
    assert.deepEqual(again, out);
  });
}

test('the WebAssembly transform runs in Node and gives bit for bit the JavaScript transform\'s spectrum', () => {
  // Sizes with an odd and an even number of radix-4 stages; 4096 needs more than the module's one page.
  for (const n of [4, 8, 16, 32, 64, 128, 512, 1024, 4096]) {
    const wasm = new RealFft(n);
    const js = new RealFft(n, { wasm: false });
    assert.equal(wasm.usesWasm, true, `size ${n}`);
    assert.equal(js.usesWasm, false);
    for (const x of [signal(n), Float64Array.from({ length: n }, (_, i) => (i < (n * 25) / 32 ? Math.round(3000 * Math.sin(0.3 * i * i)) : 0))]) {
      const a = new Float64Array(n / 2 + 1);
      const b = new Float64Array(n / 2 + 1);
      wasm.powerOf(x, a);
      js.powerOf(x, b);
      assert.deepEqual(a, b, `size ${n}`);
      // Through the transform's own buffers (no copies): the same numbers.
      wasm.input.set(x);
      wasm.powerOf(wasm.input, wasm.output);
      assert.deepEqual(wasm.output, b, `size ${n}, own buffers`);
    }
  }
});

test('fbank-wasm.ts holds fbank.wat assembled (wabt, a devDependency, assembles it)', async () => {
  const script = path.join(import.meta.dirname, '../../scripts/build-fbank-wasm.mjs');
  const build = (await import(pathToFileURL(script).href)) as { assembleFbankWat: () => Promise<string> };
  assert.equal(FBANK_WASM, await build.assembleFbankWat(), 'run node scripts/build-fbank-wasm.mjs');
});

test('DirectRealDft handles any length (400, 401)', () => {
  for (const n of [400, 401]) {
    const x = signal(n);
    const out = new Float64Array(Math.floor(n / 2) + 1);
    new DirectRealDft(n).powerOf(x, out);
    const ref = naivePower(x);
    for (let k = 0; k < out.length; k++) assert.ok(Math.abs(out[k] - ref[k]) <= 1e-9 * (1 + ref[k]));
  }
});

test('RealFft and DirectRealDft reject bad sizes', () => {
  assert.throws(() => new RealFft(400), { message: 'RealFft: size must be a power of two >= 4, got 400' });
  assert.throws(() => new RealFft(2), { message: 'RealFft: size must be a power of two >= 4, got 2' });
  assert.throws(() => new DirectRealDft(1), { message: 'DirectRealDft: size must be an integer >= 2, got 1' });
});
