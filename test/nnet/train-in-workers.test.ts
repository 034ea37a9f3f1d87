import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createJobRunner } from '../../src/jobs/runner.js';
import { siblingModuleUrl } from '../../src/jobs/module-url.js';
import { trainTiny } from './train-job.js';

test('trainModel runs in parallel worker threads, each with its own wasm backend, with the same result as in this thread', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'workers-'));
  const runner = createJobRunner({ jobs: 2, backend: 'local' });
  try {
    const specs = [1, 2].map((seed) => ({
      module: siblingModuleUrl(import.meta.url, 'train-job'),
      fn: 'trainTiny',
      input: { seed, outDir: path.join(dir, `w${seed}`), backend: 'wasm' as const },
    }));
    const inWorkers = await runner.run<(typeof specs)[0]['input'], Awaited<ReturnType<typeof trainTiny>>>(specs);
    assert.deepEqual(inWorkers.map((r) => r.backend), ['wasm', 'wasm']);
    assert.notDeepEqual(inWorkers[0].W, inWorkers[1].W, 'different seeds, different members');
    const here = await trainTiny({ seed: 1, outDir: path.join(dir, 'here'), backend: 'wasm' });
    assert.deepEqual(here.W, inWorkers[0].W);
    assert.ok(inWorkers.every((r) => r.devAcc > 0.6), `dev accuracies ${inWorkers.map((r) => r.devAcc)}`);
  } finally {
    await runner.close();
  }
});
