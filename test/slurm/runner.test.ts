// The Slurm backend of the job runner (src/jobs/slurm.ts) on a real Slurm: the same results,
// progress messages and shared-memory writes as local worker threads; in-place file writes copied
// back only for reused jobs; failed and cancelled jobs reported with their log and Slurm state; a
// rerun submits only the unfinished jobs.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createJobRunner, type JobSpec, type RunnerBackend } from '../../src/jobs/runner.js';
import { siblingModuleUrl } from '../../src/jobs/module-url.js';
import type { JobSpecFile } from '../../src/jobs/job-files.js';
import { isInputError } from '../../src/errors.js';
import { slurmSkipReason } from './slurm-available.js';

const skip = slurmSkipReason();
const mod = siblingModuleUrl(new URL('../jobs/x.ts', import.meta.url).href, 'echo-job');

function slurm(logDir: string, name = 'echo'): RunnerBackend {
  return { kind: 'slurm', logDir, name, maxPollMs: 500 };
}

test('Slurm jobs give the local results, progress messages and shared-memory writes', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slurm-runner-'));
  try {
    const shared = (n: number) => new Int32Array(new SharedArrayBuffer(4 * n));
    const big = Float32Array.from({ length: 1 << 19 }, (_, i) => i / 7); // 2 MiB: passed as a blob file
    const outs: { values: unknown[]; msgs: unknown[]; shared: Int32Array }[] = [];
    for (const backend of ['local', slurm(path.join(dir, 'log'))] as RunnerBackend[]) {
      const runner = createJobRunner({ jobs: 2, backend });
      try {
        const msgs: unknown[] = [];
        const sq = await runner.run<{ x: number }, number>([1, 2, 3].map((x) => ({ module: mod, fn: 'square', input: { x } })), {
          onMessage: (i, m) => msgs.push([i, m]),
        });
        const out = shared(5);
        const specs: JobSpec[] = [0, 3, 4].map((at) => ({ module: mod, fn: 'writeShared', input: { out, at, value: 100 + at, big } }));
        const read = await runner.run<unknown, number>(specs);
        outs.push({ values: [...sq, ...read], msgs: msgs.sort((a, b) => (a as number[])[0] - (b as number[])[0]), shared: out });
      } finally {
        await runner.close();
      }
    }
    assert.deepEqual(outs[1].values, outs[0].values);
    assert.deepEqual(outs[0].values, [1, 4, 9, 0, 3 / 7, 4 / 7].map((x, i) => (i < 3 ? x : Math.fround(x))));
    assert.deepEqual(outs[1].msgs, outs[0].msgs);
    assert.deepEqual([...outs[1].shared], [100, 0, 0, 103, 104]);
    assert.deepEqual([...outs[1].shared], [...outs[0].shared]);
    // Logs where the issue says, a spec per job; inputs removed after success, blobs by close().
    assert.match(readFileSync(path.join(dir, 'log', 'echo.2.log'), 'utf8'), /# echo\.2: square .* done in/s);
    const spec = JSON.parse(readFileSync(path.join(dir, 'log', 'q', 'echo-2.1.json'), 'utf8')) as JobSpecFile;
    assert.equal(spec.fn, 'writeShared');
    assert.equal(spec.blobs.length, 2);
    assert.ok(spec.blobs.every((b) => !existsSync(b.file)) && !existsSync(spec.input));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in-place writes: a job run now leaves its rows as it wrote them; a reused job has them written back from its result', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slurm-runner-'));
  const file = path.join(dir, 'tids.bin');
  const specs: JobSpec[] = [{ module: mod, fn: 'writeInPlace', input: { file, offset: 2, bytes: Uint8Array.of(7, 8, 9) }, writesInPlace: [{ file, offset: 2, length: 3 }] }];
  // What this process opens `file` for writing with: the runner's copy of a job's in-place writes.
  const open = mock.method(fsp, 'open');
  const rewrites = () => open.mock.calls.filter((c) => c.arguments[0] === file && c.arguments[1] === 'r+').length;
  try {
    writeFileSync(file, new Uint8Array(8));
    assert.deepEqual(await createJobRunner({ jobs: 1, backend: slurm(dir) }).run(specs), [3]);
    assert.deepEqual([...readFileSync(file)], [0, 0, 7, 8, 9, 0, 0, 0]);
    assert.equal(rewrites(), 0, 'the job wrote its rows itself: not written again');
    // The rerun's scratch file is made afresh: the reused job's rows come from its result.
    writeFileSync(file, new Uint8Array(8));
    assert.deepEqual(await createJobRunner({ jobs: 1, backend: slurm(dir) }).run(specs), [3]);
    assert.deepEqual([...readFileSync(file)], [0, 0, 7, 8, 9, 0, 0, 0]);
    assert.equal(rewrites(), 1);
  } finally {
    open.mock.restore();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a job that throws fails the run with its message and log path', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slurm-runner-'));
  const runner = createJobRunner({ jobs: 1, backend: slurm(dir) });
  try {
    await assert.rejects(runner.run([{ module: mod, fn: 'failInput', input: { utt: 'u1' } }]), (e: unknown) => {
      assert.ok(isInputError(e));
      assert.match((e as Error).message, new RegExp(`^utt u1: bad audio \\(Slurm job \\d+ echo\\.1; log ${path.join(dir, 'echo.1.log')}\\)$`));
      return true;
    });
    await assert.rejects(runner.run([{ module: mod, fn: 'failBug', input: {} }]), (e: unknown) => {
      assert.ok(!isInputError(e));
      assert.match((e as Error).stack ?? '', /TypeError: boom\n {4}\(in Slurm job \d+: echo-2\.1, failBug; log .*echo-2\.1\.log\)/);
      return true;
    });
    assert.match(readFileSync(path.join(dir, 'echo-2.1.log'), 'utf8'), /echo-2\.1: failed after .* TypeError: boom/s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cancelled job is reported with its Slurm state; the rerun submits only that job', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slurm-runner-'));
  const hold = path.join(dir, 'hold');
  writeFileSync(hold, '');
  const specs: JobSpec[] = [
    { module: mod, fn: 'square', input: { x: 2 } },
    { module: mod, fn: 'squareWhenReleased', input: { x: 3, holdFile: hold } },
  ];
  const specFile = (job: number) => JSON.parse(readFileSync(path.join(dir, 'q', `echo.${job}.json`), 'utf8')) as JobSpecFile;
  try {
    const first = createJobRunner({ jobs: 2, backend: slurm(dir) });
    const run = first.run(specs);
    // Cancel job 2 once it runs (the first job finishes meanwhile).
    const rejected = assert.rejects(run, (e: unknown) => {
      assert.ok(isInputError(e));
      assert.match((e as Error).message, /^Slurm job \d+ \(echo\.2, squareWhenReleased\) ended without a result: CANCELLED.*; see .*echo\.2\.log\. Rerun the same command/);
      return true;
    });
    for (let i = 0; i < 600; i++) {
      const id = existsSync(path.join(dir, 'q', 'echo.2.json')) ? specFile(2).slurmJobId : undefined;
      const state = id ? spawnSync('squeue', ['--noheader', '--jobs', id, '--format=%T'], { encoding: 'utf8' }).stdout.trim() : '';
      if (state === 'RUNNING') {
        spawnSync('scancel', [id!]);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await rejected;
    const firstIds = [specFile(1).slurmJobId, specFile(2).slurmJobId];
    rmSync(hold);
    const second = createJobRunner({ jobs: 2, backend: slurm(dir) });
    assert.deepEqual(await second.run(specs), [4, 9]);
    assert.equal(specFile(1).slurmJobId, firstIds[0], 'the finished job was not submitted again');
    assert.notEqual(specFile(2).slurmJobId, firstIds[1], 'the cancelled job was');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rerun after the command was killed waits for its job still running instead of submitting it again', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slurm-runner-'));
  const hold = path.join(dir, 'hold');
  writeFileSync(hold, '');
  const specs: JobSpec[] = [{ module: mod, fn: 'squareWhenReleased', input: { x: 5, holdFile: hold } }];
  const specFile = path.join(dir, 'q', 'echo.1.json');
  try {
    // The command: a separate node process, killed once its job runs.
    const runnerUrl = new URL('../../src/jobs/runner.ts', import.meta.url).href;
    const script = `const { createJobRunner } = await import(${JSON.stringify(runnerUrl)});
await createJobRunner({ jobs: 1, backend: ${JSON.stringify(slurm(dir))} }).run(${JSON.stringify(specs)});`;
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { stdio: 'ignore' });
    let id: string | undefined;
    for (let i = 0; i < 600 && !id; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const s = existsSync(specFile) ? (JSON.parse(readFileSync(specFile, 'utf8')) as JobSpecFile).slurmJobId : undefined;
      if (s && spawnSync('squeue', ['--noheader', '--jobs', s, '--format=%T'], { encoding: 'utf8' }).stdout.trim() === 'RUNNING') id = s;
    }
    assert.ok(id, 'the job started');
    child.kill('SIGKILL');
    const rerun = createJobRunner({ jobs: 1, backend: slurm(dir) }).run<unknown, number>(specs);
    setTimeout(() => rmSync(hold), 1000);
    assert.deepEqual(await rerun, [25]);
    assert.equal((JSON.parse(readFileSync(specFile, 'utf8')) as JobSpecFile).slurmJobId, id, 'the same Slurm job');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C of the command cancels its queued and running Slurm jobs (scancel)', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slurm-runner-'));
  const hold = path.join(dir, 'hold');
  writeFileSync(hold, '');
  const specs: JobSpec[] = [1, 2].map((x) => ({ module: mod, fn: 'squareWhenReleased', input: { x, holdFile: hold } }));
  const specFile = (job: number) => path.join(dir, 'q', `echo.${job}.json`);
  const stateOf = (id: string) => spawnSync('squeue', ['--noheader', '--states=all', '--jobs', id, '--format=%T'], { encoding: 'utf8' }).stdout.trim();
  try {
    const runnerUrl = new URL('../../src/jobs/runner.ts', import.meta.url).href;
    const script = `const { createJobRunner } = await import(${JSON.stringify(runnerUrl)});
await createJobRunner({ jobs: 2, backend: ${JSON.stringify(slurm(dir))} }).run(${JSON.stringify(specs)});`;
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
    let ids: string[] = [];
    for (let i = 0; i < 600 && ids.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ids = [1, 2].flatMap((j) => (existsSync(specFile(j)) ? [(JSON.parse(readFileSync(specFile(j), 'utf8')) as JobSpecFile).slurmJobId ?? []].flat() : []));
    }
    assert.equal(ids.length, 2, 'both jobs were submitted');
    // Let one of them start (the one-node Slurm may keep the other pending).
    for (let i = 0; i < 600 && !ids.some((id) => stateOf(id) === 'RUNNING'); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    assert.equal(await exited, 'SIGINT');
    assert.match(stderr, new RegExp(`asr-distill: SIGINT: cancelled Slurm jobs ${ids.join(' ')} \\(scancel\\)`));
    // A cancelled running job passes through COMPLETING while slurmd kills its processes; on a
    // loaded machine that lasted over 10 s in CI. Wait for the end state, then accept COMPLETING
    // (cancelled, still being torn down) as long as no job ever wrote its result.
    const ended = (s: string) => s === '' || s === 'CANCELLED';
    let states: string[] = [];
    for (let i = 0; i < 600; i++) {
      states = ids.map(stateOf);
      if (states.every(ended)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(states.every((s) => ended(s) || s === 'COMPLETING'), `jobs ${ids.join(' ')} still ${states.join(' ')}`);
    assert.deepEqual([1, 2].filter((j) => existsSync(path.join(dir, 'q', `echo.${j}.result.v8`))), [], 'no cancelled job wrote its result');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
