// recipes/digits/paper.sh at --size tiny (issue 26): run.sh's stages 0-4, then specialists (sec. 5)
// and soft targets as a regulariser (sec. 6), and the report with both tables, every number computed.
// Sec. 2.1 and 3 (--sections), sec. 6's decodes (--sec6-wer, and with it Table 1's specialists row)
// and the plots (--plots: seconds; their specs in test/report/plots.test.ts) are left out: a dozen
// more trainings and decodes would add minutes; their tables are tested in paper-tables.test.ts, their library code
// in test/nnet/omitted-word.test.ts and test/hmm/word-segments.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('recipes/digits/paper.sh --size tiny: Table 4 and Table 5 analogues in RESULTS.md and results.json; a re-run skips every stage', { timeout: 900_000 }, () => {
  const exp = mkdtempSync(path.join(os.tmpdir(), 'asr-paper-'));
  // Corpus seed 8: recipe-digits.test.ts, which may run beside it, makes data/digits/generated/tiny-seed7.
  const args = ['recipes/digits/paper.sh', '--size', 'tiny', '--members', '2', '--exp', exp, '--seed', '8', '--spec-num', '3', '--spec-cover', '1', '--spec-epochs', '1', '--spec-tops', '2', '--sec6-fractions', '0.1', '--sections', '5,6', '--sec6-wer', 'false', '--plots', 'false', '--jobs', '1'];
  const env = { ...process.env, ASR_DISTILL_PROGRESS_SECONDS: '60' };
  const run = (...extra: string[]) => spawnSync('bash', [...args, ...extra], { cwd: root, encoding: 'utf8', env });
  const r = run();
  assert.equal(r.status, 0, `paper.sh failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const results = JSON.parse(readFileSync(path.join(exp, 'paper', 'results.json'), 'utf8'));
  assert.equal(results.specialists.numSpecialists, 3);
  const ev = results.specialists.evals[0];
  assert.equal(ev.topN, 2);
  assert.equal(ev.coverage.reduce((a: number, c: { frames: number }) => a + c.frames, 0), ev.numFrames);
  assert.deepEqual(results.sec6.rows.map((x: { kind: string }) => x.kind), ['hard', 'hard-early', 'soft']);
  for (const row of results.sec6.rows) assert.ok(row.testAccuracy > 0 && row.testAccuracy <= 1 && row.percent === 10, JSON.stringify(row));
  assert.ok(results.sec6.baselineTestAccuracy > 0);
  const md = readFileSync(path.join(exp, 'paper', 'RESULTS.md'), 'utf8');
  assert.match(md, /### Sec\. 5: generalist \+ specialists \(Table 4\)/);
  assert.match(md, /\| all \| \d+ \| [\d.]+% \| [\d.]+% \| -?\d+ \| [+-][\d.]+% \|/);
  assert.match(md, /\| 10% \| soft targets \(the full ensemble's\) \| \d+ \| \d+ \| \d+ \| [\d.]+% \| [\d.]+% \|/);
  assert.doesNotMatch(md, /NaN|undefined/);
  const again = run('--stage', '1');
  assert.equal(again.status, 0);
  assert.match(again.stdout, /stage 1 \(specialists\): already done, skipping/);
  assert.match(again.stdout, /stage 9 \(report\): already done, skipping/);
  assert.doesNotMatch(again.stdout, /sec21|sec3/);
});
