import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobRunner, defaultJobs } from '../../src/jobs/runner.js';
import { siblingModuleUrl } from '../../src/jobs/module-url.js';
import { isInputError } from '../../src/errors.js';

const mod = siblingModuleUrl(import.meta.url, 'echo-job');

for (const backend of ['local', 'inline'] as const) {
  test(`${backend} runner returns results in spec order and relays progress messages`, async () => {
    const runner = createJobRunner({ jobs: 2, backend });
    try {
      const msgs: [number, unknown][] = [];
      const done: number[] = [];
      const out = await runner.run<{ x: number }, number>(
        [1, 2, 3, 4].map((x) => ({ module: mod, fn: 'square', input: { x } })),
        { onMessage: (i, m) => msgs.push([i, m]), onResult: (i) => done.push(i) },
      );
      assert.deepEqual(out, [1, 4, 9, 16]);
      assert.deepEqual(done.sort(), [0, 1, 2, 3]);
      assert.equal(msgs.length, 4);
      assert.deepEqual(msgs.find(([i]) => i === 2)?.[1], { step: 'half', x: 3 });
    } finally {
      await runner.close();
    }
  });

  test(`${backend} runner keeps InputError messages and marks bugs with the job`, async () => {
    const runner = createJobRunner({ jobs: 1, backend });
    try {
      await assert.rejects(runner.run([{ module: mod, fn: 'failInput', input: { utt: 'u1' } }]), (e: unknown) => {
        assert.ok(isInputError(e));
        assert.equal((e as Error).message, 'utt u1: bad audio');
        return true;
      });
      await assert.rejects(runner.run([{ module: mod, fn: 'failBug', input: {} }]), (e: unknown) => {
        assert.ok(!isInputError(e));
        assert.match((e as Error).stack ?? '', /in job 0: failBug/);
        return true;
      });
      await assert.rejects(runner.run([{ module: mod, fn: 'nope', input: {} }]), /has no exported function nope/);
    } finally {
      await runner.close();
    }
  });
}

test('inThreadWhenSingle: one local job at a time runs in this thread, two in worker threads', async () => {
  for (const [jobs, expected] of [[1, true], [2, false]] as const) {
    const runner = createJobRunner({ jobs, inThreadWhenSingle: true });
    try {
      assert.deepEqual(await runner.run([{ module: mod, fn: 'inMainThread', input: {} }]), [expected], `jobs ${jobs}`);
    } finally {
      await runner.close();
    }
  }
});

test('defaultJobs is at least one', () => {
  assert.ok(defaultJobs() >= 1);
});
