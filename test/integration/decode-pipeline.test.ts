// Decoding a trained DNN end to end (issue 6 "Done means"): on a small generated corpus whose
// features are noisy per-pdf centroids along word alignments, `train` -> `decode` gives a WER far
// below 100%, and far below that of the same network untrained (WER drops as the model improves).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { writeLangDir, readLangDir } from '../../src/lang/lang-dir.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { writeAlignments, type UttAlignment } from '../../src/hmm/ali-archive.js';
import { writeFeatsDir, type UttFeats } from '../../src/store/feats-archive.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { readDnnModelDir, writeDnnModelDir } from '../../src/nnet/model-dir.js';
import { initDnnWeights } from '../../src/nnet/weights.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { oracleLogLikes, randomWords, TOY_LEXICON } from '../decode/toy-model.js';

test('train -> decode: WER far below 100% and far below the untrained network', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'decode-pipeline-'));
  const lexicon = new Map<string, string[][]>();
  for (const [w, p] of TOY_LEXICON) lexicon.set(w, [...(lexicon.get(w) ?? []), p]);
  const langDir = path.join(root, 'lang');
  await writeLangDir(langDir, { lexicon });
  const lang = await readLangDir(langDir);
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const dim = 12;
  const rng = makeRng(5, 'decode-pipeline');
  const centroids = Array.from({ length: tm.numPdfs }, () => Float32Array.from({ length: dim }, () => 2 * randNormal(rng)));
  const vocab = [...lexicon.keys()];
  const config = defaultFbankConfig();
  const makeSet = async (name: string, numUtts: number) => {
    const feats: UttFeats[] = [];
    const alis: UttAlignment[] = [];
    const words = new Map<string, string[]>();
    for (let i = 0; i < numUtts; i++) {
      const speakerId = `${name}spk${i % 3}`;
      const uttId = `${speakerId}-${String(i).padStart(3, '0')}`;
      const w = randomWords(rng, vocab, 1, 4);
      const { numFrames, pdfs } = oracleLogLikes(rng, lang, tm, w);
      const data = new Float32Array(numFrames * dim);
      pdfs.forEach((p, t) => {
        for (let d = 0; d < dim; d++) data[t * dim + d] = centroids[p][d] + 1.5 * randNormal(rng);
      });
      feats.push({ uttId, speakerId, numFrames, dim, data });
      alis.push({ uttId, pdfIds: Int32Array.from(pdfs), phoneIds: Int32Array.from(pdfs, (p) => tm.pdfToState[p][0]) });
      words.set(uttId, w);
    }
    feats.sort((a, b) => (a.uttId < b.uttId ? -1 : 1));
    const featsDir = path.join(root, 'feats', name);
    await writeFeatsDir(featsDir, config, 10, [feats]);
    const aliDir = path.join(root, 'ali', name);
    const numFrames = feats.reduce((s, f) => s + f.numFrames, 0);
    await writeAlignments(aliDir, alis, { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts, numFrames, failed: [] }, tm, lang);
    const dataDir = path.join(root, 'data', name);
    await writeDataDir(dataDir, feats.map((f) => ({ uttId: f.uttId, speakerId: f.speakerId, wav: `${f.uttId}.wav`, words: words.get(f.uttId) })));
    return { featsDir, aliDir, dataDir };
  };
  const train = await makeSet('train', 60);
  const test_ = await makeSet('test', 12);

  const dnn = path.join(root, 'dnn');
  const t = await runCli('train', train.featsDir, train.aliDir, dnn, '--arch', '1x64', '--context', '2:2', '--epochs', '4', '--optimizer', 'adam', '--lr', '0.01', '--batch', '128', '--backend', 'wasm', '--no-newbob');
  assert.equal(t.code, 0, t.stderr);
  // The same network untrained: same metadata and priors, fresh random weights.
  const trained = await readDnnModelDir(dnn);
  const untrained = path.join(root, 'untrained');
  await writeDnnModelDir(untrained, { weights: initDnnWeights(trained.meta.arch, trained.meta.inputDim, trained.meta.numPdfs, 99), meta: trained.meta, transitionModel: tm, langDir });

  const werOf = async (model: string) => {
    const out = path.join(root, 'decode', path.basename(model));
    const r = await runCli('decode', model, test_.dataDir, out, '--feats', test_.featsDir, '--jobs', '1', '--backend', 'wasm');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(readFileSync(path.join(out, 'wer.json'), 'utf8')).wer as number;
  };
  const werTrained = await werOf(dnn);
  const werUntrained = await werOf(untrained);
  assert.ok(werTrained < 25, `trained WER ${werTrained}%`);
  assert.ok(werUntrained > werTrained + 40, `untrained WER ${werUntrained}% vs trained ${werTrained}%`);
});
