// What a spilled pass hands its jobs (shard-pass.ts): stable scratch names, digests of what they
// read, the alignment rows they write. These make a Slurm rerun reuse its finished jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { concatGmmCorpora, fileSha256, makeGmmCorpus, newCorpusTids, withCorpusTids, withGmmScratch, type GmmCorpus } from '../../src/hmm/gmm-corpus.js';
import type { ShardInput, ShardResult } from '../../src/hmm/hmm-worker.js';
import { runPass, tidsRanges } from '../../src/hmm/shard-pass.js';
import type { GmmSet } from '../../src/hmm/gmm.js';
import type { TransitionModel } from '../../src/hmm/transition-model.js';
import type { JobRunner, JobSpec } from '../../src/jobs/runner.js';
import { withTmp } from './helpers.js';

/** A runner that records the specs and returns empty results (the pass's inputs are what is tested). */
function recordingRunner(reusesJobs = true): JobRunner & { specs: JobSpec<ShardInput>[] } {
  const r = {
    jobs: 1,
    reusesJobs,
    specs: [] as JobSpec<ShardInput>[],
    async run<I, O>(specs: JobSpec<I>[]): Promise<O[]> {
      r.specs = specs as unknown as JobSpec<ShardInput>[];
      return specs.map(() => ({ failed: [], retried: [], numFrames: 0, totLogLike: 0, stateCorrect: 0 }) satisfies ShardResult) as O[];
    },
    async close() {},
  };
  return r;
}

const utts = (n: number, frames: number[]) => frames.map((f, i) => ({ uttId: `${n}-${i}`, feats: new Float32Array(f * 2).fill(n + i), numFrames: f, slots: [] }));

test('tidsRanges: the int32 rows of the given utterances, adjacent ones merged', () => {
  const c = { offsets: Int32Array.of(0, 3, 5, 9), numFrames: Int32Array.of(3, 2, 4, 1) } as GmmCorpus;
  assert.deepEqual(tidsRanges(c, [0, 1, 3], '/t'), [
    { file: '/t', offset: 0, length: 20 },
    { file: '/t', offset: 36, length: 4 },
  ]);
  assert.deepEqual(tidsRanges(c, [], '/t'), []);
});

test('a spilled pass: scratch files named the same in a rerun; jobs carry the digests of what they read and declare the rows they write', async () => {
  await withTmp(async (dir) => {
    const run = () =>
      withGmmScratch(path.join(dir, 'out'), 4, async (storage) => {
        const corpus = await concatGmmCorpora([makeGmmCorpus(utts(1, [3, 2, 4]), 2)], storage);
        const tids = await newCorpusTids(corpus);
        assert.ok(!(tids instanceof Int32Array));
        const runner = recordingRunner();
        await runPass(runner, corpus, [0, 1, 2], {} as GmmSet, {} as TransitionModel, tids, { mode: 'viterbi', accumulate: false, shardsPerJob: 2 });
        const viterbi = runner.specs;
        await withCorpusTids(tids, (_, write) => write(0, Int32Array.of(1, 2, 3)));
        await runPass(runner, corpus, [0, 1, 2], {} as GmmSet, {} as TransitionModel, tids, { mode: 'fixed', accumulate: false, shardsPerJob: 2 });
        const fixed = runner.specs;
        // A runner that never reuses jobs (local workers): no digest, so no read of the whole alignment.
        const local = recordingRunner(false);
        await runPass(local, corpus, [0, 1, 2], {} as GmmSet, {} as TransitionModel, tids, { mode: 'fixed', accumulate: false, shardsPerJob: 2 });
        return { corpus, tids, viterbi, fixed, fixedLocal: local.specs, tidsSha: await fileSha256(tids.file) };
      });
    const a = await run();
    assert.equal(path.basename(a.corpus.featsFile!), 'gmm-feats.1.bin');
    assert.equal(path.basename(a.tids.file), 'tids.2.bin');
    assert.match(a.corpus.featsSha256 ?? '', /^[0-9a-f]{64}$/);
    // Two shards, each declaring its utterances' alignment rows; no digest of the alignment (not read).
    assert.deepEqual(
      a.viterbi.map((s) => s.writesInPlace),
      [[{ file: a.tids.file, offset: 0, length: 20 }], [{ file: a.tids.file, offset: 20, length: 16 }]],
    );
    assert.ok(a.viterbi.every((s) => s.input.featsSha256 === a.corpus.featsSha256 && s.input.tidsSha256 === undefined));
    // A fixed pass reads the alignment: its digest is in the input, and nothing is written.
    assert.ok(a.fixed.every((s) => s.input.tidsSha256 === a.tidsSha && s.writesInPlace === undefined));
    assert.deepEqual(
      a.fixedLocal.map((s) => s.input),
      a.fixed.map(({ input: { tidsSha256, ...rest } }) => rest),
    );
    // The same command again: the same names and digests, so the same job specs.
    const b = await run();
    assert.deepEqual(b.viterbi, a.viterbi);
    assert.deepEqual(b.fixed, a.fixed);
  });
});
