import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFiniteOutputs, firstNonFinite } from '../../src/nnet/non-finite.js';

test('firstNonFinite: the index of the first NaN or infinity, -1 when all are finite', () => {
  assert.equal(firstNonFinite(Float32Array.of(0, -1e30, 3.4e38)), -1);
  assert.equal(firstNonFinite(Float32Array.of(0, 1, NaN, Infinity)), 2);
  assert.equal(firstNonFinite([0, -Infinity]), 1);
  assert.equal(firstNonFinite(new Float32Array(0)), -1);
});

test('checkFiniteOutputs names the model, the utterance, the frame (with its offset) and the pdf', () => {
  checkFiniteOutputs(Float32Array.of(0.5, 0.5, 0.1, 0.9), 2, { modelDir: 'exp/dnn', uttId: 'u1', what: 'posteriors' });
  assert.throws(() => checkFiniteOutputs(Float32Array.of(0.5, 0.5, 0.1, Infinity), 2, { modelDir: 'exp/dnn', uttId: 'u1', what: 'posteriors', frameOffset: 10 }), {
    name: 'InputError',
    message:
      "exp/dnn: the model's posteriors for utterance u1 are not finite (Infinity at frame 11, pdf 1); " +
      'its weights are damaged or the features hold NaN/Inf values. Check the features (asr-distill show-feats), then retrain the model or copy it again',
  });
});
