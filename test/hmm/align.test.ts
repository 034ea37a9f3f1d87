import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { alignData, checkSamePhones } from '../../src/hmm/align.js';
import { aliAccuracy } from '../../src/hmm/ali-accuracy.js';
import { readAlignments } from '../../src/hmm/ali-archive.js';
import { readGmmModel } from '../../src/hmm/gmm-model.js';
import { trainMono } from '../../src/hmm/train-mono.js';
import { readFeatsDir } from '../../src/store/feats-archive.js';
import { readCmvn } from '../../src/features/cmvn.js';
import { withTmp, makeLang } from './helpers.js';
import { writeFileCorpus } from './file-corpus.js';

test('train-mono then align on a tiny corpus on disk: likelihood rises, boundaries and frames match the truth, bad inputs are listed', async () => {
  await withTmp(async (dir) => {
    const c = await writeFileCorpus(dir, 30);
    const modelDir = path.join(dir, 'mono');
    const lines: string[] = [];
    const res = await trainMono(c.dataDir, c.featsDir, c.lang.dir, modelDir, { iters: 8, totalGauss: 120, jobs: 2, quiet: true, log: (l) => lines.push(l) });
    const ll = res.iterations.map((i) => i.avgLogLike);
    for (let i = 1; i < ll.length; i++) assert.ok(ll[i] > ll[i - 1] - 0.01, `avg log-likelihood must rise: ${ll.map((x) => x.toFixed(3))}`);
    assert.ok(ll[ll.length - 1] > ll[0] + 1);
    const failedIds = res.failed.map((f) => f.uttId).sort();
    assert.deepEqual(failedIds, [c.bad.oov, c.bad.short, c.bad.noFeats].sort());
    const failedText = await readFile(path.join(modelDir, 'failed'), 'utf8');
    assert.match(failedText, new RegExp(`^${c.bad.oov} ${c.dataDir}/text \\(utt ${c.bad.oov}\\): word 'ten' is not in the lexicon`, 'm'));
    assert.match(failedText, new RegExp(`^${c.bad.short} too short: 8 frames but its phone sequence needs at least 36$`, 'm'));
    assert.match(failedText, new RegExp(`^${c.bad.noFeats} no features in ${c.featsDir}`, 'm'));
    assert.match(await readFile(path.join(modelDir, 'log', 'train-mono.log'), 'utf8'), /iter 7: realign; avg log-likelihood per frame/);

    const model = await readGmmModel(modelDir);
    assert.equal(model.info.dim, 39);
    assert.equal(model.gmm.numPdfs, model.transitionModel.numPdfs);
    const { utts } = await readFeatsDir(c.featsDir);
    const u = utts.get('spk0-000')!;
    const ll0 = model.frameLogLikelihoods(u, await readCmvn(c.featsDir));
    assert.equal(ll0.length, u.numFrames * model.gmm.numPdfs);
    assert.ok(ll0.every((x) => Number.isFinite(x)));

    const aliDir = path.join(dir, 'ali');
    const s = await alignData(c.dataDir, c.featsDir, c.lang.dir, modelDir, aliDir, { jobs: 2, quiet: true });
    assert.equal(s.numUtts, 30);
    assert.deepEqual(s.failed.map((f) => f.uttId), [c.bad.oov, c.bad.short, c.bad.noFeats].sort());
    assert.match(s.failed.find((f) => f.uttId === c.bad.short)!.reason, /^too short: 8 frames but its phone sequence needs at least \d+$/);
    assert.ok(s.gmmStateAccuracy! > 0.8, `GMM state accuracy ${s.gmmStateAccuracy}`);
    const { alis, info } = await readAlignments(aliDir);
    assert.equal(alis.size, 30);
    assert.equal(info.failed.length, 3);
    assert.match(await readFile(path.join(aliDir, 'failed'), 'utf8'), new RegExp(`^${c.bad.noFeats} no features`, 'm'));

    const acc = await aliAccuracy(aliDir, c.refCtm);
    assert.ok(acc.boundaries.share >= 0.85, `boundaries within 20 ms: ${acc.boundaries.share}`);
    assert.ok(acc.frames.share >= 0.9, `frame agreement: ${acc.frames.share}`);
    assert.equal(acc.notAligned, 0);
  });
});

test('align refuses a lang directory with other phones', async () => {
  await withTmp(async (dir) => {
    const a = await makeLang(path.join(dir, 'a'));
    const b = await makeLang(path.join(dir, 'b'), 'one W AH N\n');
    assert.throws(() => checkSamePhones(b, a, 'exp/mono'), { message: `${b.dir}/phones.txt differs from exp/mono/lang/phones.txt; align with the lang directory the model was trained with` });
    checkSamePhones(a, a, 'exp/mono');
  });
});

test('align refuses features made with another configuration than the GMM was trained on (--allow-feature-mismatch goes on)', async () => {
  const { writeGmmModel } = await import('../../src/hmm/gmm-model.js');
  const { initGmmSet } = await import('../../src/hmm/gmm.js');
  const { buildTransitionModel } = await import('../../src/hmm/topology.js');
  const { defaultGmmFeatureTransform } = await import('../../src/hmm/gmm-feats.js');
  const { defaultFbankConfig } = await import('../../src/features/config.js');
  await withTmp(async (dir) => {
    const c = await writeFileCorpus(dir, 3);
    const tm = buildTransitionModel(c.lang.phones, c.lang.silencePhones);
    const P = tm.numPdfs;
    const transform = defaultGmmFeatureTransform(defaultFbankConfig(), 40);
    const modelDir = path.join(dir, 'mono');
    await writeGmmModel(
      modelDir,
      { type: 'gmm', featureTransform: transform, feats: defaultFbankConfig({ lowFreq: 300 }), inputDim: 40, dim: 39, numPdfs: P, numGauss: P, frameShiftMs: 10, cmvn: transform.cmvn },
      initGmmSet(P, new Float64Array(39), new Float64Array(39).fill(1)),
      tm,
      c.lang,
    );
    assert.match(await readFile(path.join(modelDir, 'model.json'), 'utf8'), /"featsHash": "sha256:[0-9a-f]{64}"/);
    await assert.rejects(alignData(c.dataDir, c.featsDir, c.lang.dir, modelDir, path.join(dir, 'ali'), { jobs: 1, backend: 'inline', quiet: true }), (e: unknown) => {
      assert.equal((e as Error).name, 'InputError');
      assert.match((e as Error).message, new RegExp(`^${c.featsDir} was made with another feature configuration than ${modelDir} \\(lowFreq: model 300, features 20\\)\\. `));
      return true;
    });
    const s = await alignData(c.dataDir, c.featsDir, c.lang.dir, modelDir, path.join(dir, 'ali'), { jobs: 1, backend: 'inline', quiet: true, stateAccuracy: false, allowFeatureMismatch: true });
    assert.ok(s.numUtts > 0);
  });
});
