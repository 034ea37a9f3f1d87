import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectExperiment, dnnSize, modelSize, phasedTrainingCurve, trainingCurve } from '../../src/report/collect.js';
import { writeFeatsDir } from '../../src/store/feats-archive.js';
import { defaultFbankConfig } from '../../src/features/config.js';

test('dnnSize counts weights, biases and forward FLOPs', () => {
  // 440 -> 2 x 64 -> 10: (440*64+64) + (64*64+64) + (64*10+10)
  const s = dnnSize(440, [64, 64], 10);
  assert.equal(s.params, 440 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10);
  assert.equal(s.flopsPerFrame, 2 * (440 * 64 + 64 * 64 + 64 * 10) + 64 + 64 + 10);
});

/** A minimal experiment directory laid out as recipes/digits/run.sh writes it. */
async function fakeExperiment(): Promise<string> {
  const exp = await fs.mkdtemp(path.join(os.tmpdir(), 'collect-'));
  const write = async (rel: string, value: unknown) => {
    await fs.mkdir(path.dirname(path.join(exp, rel)), { recursive: true });
    await fs.writeFile(path.join(exp, rel), typeof value === 'string' ? value : JSON.stringify(value));
  };
  // The metadata fields modelSize's reader checks (nnet/model-dir.ts): 40 = (0 + 1 + 0) x 40 inputs.
  const dnn = { type: 'dnn', inputDim: 40, numPdfs: 10, arch: { hidden: [{ units: 8 }] }, context: { left: 0, right: 0 }, featDim: 40, priors: Array(10).fill(-2.3) };
  const scores = (accuracy: number) => ({ scores: { accuracy, crossEntropy: 1 } });
  const wer = (errors: number) => ({ errors, words: 100, ins: 0, del: 0, sub: errors });
  for (const m of ['member-01', 'member-02', 'member-03']) await write(`ensemble/${m}/asr-distill.json`, dnn);
  await write('ensemble/ensemble.json', { type: 'ensemble', combine: 'arithmetic', members: ['member-01', 'member-02', 'member-03'] });
  await write('baseline/asr-distill.json', dnn);
  await write('baseline/train.log.jsonl', '{"epoch":1,"devAcc":0.5}\n{"epoch":2,"devAcc":0.6}\n');
  await write('student/asr-distill.json', dnn);
  for (const [sys, acc] of [['baseline', 0.6], ['ensemble', 0.7], ['student', 0.68]] as const) {
    await write(`eval/${sys}_dev.json`, scores(acc + 0.1));
    await write(`eval/${sys}_test.json`, sys === 'ensemble'
      ? { ...scores(acc), members: [0.6, 0.62, 0.59].map((a, i) => ({ dir: path.join(exp, `ensemble/member-0${i + 1}`), ...scores(a) })) }
      : scores(acc));
    await write(`decode/${sys}_test/wer.json`, wer(sys === 'baseline' ? 10 : 8));
  }
  // Members 1 and 2 decoded alone, member 3 not: its WER is simply absent.
  await write('decode/ensemble_member-01_test/wer.json', wer(10));
  await write('decode/ensemble_member-02_test/wer.json', wer(12));
  return exp;
}

test('collectExperiment reads scores, sizes, member WERs and takes the seed spread over the members', async () => {
  const exp = await fakeExperiment();
  const { input, curves } = await collectExperiment(exp, { size: 'tiny' });
  assert.equal(input.ensemble.system, 'ensemble (3 members)');
  assert.equal(input.student.testFrameAccuracy, 0.68);
  assert.deepEqual(input.baselineSeedAccuracies, [0.6, 0.62, 0.59]);
  assert.deepEqual(input.members.map((m) => m.testWer?.errors), [10, 12, undefined]);
  assert.equal(input.ensemble.params, 3 * input.baseline.params);
  assert.deepEqual(curves.map((c) => [c.system, c.epoch, c.devAccuracy]), [['baseline', 1, 0.5], ['baseline', 2, 0.6]]);
});

test('modelSize sums an ensemble; trainingCurve is empty without a log; a missing eval names the stage', async () => {
  const exp = await fakeExperiment();
  const one = await modelSize(path.join(exp, 'baseline'));
  assert.deepEqual(one, { ...dnnSize(40, [8], 10), members: [] });
  assert.equal((await modelSize(path.join(exp, 'ensemble'))).members.length, 3);
  assert.deepEqual(await trainingCurve(path.join(exp, 'student'), 'distilled'), []);
  await fs.rm(path.join(exp, 'eval', 'student_test.json'));
  await assert.rejects(collectExperiment(exp, {}), /student_test\.json: missing \(eval-frames of student on test\); run the recipe stage that writes it/);
});

