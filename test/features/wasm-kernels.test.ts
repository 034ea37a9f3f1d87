import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arenaBytes, fbankKernelsModule, KernelArena } from '../../src/features/wasm-kernels.js';

test('fbankKernelsModule compiles fbank.wat once (Node has WebAssembly SIMD)', () => {
  const m = fbankKernelsModule();
  assert.ok(m instanceof WebAssembly.Module);
  assert.equal(fbankKernelsModule(), m);
  assert.deepEqual(WebAssembly.Module.exports(m).map((e) => e.name).sort(), ['frames', 'memory', 'power']);
});

test('KernelArena lays arrays out 16-byte aligned and refuses to overrun what was reserved', () => {
  assert.deepEqual([0, 1, 15, 16, 17].map(arenaBytes), [0, 16, 16, 16, 32]);
  const plain = KernelArena.plain(64);
  assert.equal(plain.kernels, undefined);
  const a = plain.f64(3);
  const b = plain.i32(1);
  const c = plain.f32(2);
  assert.deepEqual([a.byteOffset, b.byteOffset, c.byteOffset], [0, 32, 48]);
  assert.throws(() => plain.f64(1), { message: 'KernelArena: 80 bytes needed, 64 reserved' });
  // A wasm arena grows its memory once to the size asked for (here more than one 64 KiB page).
  const wasm = KernelArena.wasm(200000);
  assert.ok(wasm?.kernels && typeof wasm.kernels.frames === 'function' && typeof wasm.kernels.power === 'function');
  assert.equal(wasm.buffer.byteLength, 4 * 65536);
  const big = wasm.f64(24000);
  big.fill(1);
  assert.equal(wasm.f64(1).byteOffset, 192000);
});
