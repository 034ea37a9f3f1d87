import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeDataDir, parseAcousticScales } from '../../src/decode/decode.js';
import { parseTranscript } from '../../src/score/text-file.js';
import { trainNgramArpa } from '../../src/decode/ngram-train.js';
import { makeOracleSetup } from './oracle-model.js';
import { writeGmmModel } from '../../src/hmm/gmm-model.js';
import { initGmmSet } from '../../src/hmm/gmm.js';
import { defaultFbankConfig } from '../../src/features/config.js';

test('parseAcousticScales: one value or an inclusive sweep; bad specs name the problem', () => {
  assert.deepEqual(parseAcousticScales('0.1'), [0.1]);
  assert.deepEqual(parseAcousticScales('0.05:0.2:0.05'), [0.05, 0.1, 0.15, 0.2]);
  assert.deepEqual(parseAcousticScales('1:1:1'), [1]);
  for (const bad of ['0', '-1', 'x', '0.2:0.1:0.05', '0.1:0.2', '0.1:0.2:0']) {
    assert.throws(() => parseAcousticScales(bad), { name: 'InputError', message: `--acoustic-scale ${bad}: expected a positive number (0.1) or a sweep A:B:STEP with 0 < A <= B (0.05:0.2:0.05)` });
  }
});

test('decodeDataDir with an oracle DNN returns the reference words exactly (default grammar, 2 jobs), with CTM, WER and RTF', async () => {
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-')), { numUtts: 8, speakers: 3 });
  const out = path.join(s.root, 'out');
  const summary = await decodeDataDir(s.modelDir, s.dataDir, out, { featsDir: s.featsDir, jobs: 2, quiet: true, backend: 'cpu' });
  assert.equal(summary.jobs, 2);
  assert.equal(summary.numUtts, 8);
  const hyp = parseTranscript(readFileSync(path.join(out, 'hyp.txt'), 'utf8'), 'hyp.txt');
  assert.deepEqual(hyp, s.refs);
  assert.equal(readFileSync(path.join(out, 'wer.txt'), 'utf8').split('\n')[0], `%WER 0.00 [ 0 / ${[...s.refs.values()].flat().length}, 0 ins, 0 del, 0 sub ]`);
  const ctm = readFileSync(path.join(out, 'ctm'), 'utf8').trim().split('\n');
  assert.equal(ctm.length, [...s.refs.values()].flat().length);
  assert.match(ctm[0], /^spk0-utt000 1 \d+\.\d\d \d+\.\d\d \S+$/);
  assert.ok(summary.rtf > 0 && Number.isFinite(summary.rtf));
  const json = JSON.parse(readFileSync(path.join(out, 'decode.json'), 'utf8'));
  assert.equal(json.wer.errors, 0);
  assert.equal(json.numUtts, 8);
  // One job runs in this thread (inThreadWhenSingle), not in a worker: the same bytes as the 2 workers.
  const one = await decodeDataDir(s.modelDir, s.dataDir, path.join(s.root, 'out-1'), { featsDir: s.featsDir, jobs: 1, quiet: true, backend: 'cpu' });
  assert.equal(one.jobs, 1);
  for (const f of ['hyp.txt', 'ctm', 'scores.txt', 'wer.txt', 'wer_details.txt']) assert.deepEqual(readFileSync(path.join(s.root, 'out-1', f)), readFileSync(path.join(out, f)), f);
});

