import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const script = path.resolve('recipes/digits/local/paper-tables.mjs');

async function writeJson(file: string, v: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(v));
}

test('paper-tables.mjs: Table 4 rows with the relative change, Table 5 rows and epoch curves, results.json; missing parts said so', async () => {
  const { writePaperTables } = (await import(script)) as { writePaperTables: (dir: string, settings?: string) => string };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paper-tables-'));
  await writeJson(path.join(dir, 'specialists/specialists.json'), { specialists: [{}, {}], cover: 1, numClusters: 2, clusterMatrix: 'correlation', clusterFrames: 500 });
  const coverage = [
    { covering: 0, frames: 10, generalistCorrect: 5, combinedCorrect: 5 },
    { covering: 1, frames: 90, generalistCorrect: 80, combinedCorrect: 84 },
  ];
  await writeJson(path.join(dir, 'specialists/eval-test-top1.json'), { topN: 1, meanActive: 1, numFrames: 100, generalistCorrect: 85, combinedCorrect: 89, coverage });
  const sec6 = path.join(dir, 'sec6');
  await writeJson(path.join(sec6, 'baseline-eval-test.json'), { scores: { accuracy: 0.8 } });
  for (const [kind, acc] of [['hard', 0.4], ['soft', 0.6]] as const) {
    await writeJson(path.join(sec6, `${kind}-3/eval-test.json`), { scores: { accuracy: acc, numFrames: 100 } });
    await writeJson(path.join(sec6, `${kind}-3/asr-distill.json`), { trainedOn: { numUtts: 18, numFrames: 2796 } });
    await fs.writeFile(path.join(sec6, `${kind}-3/train.log.jsonl`), [0.3, 0.5].map((a, i) => JSON.stringify({ epoch: i + 1, trainAcc: a + 0.2, devAcc: a })).join('\n') + '\n');
  }
  const md = writePaperTables(dir, 'size=tiny');
  assert.match(md, /\| 1 \| 90 \| 88\.89% \| 93\.33% \| 4 \| \+5\.0% \|/);
  assert.match(md, /\| 0 \| 10 \| 50\.00% \| 50\.00% \| 0 \| \+0\.0% \|/);
  assert.match(md, /\| all \| 100 \| 85\.00% \| 89\.00% \| 4 \| \+4\.7% \|/);
  assert.match(md, /\| 100% \| baseline \(hard targets, newbob\) \| \| \| \| \| 80\.00% \|/);
  assert.match(md, /\| 3% \| hard targets, all epochs \| 18 \| 2796 \| 2 \| 70\.00% \| 40\.00% \|/);
  assert.match(md, /\| 3% soft \| 30\.0 \| 50\.0 \|/);
  assert.equal(await fs.readFile(path.join(dir, 'RESULTS.md'), 'utf8'), md);
  const json = JSON.parse(await fs.readFile(path.join(dir, 'results.json'), 'utf8'));
  assert.equal(json.sec6.rows.length, 2);
  assert.equal(json.specialists.evals[0].combinedCorrect, 89);
  // Nothing run: both parts say so.
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'paper-tables-'));
  const none = writePaperTables(empty);
  assert.match(none, /Sec\. 5: not run/);
  assert.match(none, /Sec\. 6: not run/);
  assert.match(none, /Sec\. 2\.1: not run/);
  assert.match(none, /Sec\. 3: not run/);
});

