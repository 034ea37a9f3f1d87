// Ctrl-C while Slurm jobs run (src/jobs/slurm.ts): the command cancels its jobs with scancel and
// dies of the signal, its output directory as it was. Runs everywhere: sbatch, squeue and scancel
// are small fakes on PATH (test/slurm/runner.test.ts does the same on a real Slurm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withOutputDir } from '../../src/store/output-dir.js';

/** A bin directory with fake sbatch (ids 1001, 1002, ...), squeue (every job RUNNING) and scancel (exit `scancelExit`). */
function fakeSlurm(dir: string, scancelExit: number): string {
  const bin = path.join(dir, 'bin');
  const scripts: Record<string, string> = {
    sbatch: `n=$(cat "$FAKE/next" 2>/dev/null || echo 1001); echo $((n + 1)) > "$FAKE/next"; echo $n >> "$FAKE/ids"; echo $n`,
    squeue: `for id in $(cat "$FAKE/ids" 2>/dev/null); do echo "$id|RUNNING"; done`,
    scancel: `echo "$@" >> "$FAKE/scancel.log"; [ ${scancelExit} -eq 0 ] || echo "scancel: error: Unable to contact slurm controller" >&2; exit ${scancelExit}`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { flag: 'w' });
    chmodSync(path.join(bin, name), 0o755);
  }
  return bin;
}

/** Run a command writing OUT through two Slurm jobs in a child process; send it `signal` once both are submitted. */
async function interrupt(dir: string, scancelExit: number, signal: NodeJS.Signals = 'SIGINT'): Promise<{ signal: NodeJS.Signals | null; stderr: string; out: string }> {
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  const bin = fakeSlurm(dir, scancelExit);
  const out = path.join(dir, 'out');
  await withOutputDir(out, { command: 'features' }, async (work) => writeFileSync(path.join(work, 'old'), 'earlier output\n'));
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const mod = new URL('./echo-job.ts', import.meta.url).href;
  const script = `const { createJobRunner } = await import(${url('../../src/jobs/runner.ts')});
const { withOutputDir } = await import(${url('../../src/store/output-dir.ts')});
const { writeFileSync } = await import('node:fs');
await withOutputDir(${JSON.stringify(out)}, { command: 'features' }, async (work) => {
  writeFileSync(work + '/old', 'half-written\\n');
  const runner = createJobRunner({ jobs: 2, backend: { kind: 'slurm', logDir: work + '/log', name: 'echo', maxPollMs: 200 } });
  await runner.run([1, 2].map((x) => ({ module: ${JSON.stringify(mod)}, fn: 'square', input: { x } })));
});`;
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  for (let i = 0; i < 600; i++) {
    const ids = existsSync(path.join(dir, 'ids')) ? readFileSync(path.join(dir, 'ids'), 'utf8').trim().split('\n') : [];
    if (ids.length === 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300)); // the runner is polling squeue
  child.kill(signal);
  return { signal: await exited, stderr, out };
}

test('SIGINT while Slurm jobs run cancels them with scancel; the output directory is unchanged', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slurm-cancel-'));
  try {
    const r = await interrupt(dir, 0);
    assert.equal(r.signal, 'SIGINT', `the command dies of the signal (stderr: ${r.stderr})`);
    assert.equal(readFileSync(path.join(dir, 'scancel.log'), 'utf8'), '1001 1002\n');
    assert.match(r.stderr, /^asr-distill: SIGINT: cancelled Slurm jobs 1001 1002 \(scancel\); the output directory is left as it was, rerun the command to start again\n$/);
    assert.equal(readFileSync(path.join(r.out, 'old'), 'utf8'), 'earlier output\n');
    assert.deepEqual(readdirSync(r.out).sort(), ['.asr-distill-output.json', 'old']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM does the same; when scancel fails, the command says which jobs to cancel by hand', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slurm-cancel-'));
  try {
    const r = await interrupt(dir, 1, 'SIGTERM');
    assert.equal(r.signal, 'SIGTERM');
    assert.match(r.stderr, /^asr-distill: SIGTERM: scancel of Slurm jobs 1001 1002 failed \(scancel: error: Unable to contact slurm controller\); cancel them by hand: scancel 1001 1002\n$/);
    assert.equal(readFileSync(path.join(r.out, 'old'), 'utf8'), 'earlier output\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
