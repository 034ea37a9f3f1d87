import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { buildFrameCorpus } from '../../src/nnet/batches.js';
import { loadAcousticModel } from '../../src/nnet/ensemble.js';
import { tfjsAcousticForward } from '../../src/nnet/engine.js';
import { evalFrames, evalFramesByLabels, FrameScoreAccumulator, formatEval, scorePosteriors } from '../../src/nnet/eval.js';
import { spliceUtterance } from '../../src/nnet/splice.js';
import { synthUtterances, tinyTransitionModel, writeRandomEnsemble, writeRandomModel } from './pipeline-fixtures.js';

before(async () => {
  await selectBackend('cpu');
});

test('scorePosteriors: accuracy and mean -ln p(label); unlabeled frames skipped', () => {
  const post = new Float32Array([0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.5, 0.4, 0.1, 0, 1, 0]);
  const s = scorePosteriors(post, [0, 1, 0, -1], 3);
  assert.equal(s.numFrames, 3);
  assert.equal(s.correct, 2);
  assert.equal(s.accuracy, 2 / 3);
  assert.ok(Math.abs(s.crossEntropy - -(Math.log(0.7) + Math.log(0.3) + Math.log(0.5)) / 3) < 1e-6);
  // a zero probability is floored (Kaldi: log(max(p, 1e-20))), not infinite
  const z = scorePosteriors(new Float32Array([1, 0]), [1], 2);
  assert.ok(Math.abs(z.crossEntropy - 20 * Math.log(10)) < 1e-9);
  assert.deepEqual(new FrameScoreAccumulator().result(), { numFrames: 0, correct: 0, accuracy: 0, crossEntropy: 0 });
});

test('evalFrames scores a model and each ensemble member against direct per-utterance computation', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'eval-'));
  const tm = tinyTransitionModel(2, 2);
  await writeRandomEnsemble(tmp, { featDim: 3, left: 2, right: 1, tm, seeds: [1, 2] });
  const utts = synthUtterances({ numUtts: 4, dim: 3, numPdfs: 4, seed: 3, minFrames: 3, maxFrames: 9 });
  const corpus = buildFrameCorpus(utts, 3, 4);
  const model = await loadAcousticModel(tmp);
  const fwd = tfjsAcousticForward(model);
  let progressed = 0;
  const r = evalFrames(fwd, corpus, { chunkFrames: 5, onFrames: (n) => (progressed += n) });
  assert.equal(progressed, corpus.labels.length);
  // Reference: splice each utterance whole, score each member and the mean.
  const accs = [new FrameScoreAccumulator(), new FrameScoreAccumulator(), new FrameScoreAccumulator()];
  const combined = new Map<string, Float32Array>();
  const fwd2ForUtt = (u: (typeof utts)[number]) => combined.get(u.uttId)!;
  for (const u of utts) {
    const x = spliceUtterance(u.data, u.numFrames, 3, { left: 2, right: 1 });
    const p = fwd.memberPosteriors(x, u.numFrames);
    combined.set(u.uttId, p[0].map((v, i) => (v + p[1][i]) / 2));
    accs[0].add(p[0], u.pdfIds!, u.numFrames, 4);
    accs[1].add(p[1], u.pdfIds!, u.numFrames, 4);
    accs[2].add(p[0].map((v, i) => (v + p[1][i]) / 2), u.pdfIds!, u.numFrames, 4);
  }
  fwd.dispose();
  assert.equal(r.kind, 'ensemble');
  assert.equal(r.members!.length, 2);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  near(r.members![0].scores.crossEntropy, accs[0].result().crossEntropy);
  near(r.members![1].scores.crossEntropy, accs[1].result().crossEntropy);
  near(r.scores.crossEntropy, accs[2].result().crossEntropy);
  assert.equal(r.scores.correct, accs[2].result().correct);
  assert.equal(r.scores.numFrames, corpus.labels.length);
  // Per-utterance counts of the combination (chunks of 5 frames cross utterance boundaries).
  assert.deepEqual(r.utterances.uttIds, utts.map((u) => u.uttId));
  assert.deepEqual(r.utterances.numFrames, utts.map((u) => u.numFrames));
  utts.forEach((u, i) => {
    const one = new FrameScoreAccumulator();
    const p = fwd2ForUtt(u);
    one.add(p, u.pdfIds!, u.numFrames, 4);
    assert.equal(r.utterances.correct[i], one.result().correct, `utterance ${u.uttId}`);
  });
  assert.equal(r.utterances.correct.reduce((a, b) => a + b, 0), r.scores.correct);
  const text = formatEval(r);
  assert.match(text, /\(ensemble of 2, arithmetic\): frame accuracy \d+\.\d\d% \[ \d+ \/ \d+ \], cross-entropy \d+\.\d{4} nats\/frame\n/);
  assert.match(text, /average member: frame accuracy/);

  // Wrong feature dim: a clear error.
  const other = buildFrameCorpus(synthUtterances({ numUtts: 1, dim: 2, numPdfs: 4, seed: 1 }), 2, 4);
  const fwd2 = tfjsAcousticForward(model);
  assert.throws(() => evalFrames(fwd2, other), {
    name: 'InputError',
    message: `${tmp}: the model expects features of dim 3, the data has dim 2; extract features with the model's config`,
  });
  fwd2.dispose();
  await fs.rm(tmp, { recursive: true });
});

