// The networks' forward passes on every engine, and their TensorFlow.js Layers files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { parseArch } from '../../src/nnet/arch.js';
import { OrtDnnForward } from '../../src/nnet/ort/forward.js';
import { DnnForward } from '../../src/nnet/tfjs/forward.js';
import { type DnnWeights, initDnnWeights } from '../../src/nnet/weights.js';
import { loadDnn, saveDnn, toLayersModel } from '../../src/nnet/tfjs/layers-model.js';
import { isInputError } from '../../src/errors.js';
import { makeRng, randNormal } from '../../src/data/random.js';

function randomInput(n: number, dim: number, seed: number): Float32Array {
  const rng = makeRng(seed, 'x');
  return Float32Array.from({ length: n * dim }, () => randNormal(rng));
}

/** Reference forward pass in float64 JS: z = relu(... relu(x W1 + b1) ...) Wn + bn. */
function referenceLogits(w: ReturnType<typeof initDnnWeights>, x: Float32Array, n: number): Float64Array {
  let h = Float64Array.from(x);
  w.layers.forEach((l, li) => {
    const z = new Float64Array(n * l.outDim);
    for (let t = 0; t < n; t++)
      for (let j = 0; j < l.outDim; j++) {
        let s = l.b[j];
        for (let k = 0; k < l.inDim; k++) s += h[t * l.inDim + k] * l.W[k * l.outDim + j];
        z[t * l.outDim + j] = li < w.layers.length - 1 ? Math.max(0, s) : s;
      }
    h = z;
  });
  return h;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

const arch = parseArch('{"hidden":[24,16],"dropout":0.1,"maxNorm":4}');

// The same numeric test on every engine: tfjs wasm and cpu, and ONNX Runtime (ort/forward.ts).
for (const backend of ['wasm', 'cpu', 'ort'] as const) {
  const make = async (w: DnnWeights, maxBatch?: number) => (backend === 'ort' ? OrtDnnForward.create(w, maxBatch) : new DnnForward(w, maxBatch));
  test(`${backend}: DnnForward matches a float64 reference, across chunk boundaries`, async () => {
    if (backend !== 'ort') await selectBackend(backend);
    const w = initDnnWeights(arch, 12, 7, 1);
    w.layers.forEach((l, i) => l.b.forEach((_, j) => (l.b[j] = 0.1 * (j - i))));
    const n = 37;
    const x = randomInput(n, 12, 2);
    const f = await make(w, 8); // 5 chunks, the last partial
    const z = f.logits(x, n);
    assertClose(z, referenceLogits(w, x, n), 1e-4, 'logits');
    const p = f.posteriors(x, n, 2);
    for (let t = 0; t < n; t++) {
      let s = 0;
      const row = Array.from(z.subarray(t * 7, t * 7 + 7), (v) => v / 2);
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const tot = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < 7; j++) {
        assert.ok(Math.abs(p[t * 7 + j] - e[j] / tot) < 1e-5);
        s += p[t * 7 + j];
      }
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
    // One chunk (the decoder's usual case) returns the downloaded values directly: same numbers.
    const whole = await make(w);
    assertClose(whole.logits(x, n), z, 1e-6, 'one-chunk logits');
    assert.equal(whole.logits(new Float32Array(0), 0).length, 0);
    whole.dispose();
    f.dispose();
    assert.throws(() => f.logits(x, n), /used after dispose/);
  });
}

test('DnnForward rejects input of the wrong size; it leaks no tensors', async () => {
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  const f = new DnnForward(initDnnWeights(arch, 12, 7, 1));
  f.posteriors(new Float32Array(24), 2, 3);
  assert.throws(() => f.logits(new Float32Array(25), 2), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal((e as Error).message, 'DnnForward: input has 25 values, expected 2 frames x 12 = 24');
    return true;
  });
  f.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('saveDnn writes TF.js Layers files that loadDnn and tf.loadLayersModel read back', async () => {
  await selectBackend('wasm');
  const dir = mkdtempSync(path.join(tmpdir(), 'dnn-'));
  const w = initDnnWeights(arch, 12, 7, 3);
  w.layers[2].b.set([0.5, -0.25, 0, 1, 2, -1, 0.125]);
  writeFileSync(path.join(dir, 'asr-distill.json'), '{"mine":"pipeline"}');
  await saveDnn(dir, w);
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.equal(json.modelTopology.class_name, 'Sequential');
  assert.deepEqual(
    json.modelTopology.config.layers.map((l: { class_name: string; config: { name: string; activation: string } }) => [l.class_name, l.config.name, l.config.activation]),
    [['Dense', 'hidden1', 'relu'], ['Dense', 'hidden2', 'relu'], ['Dense', 'output', 'softmax']],
  );
  assert.equal(readFileSync(path.join(dir, 'weights.bin')).length, 4 * (12 * 24 + 24 + 24 * 16 + 16 + 16 * 7 + 7));
  assert.equal(readFileSync(path.join(dir, 'asr-distill.json'), 'utf8'), '{"mine":"pipeline"}', 'other files untouched');

  const back = await loadDnn(dir);
  assert.deepEqual(back.arch, arch);
  assert.equal(back.inputDim, 12);
  assert.equal(back.numPdfs, 7);
  back.layers.forEach((l, i) => {
    assert.deepEqual(l.W, w.layers[i].W);
    assert.deepEqual(l.b, w.layers[i].b);
  });

  // The stock TF.js loader (in-memory handler over the same two files) gives the same posteriors.
  const weightData = new Uint8Array(readFileSync(path.join(dir, 'weights.bin'))).buffer;
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  const n = 9;
  const x = randomInput(n, 12, 4);
  const fromTf = tf.tidy(() => (model.predict(tf.tensor2d(x, [n, 12])) as tf.Tensor).dataSync());
  const f = new DnnForward(back);
  assertClose(fromTf, f.posteriors(x, n), 1e-5, 'posteriors');
  // and logits match the reference
  assertClose(f.logits(x, n), referenceLogits(w, x, n), 1e-4, 'logits');
  f.dispose();
  model.dispose();
});

test('toLayersModel with a linear output gives DnnForward logits', async () => {
  await selectBackend('cpu');
  const w = initDnnWeights(arch, 12, 7, 5);
  const model = toLayersModel(w, { outputActivation: 'linear' });
  const x = randomInput(3, 12, 6);
  const got = tf.tidy(() => (model.predict(tf.tensor2d(x, [3, 12])) as tf.Tensor).dataSync());
  const f = new DnnForward(w);
  assertClose(got, f.logits(x, 3), 1e-5, 'logits');
  f.dispose();
  model.dispose();
});

test('loadDnn errors name the file and the problem', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dnn-'));
  await assert.rejects(loadDnn(dir), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal((e as Error).message, `${path.join(dir, 'model.json')}: not found; is this a DNN model directory (written by train/distill)?`);
    return true;
  });
  await selectBackend('wasm');
  await saveDnn(dir, initDnnWeights(arch, 12, 7, 3));
  const bin = path.join(dir, 'weights.bin');
  writeFileSync(bin, readFileSync(bin).subarray(0, 100));
  await assert.rejects(loadDnn(dir), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal((e as Error).message, `${bin}: too short for weight hidden1/kernel (100 bytes); the model files are truncated`);
    return true;
  });
});

