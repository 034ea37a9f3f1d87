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
});