test('evalFramesByLabels: one pass gives evalFrames scores of each label set', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'eval-labels-'));
  const tm = tinyTransitionModel(2, 2);
  await writeRandomEnsemble(tmp, { featDim: 3, left: 2, right: 1, tm, seeds: [1, 2] });
  const corpus = buildFrameCorpus(synthUtterances({ numUtts: 4, dim: 3, numPdfs: 4, seed: 5, minFrames: 3, maxFrames: 9 }), 3, 4);
  const fwd = tfjsAcousticForward(await loadAcousticModel(tmp));
  const even = corpus.labels.map((l, t) => (t % 2 === 0 ? l : -1));
  const odd = corpus.labels.map((l, t) => (t % 2 === 1 ? l : -1));
  const sets = [corpus.labels, even, odd];
  const got = evalFramesByLabels(fwd, corpus, sets);
  assert.deepEqual(got, sets.map((labels) => evalFrames(fwd, { ...corpus, labels }).scores));
  assert.equal(got[1].numFrames + got[2].numFrames, got[0].numFrames);
  await fs.rm(tmp, { recursive: true, force: true });
});

test('evalFramesDir scores a model dir on FEATS_DIR + ALI_DIR; loadEvalCorpus refuses other CMVN', async () => {
  const { evalFramesDir, loadEvalCorpus } = await import('../../src/nnet/eval.js');
  const { writeSynthCorpusDirs, namedTransitionModel } = await import('./pipeline-fixtures.js');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'eval-'));
  const plain = await writeSynthCorpusDirs(tmp, { name: 'plain', numUtts: 3, dim: 3, seed: 1, cmvn: false });
  const normed = await writeSynthCorpusDirs(tmp, { name: 'normed', numUtts: 3, dim: 3, seed: 1 });
  const tm = namedTransitionModel(['SIL', 'SPN', 'P1', 'P2'], 3);
  const dir = path.join(tmp, 'm');
  await writeRandomModel(dir, { featDim: 3, left: 1, right: 1, tm, seed: 1 });
  const r = await evalFramesDir(dir, plain.featsDir, plain.aliDir, { backend: 'cpu', quiet: true });
  assert.equal(r.kind, 'dnn');
  assert.equal(r.scores.numFrames, plain.numFrames);
  assert.equal(r.members, undefined);
  // ONNX Runtime: the same accuracy, the same cross-entropy up to float32 rounding.
  const o = await evalFramesDir(dir, plain.featsDir, plain.aliDir, { backend: 'ort', quiet: true });
  assert.deepEqual(o.utterances, r.utterances);
  assert.equal(o.scores.correct, r.scores.correct);
  assert.ok(Math.abs(o.scores.crossEntropy - r.scores.crossEntropy) < 1e-5, `cross-entropy ${o.scores.crossEntropy} vs ${r.scores.crossEntropy}`);
  const model = await loadAcousticModel(dir);
  await assert.rejects(loadEvalCorpus(model, normed.featsDir, normed.aliDir), {
    name: 'InputError',
    message: `${normed.featsDir}: CMVN is 'speaker' here but the model ${dir} was trained with 'none'; compute CMVN the same way (asr-distill compute-cmvn)`,
  });
  // Over --max-memory-frames: scored shard by shard, the same scores; other CMVN refused the same way.
  const sharded = await writeSynthCorpusDirs(tmp, { name: 'sharded', numUtts: 7, dim: 3, seed: 1, cmvn: false, shards: 3 });
  const whole = await evalFramesDir(dir, sharded.featsDir, sharded.aliDir, { backend: 'cpu', quiet: true });
  const streamed = await evalFramesDir(dir, sharded.featsDir, sharded.aliDir, { backend: 'cpu', quiet: true, maxMemoryFrames: 20 });
  assert.deepEqual(streamed, whole);
  assert.equal(streamed.utterances.uttIds.length, 7);
  await assert.rejects(evalFramesDir(dir, normed.featsDir, normed.aliDir, { backend: 'cpu', quiet: true, maxMemoryFrames: 1 }), {
    name: 'InputError',
    message: `${normed.featsDir}: CMVN is 'speaker' here but the model ${dir} was trained with 'none'; compute CMVN the same way (asr-distill compute-cmvn)`,
  });
  await fs.rm(tmp, { recursive: true });
});