test('collectExperiment draws the baseline curve once when the baseline is a copy of a member', async () => {
  const exp = await fakeExperiment();
  const log = '{"epoch":1,"devAcc":0.5}\n{"epoch":2,"devAcc":0.6}\n';
  await fs.writeFile(path.join(exp, 'ensemble/member-01/train.log.jsonl'), log);
  await fs.writeFile(path.join(exp, 'ensemble/member-02/train.log.jsonl'), '{"epoch":1,"devAcc":0.55}\n');
  const { curves, input } = await collectExperiment(exp, {});
  assert.deepEqual([...new Set(curves.map((c) => c.system))], ['member 1 = baseline', 'member 2']);
  assert.deepEqual(input.baselineSeedAccuracies, [0.62, 0.59], 'member 1 is the baseline: counted once');
});

test('phasedTrainingCurve puts the --init-from model\'s epochs first and numbers the rest on', async () => {
  const exp = await fakeExperiment();
  const meta = JSON.parse(await fs.readFile(path.join(exp, 'student/asr-distill.json'), 'utf8'));
  await fs.mkdir(path.join(exp, 'student-noisy'));
  await fs.writeFile(path.join(exp, 'student-noisy/asr-distill.json'), JSON.stringify(meta));
  await fs.writeFile(path.join(exp, 'student-noisy/train.log.jsonl'), '{"epoch":1,"devAcc":0.5}\n{"epoch":2,"devAcc":0.55}\n');
  await fs.writeFile(path.join(exp, 'student/train.log.jsonl'), '{"epoch":1,"devAcc":0.58}\n');
  const student = path.join(exp, 'student');
  // Without initFrom: the model's own epochs.
  assert.deepEqual((await phasedTrainingCurve(student, 'distilled')).map((p) => p.epoch), [1]);
  await fs.writeFile(path.join(student, 'asr-distill.json'), JSON.stringify({ ...meta, trainedOn: { teacher: { initFrom: path.join(exp, 'student-noisy') } } }));
  const curve = await phasedTrainingCurve(student, 'distilled');
  assert.deepEqual(curve.map((p) => [p.system, p.epoch, p.devAccuracy]), [['distilled', 1, 0.5], ['distilled', 2, 0.55], ['distilled', 3, 0.58]]);
  // The phases are numbered and the later one says what it trained on (plots.ts marks where it starts).
  assert.deepEqual(curve.map((p) => [p.phase, p.phaseLabel]), [[1, undefined], [1, undefined], [2, 'clean frames']]);
  assert.deepEqual((await collectExperiment(exp, {})).curves.filter((c) => c.system === 'distilled').map((c) => c.epoch), [1, 2, 3]);
  // A start model no longer on disk, or one that names the model itself, leaves the model's own curve.
  await fs.writeFile(path.join(student, 'asr-distill.json'), JSON.stringify({ ...meta, trainedOn: { teacher: { initFrom: path.join(exp, 'moved') } } }));
  assert.deepEqual((await phasedTrainingCurve(student, 'distilled')).map((p) => p.epoch), [1]);
  await fs.writeFile(path.join(student, 'asr-distill.json'), JSON.stringify({ ...meta, trainedOn: { teacher: { initFrom: student } } }));
  assert.deepEqual((await phasedTrainingCurve(student, 'distilled')).map((p) => p.epoch), [1]);
});

test('collectExperiment passes per-utterance test counts on when all three evals have them, and refuses unpaired ones', async () => {
  const exp = await fakeExperiment();
  assert.equal((await collectExperiment(exp, {})).input.testCounts, undefined, 'older eval JSON: no counts, no interval');
  const withUtts = async (sys: string, correct: number[], uttIds = ['u1', 'u2']) => {
    const file = path.join(exp, 'eval', `${sys}_test.json`);
    const j = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...j, utterances: { uttIds, numFrames: [10, 10], correct } }));
  };
  await withUtts('baseline', [6, 6]);
  await withUtts('ensemble', [7, 7]);
  await withUtts('student', [7, 6]);
  const { input } = await collectExperiment(exp, {});
  assert.deepEqual(input.testCounts, { numFrames: [10, 10], baselineCorrect: [6, 6], ensembleCorrect: [7, 7], studentCorrect: [7, 6] });
  assert.equal(input.speakers, undefined, 'no test features: speakers unknown, no per-speaker table');
  // With the test features (their speaker ids) and per-utterance word errors: per-speaker rows.
  const utt = (uttId: string, speakerId: string) => ({ uttId, speakerId, numFrames: 10, dim: 1, data: new Float32Array(10) });
  await writeFeatsDir(path.join(exp, 'feats', 'test'), defaultFbankConfig({ numMelBins: 1 }), 10, [[utt('u1', 'spkA'), utt('u2', 'spkB')]]);
  for (const sys of ['baseline', 'ensemble', 'student']) {
    const file = path.join(exp, 'decode', `${sys}_test`, 'wer.json');
    const j = JSON.parse(await fs.readFile(file, 'utf8'));
    const wordErrors = { substitutions: sys === 'baseline' ? [{ ref: 'one', hyp: 'two', count: 1 }] : [], deletions: [], insertions: [] };
    await fs.writeFile(file, JSON.stringify({ ...j, utts: [{ uttId: 'u1', numWords: 5, sub: sys === 'baseline' ? 1 : 0, ins: 0, del: 0 }, { uttId: 'u2', numWords: 5, sub: 0, ins: 0, del: 0 }], wordErrors }));
  }
  const sp = (await collectExperiment(exp, {})).input.speakers!;
  assert.deepEqual(sp.map((r) => [r.speaker, r.frameAccuracy.student, r.recoveredFraction, r.wer?.baseline.errors]), [['spkA', 0.7, 1, 1], ['spkB', 0.6, 0, 0]]);
  // The same per-utterance word errors feed the WER comparisons with the baseline.
  const uw = (await collectExperiment(exp, {})).input.testUttWers!;
  assert.deepEqual(uw.baseline.map((u) => u.sub), [1, 0]);
  assert.deepEqual(uw.student.map((u) => u.uttId), ['u1', 'u2']);
  assert.deepEqual((await collectExperiment(exp, {})).input.testWordErrors?.baseline.substitutions, [{ ref: 'one', hyp: 'two', count: 1 }]);
  await withUtts('student', [7, 6], ['u1', 'u3']);
  await assert.rejects(collectExperiment(exp, {}), { name: 'InputError', message: /scored on different test utterances or alignments; rerun eval-frames for all three on the same data/ });
});