test('saveDnn returns the size and sha256 of weights.bin; verifyWeightsFile refuses another size or content', async () => {
  const { createHash } = await import('node:crypto');
  const { verifyWeightsFile } = await import('../../src/nnet/tfjs/layers-model.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'dnn-sum-'));
  const sums = await saveDnn(dir, initDnnWeights(parseArch('1x4'), 3, 2, 1));
  const bytes = readFileSync(path.join(dir, 'weights.bin'));
  assert.deepEqual(sums, { 'weights.bin': { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } });
  verifyWeightsFile('w.bin', bytes, sums['weights.bin'], 'meta.json');
  const fix = 'the model files are damaged (an incomplete copy, a disk error or an edit); copy the model directory again or retrain it';
  assert.throws(() => verifyWeightsFile('w.bin', bytes.subarray(1), sums['weights.bin'], 'meta.json'), {
    name: 'InputError',
    message: `w.bin: ${bytes.length - 1} bytes but meta.json records ${bytes.length} (truncated: 1 byte missing); ${fix}`,
  });
  const flipped = Uint8Array.from(bytes);
  flipped[0] ^= 1;
  assert.throws(() => verifyWeightsFile('w.bin', flipped, sums['weights.bin'], 'meta.json'), (e: unknown) => {
    assert.match((e as Error).message, /^w\.bin: sha256 [0-9a-f]{64} differs from [0-9a-f]{64} recorded in meta\.json \(same size, changed content\)/);
    return true;
  });
});