test('eval-frames refuses features made with another configuration, naming the options (--allow-feature-mismatch goes on)', async () => {
  const { evalFramesDir } = await import('../../src/nnet/eval.js');
  const { writeMismatchedEvalSetup } = await import('./pipeline-fixtures.js');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'eval-'));
  // Same dimension, another configuration: only the dimension was compared before.
  const { model: dir, ...c } = await writeMismatchedEvalSetup(tmp, { lowFreq: 300 });
  await assert.rejects(evalFramesDir(dir, c.featsDir, c.aliDir, { backend: 'cpu', quiet: true }), (e: unknown) => {
    assert.equal((e as Error).name, 'InputError');
    assert.match((e as Error).message, new RegExp(`^${c.featsDir} was made with another feature configuration than ${dir} \\(lowFreq: model 20, features 300\\)\\. .* --allow-feature-mismatch`));
    return true;
  });
  const r = await evalFramesDir(dir, c.featsDir, c.aliDir, { backend: 'cpu', quiet: true, allowFeatureMismatch: true });
  assert.equal(r.scores.numFrames, c.numFrames);
  await fs.rm(tmp, { recursive: true });
});

test('NaN posteriors stop eval-frames naming the model and the utterance', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'eval-'));
  const tm = tinyTransitionModel(2, 2);
  await writeRandomModel(tmp, { featDim: 3, left: 0, right: 0, tm, seed: 1 });
  const utts = synthUtterances({ numUtts: 4, dim: 3, numPdfs: 4, seed: 3, minFrames: 3, maxFrames: 9 });
  // A NaN feature value at frame 2 of the third utterance (what damaged weights do to every frame).
  utts[2].data[2 * 3 + 1] = NaN;
  const fwd = tfjsAcousticForward(await loadAcousticModel(tmp));
  try {
    assert.throws(() => evalFrames(fwd, buildFrameCorpus(utts, 3, 4), { chunkFrames: 5 }), {
      name: 'InputError',
      message:
        `${tmp}: the model's posteriors for utterance ${utts[2].uttId} are not finite (NaN at frame 2, pdf 0); ` +
        'its weights are damaged or the features hold NaN/Inf values. Check the features (asr-distill show-feats), then retrain the model or copy it again',
    });
  } finally {
    fwd.dispose();
  }
  await fs.rm(tmp, { recursive: true });
});
