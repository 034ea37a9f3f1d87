// recipes/lib/stages.sh's run_stage (the stage runner of every recipe): the stage runs in the
// recipe's shell, its output goes to the terminal and its log, the log ends with its wall and CPU
// seconds, and a done stage is skipped. Bash only, no CLI: well under a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function runStages(exp: string, body: string) {
  const script = `set -euo pipefail; root=$1; recipe=t; stage=0; stop_stage=5; exp=$2; . "$root/recipes/lib/stages.sh"\n${body}`;
  return spawnSync('bash', ['-c', script, 'bash', root, exp], { encoding: 'utf8' });
}

test('run_stage: output to the terminal and the log, CPU seconds logged, variables kept, done stages skipped', () => {
  const exp = mkdtempSync(path.join(os.tmpdir(), 'asr-stages-'));
  // A stage that burns a little CPU in a child (awk), writes to both streams and sets a variable.
  const body = `work() { awk 'BEGIN { for (i = 0; i < 3e6; i++) s += i; print "sum", s }'; echo oops >&2; made=yes; }
run_stage 1 work work
echo "made=$made"
run_stage 1 work work
run_stage 7 late work`;
  const r = runStages(exp, body);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /sum \d/);
  assert.match(r.stdout, /made=yes/);
  assert.match(r.stderr, /^oops$/m);
  assert.doesNotMatch(r.stdout, /oops/);
  const log = readFileSync(path.join(exp, 'log', '1-work.log'), 'utf8');
  assert.match(log, /sum \d/);
  assert.match(log, /oops/);
  const cpu = /stage 1 \(work\): done in \d+ s wall, (\d+\.\d{3}) s user \+ (\d+\.\d{3}) s sys CPU\n$/.exec(log);
  assert.ok(cpu, log);
  assert.ok(Number(cpu[1]) + Number(cpu[2]) > 0, 'the awk child counts');
  assert.ok(!existsSync(path.join(exp, 'log', '1-work.log.cpu')));
  // The second call skips (marker), stage 7 is past --stop-stage.
  assert.match(r.stdout, /stage 1 \(work\): already done, skipping/);
  assert.equal(r.stdout.match(/sum \d/g)?.length, 1);
  assert.ok(!existsSync(path.join(exp, 'log', '7-late.log')));
});

test('run_stage: a failing stage stops the recipe, is not marked done, and its log keeps the error', () => {
  const exp = mkdtempSync(path.join(os.tmpdir(), 'asr-stages-'));
  const r = runStages(exp, `fail() { echo "bad input" >&2; return 3; }\nrun_stage 2 fail fail\necho after`);
  assert.notEqual(r.status, 0);
  assert.doesNotMatch(r.stdout, /after/);
  assert.ok(!existsSync(path.join(exp, '.done', '2-fail')));
  assert.match(readFileSync(path.join(exp, 'log', '2-fail.log'), 'utf8'), /bad input/);
});

test('same_settings: the first run records the settings, the same ones pass, other ones are refused with what to do', () => {
  const exp = mkdtempSync(path.join(os.tmpdir(), 'asr-stages-'));
  const first = runStages(exp, `same_settings "size=tiny seed=7"; echo ok`);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(readFileSync(path.join(exp, '.done', 'settings'), 'utf8'), 'size=tiny seed=7\n');
  assert.match(runStages(exp, `same_settings "size=tiny seed=7"; echo ok`).stdout, /^ok$/m);
  const other = runStages(exp, `same_settings "size=tiny seed=8"; echo ok`);
  assert.equal(other.status, 2);
  assert.doesNotMatch(other.stdout, /ok/);
  assert.match(other.stderr, /there: +size=tiny seed=7\n +this run: size=tiny seed=8\nGive another --exp DIR/);
  assert.equal(readFileSync(path.join(exp, '.done', 'settings'), 'utf8'), 'size=tiny seed=7\n');
});
