// The whole digits recipe at --size tiny (issue 7): every stage runs, the report has the paper's
// Table 1 shape and every number in it is computed, and a re-run skips the finished stages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('recipes/digits/run.sh --size tiny runs end to end and writes a computed Table 1', { timeout: 480_000 }, () => {
  const exp = mkdtempSync(path.join(os.tmpdir(), 'asr-recipe-'));
  const run = (...extra: string[]) =>
    spawnSync('bash', ['recipes/digits/run.sh', '--size', 'tiny', '--members', '2', '--exp', exp, '--seed', '7', ...extra], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ASR_DISTILL_PROGRESS_SECONDS: '60' },
    });
  const r = run();
  assert.equal(r.status, 0, `recipe failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const results = JSON.parse(readFileSync(path.join(exp, 'results.json'), 'utf8'));
  assert.equal(results.rows.length, 3);
  for (const row of results.rows) {
    for (const k of ['testFrameAccuracy', 'devFrameAccuracy', 'testWerPercent', 'params', 'flopsPerFrame']) {
      assert.ok(Number.isFinite(row[k]), `${row.system}.${k} = ${row[k]}`);
    }
    assert.ok(row.testFrameAccuracy > 0 && row.testFrameAccuracy <= 1);
  }
  assert.equal(results.rows[0].params, results.rows[2].params, 'the student has the baseline size by default');
  assert.equal(results.rows[1].params, 2 * results.rows[0].params, 'the ensemble costs its two members');
  assert.ok(Number.isFinite(results.ensembleGain) && Number.isFinite(results.baselineSeedSpread));
  const md = readFileSync(path.join(exp, 'RESULTS.md'), 'utf8');
  assert.match(md, /\| system \| test frame accuracy \| test WER \|/);
  assert.doesNotMatch(md, /NaN|undefined/);
  for (const f of ['training-curves.svg', 'training-curves.png', 'systems.svg', 'systems.png']) assert.ok(existsSync(path.join(exp, f)), f);
  // A re-run resumes: every stage is already done.
  const again = run('--stage', '6');
  assert.equal(again.status, 0);
  assert.match(again.stdout, /stage 6 \(eval\): already done, skipping/);
  assert.match(again.stdout, /stage 8 \(report\): already done, skipping/);
});
