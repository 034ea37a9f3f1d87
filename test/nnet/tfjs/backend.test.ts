import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { currentBackend, selectBackend } from '../../../src/nnet/tfjs/backend.js';
import { isInputError } from '../../../src/errors.js';

test('selectBackend switches between wasm and cpu and computes the same product', async () => {
  const a = [1, 2, 3, 4, 5, 6];
  const b = [0.5, -1, 2, 0, 1, 1];
  const results: number[][] = [];
  for (const name of ['wasm', 'cpu'] as const) {
    assert.equal(await selectBackend(name), name);
    assert.equal(currentBackend(), name);
    assert.equal(await selectBackend(name), name, 'selecting the current backend again is a no-op');
    results.push(Array.from(tf.tidy(() => tf.matMul(tf.tensor2d(a, [2, 3]), tf.tensor2d(b, [3, 2]))).dataSync()));
  }
  assert.deepEqual(results[0], [7.5, 2, 18, 2]);
  assert.deepEqual(results[1], results[0]);
});

test('wasm backend runs single-threaded with SIMD', async () => {
  await selectBackend('wasm');
  assert.equal(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'), false);
});

test('auto falls back to wasm when no native TensorFlow binding is installed', async () => {
  let native = true;
  try {
    await import('@tensorflow/tfjs-node' as string);
  } catch {
    try {
      await import('@tensorflow/tfjs-node-gpu' as string);
    } catch {
      native = false;
    }
  }
  const got = await selectBackend('auto');
  assert.equal(got, native ? 'tensorflow' : 'wasm');
  if (!native) {
    await assert.rejects(selectBackend('tensorflow'), (e: unknown) => {
      assert.ok(isInputError(e));
      assert.equal(
        (e as Error).message,
        '--backend tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded; install one, or use --backend wasm',
      );
      return true;
    });
  }
});