test('decodeDataDir: sweep keeps the best scale and writes per-scale files; --lm decodes too; errors name the problem', async () => {
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-sweep-')), { numUtts: 4, seed: 2 });
  const out = path.join(s.root, 'out');
  const summary = await decodeDataDir(s.modelDir, s.dataDir, out, { featsDir: s.featsDir, jobs: 1, runner: 'inline', quiet: true, backend: 'cpu', acousticScales: [0.05, 0.1] });
  assert.equal(summary.scales.length, 2);
  assert.ok(existsSync(path.join(out, 'scoring', 'hyp_0.05.txt')) && existsSync(path.join(out, 'scoring', 'wer_0.1.txt')));
  assert.equal(summary.wer!.errors, 0);
  const lm = path.join(s.root, 'lm.arpa');
  writeFileSync(lm, trainNgramArpa([...s.refs.values()], { order: 2 }));
  const lmOut = await decodeDataDir(s.modelDir, s.dataDir, path.join(s.root, 'out-lm'), { featsDir: s.featsDir, runner: 'inline', quiet: true, backend: 'cpu', lm });
  assert.equal(lmOut.wer!.errors, 0);
  assert.equal(lmOut.grammar.kind, 'arpa');
  await assert.rejects(decodeDataDir(s.modelDir, s.dataDir, out, { grammar: 'a.jsgf', lm }), { name: 'InputError', message: 'give either --grammar or --lm, not both' });
  const badJsgf = path.join(s.root, 'bad.jsgf');
  writeFileSync(badJsgf, '#JSGF V1.0;\ngrammar g;\npublic <s> = one eleven;\n');
  await assert.rejects(decodeDataDir(s.modelDir, s.dataDir, out, { grammar: badJsgf, featsDir: s.featsDir }), {
    name: 'InputError',
    message: `${badJsgf}: word 'eleven' is not in the lexicon of ${s.modelDir}/lang; add it to the lexicon (asr-distill prepare-lang) or remove it from the grammar`,
  });
  await assert.rejects(decodeDataDir(s.dataDir, s.dataDir, out), { name: 'InputError', message: `${s.dataDir}: not a model directory (no ensemble.json, asr-distill.json or gmm.json); give a directory made by asr-distill train, ensemble or distill` });
});

for (const contextDependent of [false, true]) {
  test(`decodeDataDir with a ${contextDependent ? 'triphone (train-tri)' : 'monophone (train-mono)'} GMM: per-pdf Gaussians at the one-hot features decode the reference exactly`, async () => {
    const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-gmm-')), { numUtts: 4, seed: 3, contextDependent });
    const P = s.tm.numPdfs;
    const gmm = initGmmSet(P, new Float64Array(P), new Float64Array(P).fill(0.01));
    for (let p = 0; p < P; p++) gmm.means[p * P + p] = 1;
    const gmmDir = path.join(s.root, 'mono');
    const cmvn = { per: 'utterance' as const, normVars: false };
    await writeGmmModel(
      gmmDir,
      { type: 'gmm', featureTransform: { type: 'fbank', numCeps: 13, cepstralLifter: 0, deltaOrder: 0, deltaWindow: 2, cmvn, energyColumn: -1 }, feats: defaultFbankConfig(), inputDim: P, dim: P, numPdfs: P, numGauss: P, frameShiftMs: 10, cmvn },
      gmm,
      s.tm,
      s.lang,
    );
    const summary = await decodeDataDir(gmmDir, s.dataDir, path.join(s.root, 'out'), { featsDir: s.featsDir, runner: 'inline', quiet: true });
    assert.equal(summary.modelKind, 'gmm');
    assert.equal(summary.wer!.errors, 0);
    assert.ok(summary.wer!.numWords > 0);
  });
}

test('decodeDataDir with a DNN on tied triphone states (the oracle, 2 jobs): the reference words exactly', async () => {
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-tri-')), { numUtts: 8, speakers: 3, seed: 4, contextDependent: true });
  assert.ok(s.tm.tree && s.tm.numPdfs > 3 * (s.lang.phones.length - 1));
  const summary = await decodeDataDir(s.modelDir, s.dataDir, path.join(s.root, 'out'), { featsDir: s.featsDir, jobs: 2, quiet: true, backend: 'cpu' });
  assert.equal(summary.wer!.errors, 0);
  assert.equal(summary.numPartial, 0);
});

test('decodeDataDir without a reference text writes hypotheses but no WER; utterances without features are reported', async () => {
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-notext-')), { numUtts: 3, seed: 4 });
  rmSync(path.join(s.dataDir, 'text'));
  const out = path.join(s.root, 'out');
  const summary = await decodeDataDir(s.modelDir, s.dataDir, out, { featsDir: s.featsDir, runner: 'inline', quiet: true, backend: 'cpu' });
  assert.equal(summary.wer, undefined);
  assert.ok(!existsSync(path.join(out, 'wer.txt')));
  assert.deepEqual(parseTranscript(readFileSync(path.join(out, 'hyp.txt'), 'utf8'), 'hyp.txt'), s.refs);
  // An utterance in the data dir but not in FEATS_DIR is skipped and listed.
  const wavScp = readFileSync(path.join(s.dataDir, 'wav.scp'), 'utf8');
  writeFileSync(path.join(s.dataDir, 'wav.scp'), wavScp + 'zz-extra extra.wav\n');
  writeFileSync(path.join(s.dataDir, 'utt2spk'), readFileSync(path.join(s.dataDir, 'utt2spk'), 'utf8') + 'zz-extra zz\n');
  rmSync(path.join(s.dataDir, 'spk2utt'));
  const partial = await decodeDataDir(s.modelDir, s.dataDir, out, { featsDir: s.featsDir, runner: 'inline', quiet: true, backend: 'cpu' });
  assert.deepEqual(partial.missingFeats, ['zz-extra']);
  assert.equal(partial.numUtts, 3);
});

