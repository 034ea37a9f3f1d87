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
});
