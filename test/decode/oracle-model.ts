// An "oracle" model directory on disk for end-to-end decoding tests: the features of each frame are
// the one-hot vector of its aligned pdf, and the DNN (one hidden layer, 10 x identity weights,
// no context) turns them back into posteriors ~1 for that pdf, so decoding must return the
// reference words exactly.
import * as path from 'node:path';
import { writeLangDir, readLangDir, type LangDir } from '../../src/lang/lang-dir.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import type { TransitionModel } from '../../src/hmm/transition-model.js';
import { writeDnnModelDir, type DnnModelMeta } from '../../src/nnet/model-dir.js';
import type { DnnWeights } from '../../src/nnet/weights.js';
import { writeFeatsDir, type UttFeats } from '../../src/store/feats-archive.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { makeRng, oracleLogLikes, randomWords, TOY_LEXICON, toyContextTree } from './toy-model.js';
import { buildContextTransitionModel } from '../../src/hmm/context-model.js';

export interface OracleSetup {
  root: string;
  langDir: string;
  modelDir: string;
  dataDir: string;
  featsDir: string;
  lang: LangDir;
  tm: TransitionModel;
  refs: Map<string, string[]>;
}

/** `contextDependent`: a triphone model (toyContextTree) whose frames carry the tree's pdfs in their real contexts. */
export async function makeOracleSetup(root: string, opts: { numUtts?: number; seed?: number; speakers?: number; contextDependent?: boolean } = {}): Promise<OracleSetup> {
  const langDir = path.join(root, 'lang');
  const lexicon = new Map<string, string[][]>();
  for (const [w, p] of TOY_LEXICON) lexicon.set(w, [...(lexicon.get(w) ?? []), p]);
  await writeLangDir(langDir, { lexicon });
  const lang = await readLangDir(langDir);
  const mono = buildTransitionModel(lang.phones, lang.silencePhones);
  const tm = opts.contextDependent ? buildContextTransitionModel(mono, toyContextTree(lang, mono)) : mono;
  const P = tm.numPdfs;
  const eye = (k: number) => {
    const W = new Float32Array(P * P);
    for (let i = 0; i < P; i++) W[i * P + i] = k;
    return W;
  };
  const arch = { hidden: [{ units: P }], activation: 'relu' as const };
  const weights: DnnWeights = { arch, inputDim: P, numPdfs: P, layers: [{ W: eye(10), b: new Float32Array(P), inDim: P, outDim: P }, { W: eye(10), b: new Float32Array(P), inDim: P, outDim: P }] };
  const config = defaultFbankConfig();
  const meta: DnnModelMeta = {
    type: 'dnn',
    arch,
    context: { left: 0, right: 0 },
    inputDim: P,
    numPdfs: P,
    featDim: P,
    features: config,
    frameShiftMs: 10,
    cmvn: { per: 'none', normVars: false },
    priors: new Array<number>(P).fill(Math.log(1 / P)),
    trainedOn: { feats: 'oracle', ali: null, numUtts: 0, numFrames: 0, date: '2026-01-01T00:00:00Z' },
  };
  const modelDir = path.join(root, 'model');
  await writeDnnModelDir(modelDir, { weights, meta, transitionModel: tm, langDir });
  const rng = makeRng(opts.seed ?? 1, 'oracle-setup');
  const vocab = [...lexicon.keys()];
  const refs = new Map<string, string[]>();
  const feats: UttFeats[] = [];
  const n = opts.numUtts ?? 6;
  const speakers = opts.speakers ?? 2;
  for (let i = 0; i < n; i++) {
    const speakerId = `spk${i % speakers}`;
    const uttId = `${speakerId}-utt${String(i).padStart(3, '0')}`;
    const words = randomWords(rng, vocab, 1, 5);
    const { numFrames, pdfs } = oracleLogLikes(rng, lang, tm, words);
    const data = new Float32Array(numFrames * P);
    pdfs.forEach((p, t) => (data[t * P + p] = 1));
    refs.set(uttId, words);
    feats.push({ uttId, speakerId, numFrames, dim: P, data });
  }
  feats.sort((a, b) => (a.uttId < b.uttId ? -1 : 1));
  const dataDir = path.join(root, 'data');
  await writeDataDir(dataDir, feats.map((f) => ({ uttId: f.uttId, speakerId: f.speakerId, wav: `${f.uttId}.wav`, words: refs.get(f.uttId) })));
  const featsDir = path.join(root, 'feats');
  await writeFeatsDir(featsDir, config, 10, [feats]);
  return { root, langDir, modelDir, dataDir, featsDir, lang, tm, refs };
}
