import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadDnnScorer, logitsToLogLikelihoods, posteriorsToLogLikelihoods, readModelSetup } from '../../src/decode/acoustic-model.js';
import { writeDnnModelDir, type DnnModelMeta } from '../../src/nnet/model-dir.js';
import { initDnnWeights, type DnnWeights } from '../../src/nnet/weights.js';
import { spliceUtterance } from '../../src/nnet/splice.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { toyLang, toyTransitionModel } from './toy-model.js';

test('posteriorsToLogLikelihoods: log posterior - log prior, zeros floored; shape errors', () => {
  const p = Float32Array.from([0.5, 0.5, 0, 1, 0.25, 0.75]);
  const out = posteriorsToLogLikelihoods(p, [Math.log(0.5), Math.log(0.5)], 2);
  assert.deepEqual([...out].map((x) => +x.toFixed(4)), [0, 0, +(Math.log(1e-30) - Math.log(0.5)).toFixed(4), +(-Math.log(0.5)).toFixed(4), +(Math.log(0.5)).toFixed(4), +Math.log(1.5).toFixed(4)]);
  assert.throws(() => posteriorsToLogLikelihoods(new Float32Array(4), [0], 2), { name: 'InputError', message: 'acoustic model: 1 log priors for 2 pdfs' });
  assert.throws(() => posteriorsToLogLikelihoods(new Float32Array(3), [0, 0], 2), { name: 'InputError', message: 'acoustic model: 3 posteriors is not a multiple of 2 pdfs' });
});

test('logitsToLogLikelihoods: log-softmax - log prior, equal to the posterior route, same floor; shape errors', () => {
  const rng = makeRng(22, 'lsm');
  const P = 5;
  // Row 3 has a logit 100 below the others: its posterior underflows to 0 and is floored at 1e-30 in both routes.
  const logits = Float32Array.from({ length: 4 * P }, (_, i) => (i === 3 * P + 2 ? -100 : 4 * randNormal(rng)));
  const priors = Array.from({ length: P }, () => Math.log(0.1 + rng()));
  const post = new Float32Array(logits.length);
  for (let r = 0; r < logits.length; r += P) {
    const row = [...logits.subarray(r, r + P)];
    const m = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
    row.forEach((v, j) => (post[r + j] = Math.exp(v - m) / z));
  }
  const viaPost = posteriorsToLogLikelihoods(post, priors, P);
  const direct = logitsToLogLikelihoods(Float32Array.from(logits), priors, P);
  for (let i = 0; i < logits.length; i++) assert.ok(Math.abs(direct[i] - viaPost[i]) < 1e-4, `${i}: ${direct[i]} vs ${viaPost[i]}`);
  assert.ok(Math.abs(direct[3 * P + 2] - (Math.log(1e-30) - priors[2])) < 1e-4);
  assert.throws(() => logitsToLogLikelihoods(new Float32Array(4), [0], 2), { name: 'InputError', message: 'acoustic model: 1 log priors for 2 pdfs' });
  assert.throws(() => logitsToLogLikelihoods(new Float32Array(3), [0, 0], 2), { name: 'InputError', message: 'acoustic model: 3 logits is not a multiple of 2 pdfs' });
});

// Reference forward pass in plain JS: ReLU hidden layers, softmax output.
function forwardJs(w: DnnWeights, x: Float32Array, numFrames: number): Float64Array {
  const out = new Float64Array(numFrames * w.numPdfs);
  for (let t = 0; t < numFrames; t++) {
    let h = Array.from(x.subarray(t * w.inputDim, (t + 1) * w.inputDim));
    w.layers.forEach((l, i) => {
      const z = new Array<number>(l.outDim).fill(0);
      for (let o = 0; o < l.outDim; o++) {
        let s = l.b[o];
        for (let k = 0; k < l.inDim; k++) s += h[k] * l.W[k * l.outDim + o];
        z[o] = i < w.layers.length - 1 ? Math.max(0, s) : s;
      }
      h = z;
    });
    const m = Math.max(...h);
    const e = h.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (out[t * w.numPdfs + j] = v / sum));
  }
  return out;
}

