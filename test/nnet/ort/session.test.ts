import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxGraph } from '../../../src/nnet/ort/onnx-graph.js';
import { floatTensor, int64Tensor, loadOrt, OrtSession, tensorFloats } from '../../../src/nnet/ort/session.js';
import { selectEngine } from '../../../src/nnet/engine.js';
import { selectBackend } from '../../../src/nnet/tfjs/backend.js';

test('onnxruntime-node loads here, and its native session runs synchronously (the binding layout session.ts relies on)', async () => {
  assert.ok(loadOrt(), 'onnxruntime-node failed to load');
  const g = new OnnxGraph('t');
  g.input('x', 'float', ['N', 2]);
  g.input('k', 'int64', [1]);
  g.initializer('W', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
  g.node('MatMul', ['x', 'W'], ['y']);
  g.node('Shape', ['y'], ['s']);
  g.node('Add', ['s', 'k'], ['s_plus_k']);
  g.output('y', 'float', ['N', 3]);
  g.output('s_plus_k', 'int64', [2]);
  const s = await OrtSession.create(g.toModelBytes());
  assert.deepEqual(s.inputNames, ['x', 'k']);
  assert.deepEqual(s.outputNames, ['y', 's_plus_k']);
  // A view into a larger buffer: the session must read from its offset.
  const buf = Float32Array.of(9, 9, 1, 1, 0, 2);
  const out = s.run({ x: floatTensor(buf.subarray(2), [2, 2]), k: int64Tensor(BigInt64Array.of(10n), [1]) }, { y: null, s_plus_k: null });
  assert.ok(!(out instanceof Promise), 'run is synchronous');
  assert.deepEqual(Array.from(tensorFloats(out.y)), [5, 7, 9, 8, 10, 12]);
  assert.deepEqual(Array.from(out.s_plus_k.data as BigInt64Array), [12n, 13n]);
  // Only the fetched outputs come back.
  assert.deepEqual(Object.keys(s.run({ x: floatTensor(buf.subarray(2), [2, 2]), k: int64Tensor(BigInt64Array.of(0n), [1]) }, { y: null })), ['y']);
  s.dispose();
  assert.throws(() => s.run({}, { y: null }), /used after dispose/);
});

test('a pre-allocated output is written in place, at its view offset (what ort/train-step.ts reads instead of the returned copy)', async () => {
  const g = new OnnxGraph('t');
  g.input('x', 'float', ['N', 2]);
  g.initializer('W', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
  g.node('MatMul', ['x', 'W'], ['y']);
  g.output('y', 'float', ['N', 3]);
  const s = await OrtSession.create(g.toModelBytes());
  const buf = new Float32Array(8).fill(-1);
  const x = Float32Array.of(1, 1, 0, 2);
  const out = s.run({ x: floatTensor(x, [2, 2]) }, { y: floatTensor(buf.subarray(1, 7), [2, 3]) });
  assert.deepEqual(Array.from(buf), [-1, 5, 7, 9, 8, 10, 12, -1]);
  // The binding also returns the values (onnxruntime-node 1.31: a copy in a fresh buffer).
  assert.deepEqual(Array.from(tensorFloats(out.y)), [5, 7, 9, 8, 10, 12]);
  // A pre-allocated output of another shape is refused, not resized.
  assert.throws(() => s.run({ x: floatTensor(x, [2, 2]) }, { y: floatTensor(buf.subarray(0, 3), [1, 3]) }));
  s.dispose();
});

test('selectEngine: ort where onnxruntime-node loads, tfjs backends by name; auto prefers ort without native TensorFlow', async () => {
  assert.equal(await selectEngine('ort'), 'ort');
  assert.equal(await selectEngine('cpu'), 'cpu');
  // tfjs's own auto reaches 'tensorflow' exactly when native bindings load.
  const native = (await selectBackend('auto')) === 'tensorflow';
  assert.equal(await selectEngine('auto'), native ? 'tensorflow' : 'ort');
  await assert.rejects(selectBackend('ort'), { name: 'InputError' });
});

test('OnnxGraph rejects nothing itself: ONNX Runtime reports a malformed graph when the session is created', async () => {
  const g = new OnnxGraph('bad');
  g.input('x', 'float', [2]);
  g.node('Relu', ['missing'], ['y']);
  g.output('y', 'float', [2]);
  await assert.rejects(OrtSession.create(g.toModelBytes()), /missing/);
});