test("collectExperiment reads the paper-setup student (student-paper) when the experiment has one, paired like the others", async () => {
  const exp = await fakeExperiment();
  assert.equal((await collectExperiment(exp, {})).input.paperStudent, undefined);
  const write = async (rel: string, value: unknown) => {
    await fs.mkdir(path.dirname(path.join(exp, rel)), { recursive: true });
    await fs.writeFile(path.join(exp, rel), JSON.stringify(value));
  };
  const dnn = JSON.parse(await fs.readFile(path.join(exp, 'student', 'asr-distill.json'), 'utf8'));
  await write('student-paper/asr-distill.json', dnn);
  await assert.rejects(collectExperiment(exp, {}), { name: 'InputError', message: /student-paper_dev\.json: missing \(eval-frames of student-paper on dev\); run the recipe stage that writes it/ });
  await write('eval/student-paper_dev.json', { scores: { accuracy: 0.75, crossEntropy: 1 } });
  await write('eval/student-paper_test.json', { scores: { accuracy: 0.65, crossEntropy: 1 } });
  await write('decode/student-paper_test/wer.json', { errors: 9, words: 100, ins: 0, del: 0, sub: 9 });
  await fs.writeFile(path.join(exp, 'student-paper', 'train.log.jsonl'), '{"epoch":1,"devAcc":0.7}\n');
  const { input, curves } = await collectExperiment(exp, {});
  assert.equal(input.paperStudent?.system, "distilled (paper's setup)");
  assert.equal(input.paperStudent?.testFrameAccuracy, 0.65);
  assert.equal(input.paperStudent?.testWer?.errors, 9);
  assert.equal(input.paperTestCounts, undefined, 'older eval JSON: no counts');
  assert.deepEqual(curves.filter((c) => c.system.includes('paper')).map((c) => [c.epoch, c.devAccuracy]), [[1, 0.7]]);
  for (const [sys, correct] of [['baseline', [6, 6]], ['ensemble', [7, 7]], ['student', [7, 6]], ['student-paper', [6, 7]]] as const) {
    const file = path.join(exp, 'eval', `${sys}_test.json`);
    const j = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...j, utterances: { uttIds: ['u1', 'u2'], numFrames: [10, 10], correct } }));
  }
  assert.deepEqual((await collectExperiment(exp, {})).input.paperTestCounts, { numFrames: [10, 10], baselineCorrect: [6, 6], ensembleCorrect: [7, 7], studentCorrect: [6, 7] });
});

test('collectExperiment reads the GMM systems decoded by the recipe (--triphones true) and the DNNs\' number of pdfs', async () => {
  const exp = await fakeExperiment();
  const first = await collectExperiment(exp, {});
  assert.equal(first.input.gmm, undefined);
  assert.equal(first.input.dnnNumPdfs, 10);
  const write = async (rel: string, value: unknown) => {
    await fs.mkdir(path.dirname(path.join(exp, rel)), { recursive: true });
    await fs.writeFile(path.join(exp, rel), JSON.stringify(value));
  };
  await write('mono/model.json', { type: 'gmm', numPdfs: 70, numGauss: 600 });
  await write('tri/model.json', { type: 'gmm', numPdfs: 180, numGauss: 720 });
  await write('decode/gmm_mono_test/wer.json', { errors: 12, words: 100, ins: 1, del: 1, sub: 10 });
  await write('decode/gmm_mono_dev/wer.json', { errors: 11, words: 100, ins: 1, del: 0, sub: 10 });
  await write('decode/gmm_tri_test/wer.json', { errors: 7, words: 100, ins: 0, del: 1, sub: 6 });
  const { input } = await collectExperiment(exp, {});
  assert.deepEqual(input.gmm?.map((g) => [g.system, g.numPdfs, g.numGauss, g.devWer?.errors, g.testWer?.errors]), [
    ['monophone GMM', 70, 600, 11, 12],
    ['triphone GMM (tied states)', 180, 720, undefined, 7],
  ]);
});