test('loadFrameScorer: DNN and 2-member ensemble (arithmetic mean of posteriors) minus log priors; setup read without weights', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'am-'));
  const lang = toyLang();
  const tm = toyTransitionModel(lang);
  const P = tm.numPdfs;
  const featDim = 6;
  const context = { left: 1, right: 1 };
  const arch = { hidden: [{ units: 16 }], activation: 'relu' as const };
  const rng = makeRng(21, 'am');
  const priors = Array.from({ length: P }, () => Math.log(0.5 + rng()));
  const meta = (): DnnModelMeta => ({ type: 'dnn', arch, context, inputDim: featDim * 3, numPdfs: P, featDim, features: defaultFbankConfig(), frameShiftMs: 10, cmvn: { per: 'utterance', normVars: true }, priors, trainedOn: { feats: 'x', ali: null, numUtts: 0, numFrames: 0, date: '2026-01-01T00:00:00Z' } });
  const w1 = initDnnWeights(arch, featDim * 3, P, 1);
  const w2 = initDnnWeights(arch, featDim * 3, P, 2);
  await writeDnnModelDir(path.join(root, 'm1'), { weights: w1, meta: meta(), transitionModel: tm });
  await writeDnnModelDir(path.join(root, 'm2'), { weights: w2, meta: meta(), transitionModel: tm });
  mkdirSync(path.join(root, 'ens'));
  writeFileSync(path.join(root, 'ens', 'ensemble.json'), JSON.stringify({ type: 'ensemble', combine: 'arithmetic', members: ['../m1', '../m2'] }));
  const numFrames = 7;
  const feats = Float32Array.from({ length: numFrames * featDim }, () => randNormal(rng));
  const x = spliceUtterance(feats, numFrames, featDim, context);
  const p1 = forwardJs(w1, x, numFrames);
  const p2 = forwardJs(w2, x, numFrames);
  // Both engines: TensorFlow.js (cpu) and ONNX Runtime.
  for (const backend of ['cpu', 'ort'] as const) {
    const single = await loadDnnScorer(path.join(root, 'm1'), backend);
    const ens = await loadDnnScorer(path.join(root, 'ens'), backend);
    const l1 = single.logLikelihoods(feats, numFrames);
    const le = ens.logLikelihoods(feats, numFrames);
    for (let i = 0; i < numFrames * P; i++) {
      assert.ok(Math.abs(l1[i] - (Math.log(p1[i]) - priors[i % P])) < 1e-3, `${backend} dnn ${i}`);
      assert.ok(Math.abs(le[i] - (Math.log((p1[i] + p2[i]) / 2) - priors[i % P])) < 1e-3, `${backend} ensemble ${i}`);
    }
    assert.throws(() => single.logLikelihoods(new Float32Array(10), 2), { name: 'InputError', message: `${path.join(root, 'm1')}: features have 5 dims per frame but the model expects 6; extract them with the model's feature config` });
    single.dispose();
    ens.dispose();
  }
  const setup = await readModelSetup(path.join(root, 'ens'));
  assert.equal(setup.kind, 'ensemble');
  assert.equal(setup.numPdfs, P);
  assert.deepEqual(setup.cmvn, { per: 'utterance', normVars: true });
  assert.equal(setup.langDir, path.join(path.resolve(root, 'ens', '../m1'), 'lang'));
  mkdirSync(path.join(root, 'gmm'));
  writeFileSync(path.join(root, 'gmm', 'gmm.json'), '{}');
  await assert.rejects(readModelSetup(path.join(root, 'gmm')), {
    name: 'InputError',
    message: `${path.join(root, 'gmm', 'model.json')}: missing or not valid JSON; is ${path.join(root, 'gmm')} a model directory made by 'asr-distill train-mono'?`,
  });
});

test('logitsToLogLikelihoods / posteriorsToLogLikelihoods keep NaN as NaN (the floor must not hide it from the check)', () => {
  const priors = [Math.log(0.5), Math.log(0.5)];
  const fromLogits = logitsToLogLikelihoods(Float32Array.of(1, 2, NaN, 0), priors, 2);
  assert.ok(Number.isFinite(fromLogits[0]) && Number.isFinite(fromLogits[1]));
  assert.ok(Number.isNaN(fromLogits[2]) && Number.isNaN(fromLogits[3]));
  // A very confident finite frame is still floored, not NaN.
  const floored = logitsToLogLikelihoods(Float32Array.of(0, 200), priors, 2);
  assert.ok(Math.abs(floored[0] - (Math.log(1e-30) - Math.log(0.5))) < 1e-4);
  assert.ok(Number.isNaN(posteriorsToLogLikelihoods(Float32Array.of(0.5, NaN), priors, 2)[1]));
});
