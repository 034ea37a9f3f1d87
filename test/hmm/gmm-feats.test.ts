import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCmvnStats } from '../../src/features/cmvn.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { checkCmvn, dctMatrix, defaultGmmFeatureTransform, fbankToMfcc, gmmFeatureDim, gmmFeatures, lifterCoeffs } from '../../src/hmm/gmm-feats.js';

test('dctMatrix is orthonormal (Kaldi ComputeDctMatrix) and lifterCoeffs follows 1 + Q/2 sin(pi k / Q)', () => {
  const n = 8;
  const m = dctMatrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += m[i * n + k] * m[j * n + k];
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12);
    }
  }
  assert.ok(Math.abs(m[0] - Math.sqrt(1 / n)) < 1e-15);
  const l = lifterCoeffs(13, 22);
  assert.equal(l[0], 1);
  assert.ok(Math.abs(l[11] - (1 + 11 * Math.sin((Math.PI * 11) / 22))) < 1e-12);
  assert.deepEqual(Array.from(lifterCoeffs(3, 0)), [1, 1, 1]);
});

test('fbankToMfcc: DCT + lifter per frame; an energy column replaces C0', () => {
  const data = Float32Array.of(1, 2, 3, 4, 0, -1, 5, 2);
  const m = dctMatrix(2, 4);
  const out = fbankToMfcc(data, 2, 4, 2, 0);
  for (let t = 0; t < 2; t++) for (let k = 0; k < 2; k++) {
    let s = 0;
    for (let n = 0; n < 4; n++) s += m[k * 4 + n] * data[t * 4 + n];
    assert.ok(Math.abs(out[t * 2 + k] - s) < 1e-5);
  }
  const withEnergy = fbankToMfcc(data, 2, 4, 2, 0, 0);
  assert.equal(withEnergy[0], 1);
  assert.equal(withEnergy[2], 0);
  const m3 = dctMatrix(2, 3);
  assert.ok(Math.abs(withEnergy[1] - (m3[3] * 2 + m3[4] * 3 + m3[5] * 4)) < 1e-5, 'DCT over the 3 mel columns only');
});

test('gmmFeatures: per-speaker CMN, 13 MFCC + deltas = 39 dims; mean of the statics is zero per speaker', () => {
  const tr = defaultGmmFeatureTransform(defaultFbankConfig(), 40);
  assert.equal(tr.energyColumn, -1);
  assert.equal(defaultGmmFeatureTransform(defaultFbankConfig({ useEnergy: true }), 41).energyColumn, 0);
  assert.equal(defaultGmmFeatureTransform(defaultFbankConfig({ useEnergy: true, htkCompat: true }), 41).energyColumn, 40);
  assert.equal(gmmFeatureDim(tr, 40), 39);
  const n = 20;
  const utt = { uttId: 'u', speakerId: 's', numFrames: n, dim: 40, data: Float32Array.from({ length: n * 40 }, (_, i) => Math.sin(i) * 3 + 7) };
  const cmvn = computeCmvnStats([utt], 'speaker');
  const f = gmmFeatures(utt, cmvn, tr);
  assert.equal(f.length, n * 39);
  for (let k = 0; k < 13; k++) {
    let s = 0;
    for (let t = 0; t < n; t++) s += f[t * 39 + k];
    assert.ok(Math.abs(s / n) < 1e-4, `static ${k} mean ${s / n}`);
  }
  const none = gmmFeatures(utt, cmvn, { ...tr, type: 'fbank', deltaOrder: 0 });
  assert.equal(none.length, n * 40);
  assert.throws(() => checkCmvn({ ...cmvn, per: 'utterance' }, tr, 'exp/feats/train/cmvn.json'), {
    message: 'exp/feats/train/cmvn.json: CMVN statistics are per utterance but the GMM features need them per speaker; run `asr-distill compute-cmvn FEATS_DIR --per speaker`',
  });
  checkCmvn(cmvn, tr, 'x');
});