test('decodeDataDir: with segments the CTM is in recording time, named by recording', async () => {
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-seg-')), { numUtts: 2, seed: 6, speakers: 1 });
  const ids = [...s.refs.keys()].sort();
  writeFileSync(path.join(s.dataDir, 'wav.scp'), 'rec1 rec1.wav\n');
  writeFileSync(path.join(s.dataDir, 'segments'), ids.map((id, i) => `${id} rec1 ${10 * i + 1.5} ${10 * i + 9}\n`).join(''));
  const out = path.join(s.root, 'out');
  await decodeDataDir(s.modelDir, s.dataDir, out, { featsDir: s.featsDir, runner: 'inline', quiet: true, backend: 'cpu' });
  const lines = readFileSync(path.join(out, 'ctm'), 'utf8').trim().split('\n').map((l) => l.split(' '));
  assert.ok(lines.every((f) => f[0] === 'rec1' && f[1] === '1'));
  const n0 = s.refs.get(ids[0])!.length;
  assert.ok(lines.slice(0, n0).every((f) => Number(f[2]) >= 1.5 && Number(f[2]) < 10));
  assert.ok(lines.slice(n0).every((f) => Number(f[2]) >= 11.5));
  assert.deepEqual(lines.map((f) => f[4]), [...s.refs.get(ids[0])!, ...s.refs.get(ids[1])!]);
});

test('NaN posteriors stop decode naming the utterance (no hypotheses written)', async () => {
  const { readFeatsDir, writeFeatsDir } = await import('../../src/store/feats-archive.js');
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-nan-')), { numUtts: 3, seed: 7 });
  const { info, utts } = await readFeatsDir(s.featsDir);
  const ids = [...utts.keys()].sort();
  // One NaN value at frame 4 of the second utterance; the log-posterior floor used to hide it.
  utts.get(ids[1])!.data[4 * info.dim] = NaN;
  await writeFeatsDir(s.featsDir, info.config, info.frameShiftMs, [ids.map((id) => utts.get(id)!)]);
  const out = path.join(s.root, 'out');
  await assert.rejects(decodeDataDir(s.modelDir, s.dataDir, out, { featsDir: s.featsDir, runner: 'inline', quiet: true, backend: 'cpu' }), (e: unknown) => {
    assert.equal((e as Error).name, 'InputError');
    assert.match((e as Error).message, new RegExp(`^${s.modelDir}: the model's log-likelihoods for utterance ${ids[1]} are not finite \\(NaN at frame 4, pdf \\d+\\); its weights are damaged`));
    return true;
  });
  assert.equal(existsSync(path.join(out, 'hyp.txt')), false);
});

test('decode refuses --feats made with another feature configuration than the model (--allow-feature-mismatch goes on)', async () => {
  const { changeFeatsConfig } = await import('../nnet/pipeline-fixtures.js');
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-mismatch-')), { numUtts: 2, seed: 8 });
  await changeFeatsConfig(s.featsDir, { lowFreq: 300, preemphasisCoefficient: 0 });
  const out = path.join(s.root, 'out');
  await assert.rejects(decodeDataDir(s.modelDir, s.dataDir, out, { featsDir: s.featsDir, runner: 'inline', quiet: true, backend: 'cpu' }), {
    name: 'InputError',
    message:
      `${s.featsDir} was made with another feature configuration than ${s.modelDir} (lowFreq: model 20, features 300; preemphasisCoefficient: model 0.97, features 0). ` +
      'Extract the features with the model\'s configuration (asr-distill features --config, see feats.json "config"), or pass --allow-feature-mismatch if you know the difference does not matter',
  });
  const summary = await decodeDataDir(s.modelDir, s.dataDir, out, { featsDir: s.featsDir, runner: 'inline', quiet: true, backend: 'cpu', allowFeatureMismatch: true });
  assert.equal(summary.wer!.errors, 0);
});