test('paper-tables.mjs: sec. 2.1 recovered fractions by T, logit matching, hard weight, top-k, combine rule; sec. 3 word accuracy and bias shift; sec. 6 WER', async () => {
  const { writePaperTables } = (await import(script)) as { writePaperTables: (dir: string, settings?: string) => string };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paper-tables-'));
  const s21 = path.join(dir, 'sec21');
  const scores = (accuracy: number) => ({ scores: { accuracy } });
  await writeJson(path.join(s21, 'baseline-eval-test.json'), scores(0.8));
  await writeJson(path.join(s21, 'ensemble-eval-test.json'), scores(0.84));
  await writeJson(path.join(s21, 'ensemble-geometric-eval-test.json'), scores(0.85));
  const students: [string, number][] = [['soft-T1', 0.81], ['soft-T2', 0.83], ['logit', 0.82], ['soft-T2-W0', 0.82], ['soft-T2-top3', 0.8], ['soft-T2-geometric', 0.84]];
  for (const [d, a] of students) await writeJson(path.join(s21, d, 'eval-test.json'), scores(a));
  await writeJson(path.join(s21, 'gradient-ratio.json'), { numFrames: 500, ratios: [{ temperature: 1, ratio: 0.05, cosine: 0.06 }, { temperature: 2, ratio: 0.1, cosine: 0.1 }] });
  const s3 = path.join(dir, 'sec3');
  await writeJson(path.join(s3, 'transfer/omitted.json'), { word: 'three', instances: 5, removedFrames: 100, keptFrames: 900, minLostFraction: 0.5, omittedPdfs: [3, 4], pdfFramesFull: [], pdfFramesKept: [] });
  await writeJson(path.join(s3, 'student-no-three-fixed/bias-fix.json'), { shiftNats: 1.5, pdfs: [3, 4], dev: [{ shiftNats: 0, accuracy: 0.7 }, { shiftNats: 1.5, accuracy: 0.72 }] });
  const word = (w: number, o: number) => ({ instances: 5, wordFrames: { numFrames: 40, accuracy: w }, otherFrames: { numFrames: 400, accuracy: o } });
  await writeJson(path.join(s3, 'eval-word-soft-T2.json'), word(0.9, 0.8));
  await writeJson(path.join(s3, 'eval-word-student-no-three.json'), word(0.3, 0.81));
  await writeJson(path.join(s3, 'eval-word-student-no-three-fixed.json'), word(0.6, 0.8));
  await writeJson(path.join(dir, 'sec6/baseline-eval-test.json'), scores(0.8));
  await writeJson(path.join(dir, 'sec6-decode/baseline/test/decode.json'), { wer: { percent: 3.5, errors: 7, words: 200 } });
  const md = writePaperTables(dir);
  // (acc - 80) / (84 - 80): T = 1 25%, T = 2 75%, logit matching 50% on every row; geometric against its own ensemble: 4 / 5.
  assert.match(md, /\| 1 \| 81\.00% \| 25\.0% \| 82\.00% \| 50\.0% \| 0\.0500 \| 0\.0600 \|/);
  assert.match(md, /\| 2 \| 83\.00% \| 75\.0% \| 82\.00% \| 50\.0% \| 0\.1000 \| 0\.1000 \|/);
  assert.match(md, /\| 0 \| 82\.00% \| 50\.0% \|\n\| 0\.5 \| 83\.00% \| 75\.0% \|/);
  assert.match(md, /\| full \| 83\.00% \| 75\.0% \|\n\| top-3 \| 80\.00% \| 0\.0% \|/);
  assert.match(md, /\| geometric \| 85\.00% \| 84\.00% \| 80\.0% \|/);
  assert.match(md, /omitted pdfs \(those that lost at least 50% of their frames\): 3, 4\. Bias shift chosen on all dev frames: 1\.5 nats \(dev frame accuracy 70\.00% at 0, 72\.00% at the shift\)/);
  assert.match(md, /\| student, transfer set with 'three' \| 40 \| 90\.00% \| 80\.00% \|/);
  assert.match(md, /\| the same, omitted pdfs' biases \+ 1\.5 nats \(chosen on dev\) \| 40 \| 60\.00% \| 80\.00% \|/);
  assert.match(md, /\| 100% \| baseline \(hard targets, newbob\) \| \| \| \| \| 80\.00% \| 3\.50% \[ 7 \/ 200 \] \|/);
  const json = JSON.parse(await fs.readFile(path.join(dir, 'results.json'), 'utf8'));
  assert.equal(json.sec21.byTemperature.length, 2);
  assert.equal(json.sec3.rows.length, 3);
  assert.doesNotMatch(md, /NaN|undefined/);
  assert.doesNotMatch(md, /fell on|shared pdfs' frames/);
});

test('paper-tables.mjs: sec. 3 on tied states: where the word\'s frames fell (own, omitted, shared pdfs) and eval-word --omitted\'s split', async () => {
  const { writePaperTables, omittedPdfSummary } = (await import(script)) as { writePaperTables: (dir: string) => string; omittedPdfSummary: (o: unknown) => Record<string, number> | undefined };
  // pdf 0: only the word's (10 -> 0); 1: 6 of 10 lost (omitted at 0.5); 2: 2 of 10 lost (shared, kept); 3: untouched.
  const omitted = { word: 'three', instances: 2, removedFrames: 18, keptFrames: 22, minLostFraction: 0.5, omittedPdfs: [0, 1], pdfFramesFull: [10, 10, 10, 10], pdfFramesKept: [0, 4, 8, 10] };
  assert.deepEqual(omittedPdfSummary(omitted), { touchedPdfs: 3, exclusivePdfs: 1, omittedPdfs: 2, sharedPdfs: 1, wordFramesOnOmitted: 16, wordFramesOnShared: 2 });
  assert.equal(omittedPdfSummary({ ...omitted, pdfFramesFull: [], pdfFramesKept: [] }), undefined);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paper-tables-'));
  const s3 = path.join(dir, 'sec3');
  await writeJson(path.join(s3, 'transfer/omitted.json'), omitted);
  const scores = (numFrames: number, accuracy: number) => ({ numFrames, correct: numFrames * accuracy, accuracy, crossEntropy: 1 });
  await writeJson(path.join(s3, 'eval-word-student-no-three.json'), {
    instances: 2, wordFrames: scores(40, 0.5), otherFrames: scores(400, 0.8),
    byOmitted: { omittedPdfs: [0, 1], omittedPdfFrames: scores(30, 0.4), sharedPdfFrames: scores(10, 0.8) },
  });
  const md = writePaperTables(dir);
  assert.match(md, /fell on 3 pdfs: 1 used by no other word, 2 omitted \(16 of its frames\), 1 shared with other words and kept in the transfer set \(2 of its frames/);
  assert.match(md, /on its omitted pdfs' frames \(30\) \| on its shared pdfs' frames \(10\) \|/);
  assert.match(md, /\| student, transfer set without 'three' \| 40 \| 50\.00% \| 80\.00% \| 40\.00% \| 80\.00% \|/);
  // No frame on a shared pdf (every pdf of the word its own): no accuracy, not 0%.
  await writeJson(path.join(s3, 'eval-word-student-no-three.json'), {
    instances: 2, wordFrames: scores(40, 0.5), otherFrames: scores(400, 0.8),
    byOmitted: { omittedPdfs: [0, 1], omittedPdfFrames: scores(40, 0.5), sharedPdfFrames: { numFrames: 0, correct: 0, accuracy: 0, crossEntropy: 0 } },
  });
  assert.match(writePaperTables(dir), /\| student, transfer set without 'three' \| 40 \| 50\.00% \| 80\.00% \| 50\.00% \| - \|/);
});

test("paper-tables.mjs: Table 1 with generalist + specialists (frame accuracy, WER, recovered with its bootstrap interval); sec. 2.1 rows' intervals", async () => {
  const { writePaperTables } = (await import(script)) as { writePaperTables: (dir: string, settings?: string, lib?: unknown) => string };
  const { bootstrapRecoveredFraction } = await import('../../src/score/bootstrap.js');
  // report/collect.ts's testCountsOf (tested with the report) pairs the three systems' counts; here
  // its result on matching utterances, without loading the report's model readers (tfjs, seconds).
  type Counts = { utterances: { numFrames: number[]; correct: number[] } };
  const testCountsOf = (b: Counts, e: Counts, s: Counts) => ({ numFrames: b.utterances.numFrames, baselineCorrect: b.utterances.correct, ensembleCorrect: e.utterances.correct, studentCorrect: s.utterances.correct });
  const lib = { bootstrapRecoveredFraction, testCountsOf };
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'paper-tables-'));
  const dir = path.join(base, 'paper');
  // Four test utterances of 100 frames; correct frames per utterance of each system.
  const evalOf = (correct: number[]) => ({
    scores: { accuracy: correct.reduce((a, c) => a + c, 0) / 400, crossEntropy: 1 },
    utterances: { uttIds: ['u1', 'u2', 'u3', 'u4'], numFrames: [100, 100, 100, 100], correct },
  });
  const [b, e, s] = [evalOf([80, 78, 82, 80]), evalOf([84, 83, 85, 84]), evalOf([82, 80, 84, 82])];
  await writeJson(path.join(base, 'eval/baseline_test.json'), b);
  await writeJson(path.join(base, 'eval/ensemble_test.json'), e);
  await writeJson(path.join(base, 'decode/baseline_test/decode.json'), { wer: { percent: 3.5, errors: 7, words: 200 } });
  await writeJson(path.join(base, 'decode/ensemble_test/decode.json'), { wer: { percent: 3, errors: 6, words: 200 } });
  await writeJson(path.join(dir, 'specialists/specialists.json'), { specialists: [{}, {}, {}], cover: 1, numClusters: 3, clusterMatrix: 'correlation', clusterFrames: 500 });
  await writeJson(path.join(dir, 'specialists/eval-frames-test.json'), s);
  await writeJson(path.join(dir, 'specialists-decode/test/decode.json'), { wer: { percent: 2.5, errors: 5, words: 200 }, options: { top: 2 } });
  // The same on the ensemble's soft targets (paper.sh --spec-targets hard,soft): a row and a Table 4 of its own.
  const soft = evalOf([84, 82, 86, 84]);
  // ... and with overlapping sets (paper.sh --spec-size 2, train-specialists --cluster-size).
  await writeJson(path.join(dir, 'specialists-soft/specialists.json'), { specialists: [{}, {}], cover: 1, numClusters: 2, clusterMatrix: 'correlation', clusterFrames: 500, clusterSize: 2, clusterPdfs: 5, pdfsByCoverage: [1, 3, 1], softTargets: { teacher: '/x/ensemble', teacherId: 'ab', temperature: 2, hardWeight: 0.5 } });
  await writeJson(path.join(dir, 'specialists-soft/eval-frames-test.json'), soft);
  await writeJson(path.join(dir, 'specialists-soft-decode/test/decode.json'), { wer: { percent: 2, errors: 4, words: 200 }, options: { top: 2 } });
  await writeJson(path.join(dir, 'specialists-soft/eval-test-top1.json'), { topN: 1, meanActive: 1, numFrames: 400, generalistCorrect: 320, combinedCorrect: 336, coverage: [{ covering: 1, frames: 400, generalistCorrect: 320, combinedCorrect: 336 }] });
  await writeJson(path.join(dir, 'sec21/baseline-eval-test.json'), b);
  await writeJson(path.join(dir, 'sec21/ensemble-eval-test.json'), e);
  await writeJson(path.join(dir, 'sec21/soft-T2/eval-test.json'), s);
  const md = writePaperTables(dir, '', lib);
  const counts = { numFrames: [100, 100, 100, 100], baselineCorrect: b.utterances.correct, ensembleCorrect: e.utterances.correct, studentCorrect: s.utterances.correct };
  const iv = bootstrapRecoveredFraction(counts, { seed: 1 });
  const cell = `${(100 * iv.recovered).toFixed(1)}% \\[${(100 * iv.low).toFixed(0)}%, ${(100 * iv.high).toFixed(0)}%\\]`;
  assert.match(md, /\| baseline \(the generalist\) \| 80\.00% \| 3\.50% \[ 7 \/ 200 \] \|/);
  assert.match(md, /\| ensemble \| 84\.00% \| 3\.00% \[ 6 \/ 200 \] \|/);
  assert.match(md, /\| generalist \+ specialists \(3\) \| 82\.00% \| 2\.50% \[ 5 \/ 200 \] \|/);
  assert.match(md, new RegExp(`recovered by generalist \\+ specialists \\(trained on the hard labels\\): ${cell} \\(95% interval`));
  assert.match(md, /the generalist's top 2 pdfs picking them/);
  assert.match(md, /\| generalist \+ specialists, soft targets \(2\) \| 84\.00% \| 2\.00% \[ 4 \/ 200 \] \|/);
  const ivSoft = bootstrapRecoveredFraction({ ...counts, studentCorrect: soft.utterances.correct }, { seed: 1 });
  assert.match(md, new RegExp(`recovered by generalist \\+ specialists, soft targets \\(trained on the soft targets of ensemble at T = 2 with hard-label weight 0\\.5\\): 100\\.0% \\[${(100 * ivSoft.low).toFixed(0)}%, ${(100 * ivSoft.high).toFixed(0)}%\\]`));
  assert.match(md, /### Sec\. 5: generalist \+ specialists trained on soft targets \(Table 4\)/);
  assert.match(md, /\| all \| 400 \| 80\.00% \| 84\.00% \| 16 \| \+5\.0% \|/);
  assert.match(md, new RegExp(`\\| 2 \\| 82\\.00% \\| ${cell} \\|`));
  const json = JSON.parse(await fs.readFile(path.join(dir, 'results.json'), 'utf8'));
  assert.ok(Math.abs(json.table1.recovered - 0.5) < 1e-9);
  assert.deepEqual(json.table1.byVariant.map((v: { variant: string; recovered: number }) => [v.variant, Math.round(100 * v.recovered)]), [['specialists', 50], ['specialistsSoft', 100]]);
  assert.equal(json.specialistsSoft.softTargets.temperature, 2);
  assert.match(md, /on 500 dev frames, each centre taking its 2 nearest of the 5 pdfs with dev frames \(overlapping sets; those pdfs covered 0, 1, 2, \.\.\. times: 1, 3, 1\)\)/);
  assert.deepEqual([json.specialists.clusterSize, json.specialistsSoft.clusterSize], [null, 2]);
  assert.equal(json.specialistsSoft.evals[0].combinedCorrect, 336);
  assert.deepEqual(json.sec21.byTemperature[0].recoveredInterval, JSON.parse(JSON.stringify(iv)));
  // Without the library (no build): the same tables, no intervals.
  assert.match(writePaperTables(dir, ''), /\| 2 \| 82\.00% \| 50\.0% \|/);
});

test('paper-tables.mjs paperPlotSpecs: sec. 5 coverage curve beside the paper, sec. 6 bars per fraction in order and hard-vs-soft epoch curves', async () => {
  const { paperPlotSpecs } = (await import(script)) as { paperPlotSpecs: (results: unknown, plots: unknown) => { specs: { name: string; spec: { args: unknown[] } }[]; missing: string[] } };
  // The plot functions stubbed (their specs are tested in test/report/plots.test.ts): what each gets.
  const plots = { seriesLineSpec: (...args: unknown[]) => ({ args }), systemsBarSpec: (...args: unknown[]) => ({ args }) };
  const row = (percent: number, kind: string, testAccuracy: number, devAcc: number[]) => ({ percent, kind, testAccuracy, devAcc });
  const results = {
    sec21: null,
    specialists: { evals: [{ topN: 1, coverage: [{ covering: 0, frames: 5, generalistCorrect: 0, combinedCorrect: 1 }, { covering: 1, frames: 10, generalistCorrect: 8, combinedCorrect: 9 }] }] },
    specialistsSoft: { evals: [{ topN: 3, coverage: [{ covering: 2, frames: 10, generalistCorrect: 4, combinedCorrect: 5 }] }] },
    sec6: { baselineTestAccuracy: 0.8, rows: [row(3, 'hard', 0.5, [0.4, 0.5]), row(3, 'hard-early', 0.52, [0.4]), row(3, 'soft', 0.6, [0.45, 0.6]), row(10, 'soft', 0.7, [0.6])] },
  };
  const { specs, missing } = paperPlotSpecs(results, plots);
  assert.deepEqual(missing, ['no sec. 2.1 plot: no temperature points']);
  assert.deepEqual(specs.map((s) => s.name), ['sec5-coverage', 'sec6-bars', 'sec6-curves']);
  const [coverage, bars, curves] = specs.map((s) => s.spec.args);
  const cov = coverage[0] as { series: string; x: number; y: number }[];
  assert.deepEqual(cov[0], { series: 'here, top 1', x: 1, y: 12.5 }, 'covering 0 (no generalist-correct frame) has no relative change');
  assert.deepEqual(cov[1], { series: 'here, soft targets, top 3', x: 2, y: 25 });
  assert.deepEqual(cov.filter((p) => p.series.startsWith('paper')).map((p) => [p.x, p.y]).slice(-2), [[9, 16.6], [10, 14.1]]);
  assert.deepEqual(bars[0], [
    { system: 'hard targets', metric: '3% of the training data', value: 50 },
    { system: 'hard + early stopping', metric: '3% of the training data', value: 52 },
    { system: 'soft targets', metric: '3% of the training data', value: 60 },
    { system: 'baseline, all the data', metric: '3% of the training data', value: 80 },
    { system: 'soft targets', metric: '10% of the training data', value: 70 },
    { system: 'baseline, all the data', metric: '10% of the training data', value: 80 },
  ]);
  assert.deepEqual(bars[2], { panelsInOrder: true });
  assert.deepEqual((curves[0] as { series: string }[]).map((p) => p.series), ['3% hard targets', '3% hard targets', '3% soft targets', '3% soft targets', '10% soft targets']);
  assert.deepEqual(paperPlotSpecs({ sec21: null, specialists: null, sec6: null }, plots).specs, []);
});
