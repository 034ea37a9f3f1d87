import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { computeCmvnStats } from '../../src/features/cmvn.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { allPdfLogLikelihoods, initGmmSet, mixUp, makeScorer } from '../../src/hmm/gmm.js';
import { defaultGmmFeatureTransform, gmmFeatures } from '../../src/hmm/gmm-feats.js';
import { gmmFromJson, gmmToJson, readGmmModel, writeGmmModel, type GmmModelInfo } from '../../src/hmm/gmm-model.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { makeRng } from '../../src/data/random.js';
import { configHash } from '../../src/store/checksum.js';
import { makeLang, withTmp } from './helpers.js';

test('model dir round-trips; frameLogLikelihoods = GMM scores of the transformed features', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const tr = defaultGmmFeatureTransform(defaultFbankConfig(), 40);
    let gmm = initGmmSet(tm.numPdfs, new Float64Array(39), new Float64Array(39).fill(2));
    gmm = mixUp(gmm, new Float64Array(tm.numPdfs).fill(1000), tm.numPdfs * 2, makeRng(1), { perturb: 0.5 });
    const info: GmmModelInfo = { type: 'gmm', featureTransform: tr, feats: defaultFbankConfig(), inputDim: 40, dim: 39, numPdfs: tm.numPdfs, numGauss: tm.numPdfs * 2, frameShiftMs: 10, cmvn: tr.cmvn };
    const modelDir = path.join(dir, 'mono');
    await writeGmmModel(modelDir, info, gmm, tm, lang);
    const m = await readGmmModel(modelDir);
    assert.deepEqual(m.gmm, gmm);
    assert.deepEqual(m.info, { ...info, featsHash: configHash(info.feats) });
    assert.deepEqual(m.lang.phones, lang.phones);
    assert.equal(await readFile(path.join(modelDir, 'phones.txt'), 'utf8'), await readFile(path.join(lang.dir, 'phones.txt'), 'utf8'));
    const utt = { uttId: 'u', speakerId: 's', numFrames: 7, dim: 40, data: Float32Array.from({ length: 280 }, (_, i) => Math.cos(i)) };
    const cmvn = computeCmvnStats([utt], 'speaker');
    const ll = m.frameLogLikelihoods(utt, cmvn);
    assert.deepEqual(ll, allPdfLogLikelihoods(makeScorer(gmm), gmmFeatures(utt, cmvn, tr), 7));
    assert.throws(() => m.features({ ...utt, dim: 13, data: new Float32Array(7 * 13) }, cmvn), {
      message: `utterance u: features have dim 13 but the GMM in ${modelDir} was trained on dim 40; use features made with the same config`,
    });
    await writeFile(path.join(modelDir, 'model.json'), JSON.stringify({ ...info, type: 'dnn' }));
    await assert.rejects(readGmmModel(modelDir), { message: `${path.join(modelDir, 'model.json')}: type is 'dnn', expected 'gmm'` });
    await assert.rejects(readGmmModel(path.join(dir, 'none')), {
      message: `${path.join(dir, 'none', 'model.json')}: not found; is ${path.join(dir, 'none')} a model directory made by 'asr-distill train-mono'?`,
    });
  });
});

test('gmmFromJson rejects malformed GMMs', () => {
  const j = gmmToJson(initGmmSet(2, Float64Array.of(0), Float64Array.of(1)));
  assert.deepEqual(j.pdfs[1], { weights: [1], means: [[0]], vars: [[1]] });
  j.pdfs[1].vars[0][0] = 0;
  assert.throws(() => gmmFromJson(j, 'gmm.json'), { message: 'gmm.json: pdf 1 component 0 is malformed (weight and variances must be > 0, vectors of dim 1)' });
  assert.throws(() => gmmFromJson({ ...j, numPdfs: 3 }, 'gmm.json'), { message: 'gmm.json: expected { dim, numPdfs, pdfs: [...] } with numPdfs entries' });
});
