// A corpus over the in-memory budget (--max-memory-frames) is trained and aligned from scratch
// files read utterance by utterance (gmm-corpus.ts, corpus-rows.ts): the same bytes as in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { alignData } from '../../src/hmm/align.js';
import { readAlignments } from '../../src/hmm/ali-archive.js';
import { corpusAlignment, readAliSet, withCorpusAli } from '../../src/hmm/corpus-ali.js';
import { GMM_SCRATCH_DIR, type GmmCorpus } from '../../src/hmm/gmm-corpus.js';
import { trainMono } from '../../src/hmm/train-mono.js';
import { trainTri } from '../../src/hmm/train-tri.js';
import { writeFileCorpus } from './file-corpus.js';
import { withTmp } from './helpers.js';

async function sameFiles(a: string, b: string, names: string[]): Promise<void> {
  for (const n of names) assert.ok((await readFile(path.join(a, n))).equals(await readFile(path.join(b, n))), `${n} differs between ${a} and ${b}`);
}

test('train-mono, align and train-tri over the memory budget (scratch files) write the same bytes as in memory', async () => {
  await withTmp(async (dir) => {
    const c = await writeFileCorpus(dir, 12, 3, { rightContextEffect: 2 });
    const common = { jobs: 1, backend: 'inline' as const, quiet: true, iters: 3, totalGauss: 60 };
    const at = (n: string) => path.join(dir, n);
    const notes: string[] = [];
    await trainMono(c.dataDir, c.featsDir, c.lang.dir, at('mono-mem'), common);
    await trainMono(c.dataDir, c.featsDir, c.lang.dir, at('mono-disk'), { ...common, maxMemoryFrames: 1, log: (l) => notes.push(l) });
    assert.match(notes.join('\n'), /over the in-memory budget of 1; the GMM features go to a scratch file/);
    await sameFiles(at('mono-mem'), at('mono-disk'), ['gmm.json', 'transition-model.json', 'failed']);
    assert.ok(!(await readdir(at('mono-disk'))).includes(GMM_SCRATCH_DIR), 'the scratch directory is removed');

    await alignData(c.dataDir, c.featsDir, c.lang.dir, at('mono-mem'), at('ali-mem'), { jobs: 1, backend: 'inline' as const, quiet: true });
    await alignData(c.dataDir, c.featsDir, c.lang.dir, at('mono-mem'), at('ali-disk'), { jobs: 1, backend: 'inline' as const, quiet: true, maxMemoryFrames: 1 });
    await sameFiles(at('ali-mem'), at('ali-disk'), ['ali.arrow', 'ali.json', 'failed']);
    assert.ok(!(await readdir(at('ali-disk'))).includes(GMM_SCRATCH_DIR));

    const tri = { ...common, numLeaves: 30, realignIters: [1], tree: { thresh: 10, minLeafCount: 5 } };
    await trainTri(c.dataDir, c.featsDir, c.lang.dir, at('ali-mem'), at('tri-mem'), tri);
    const triNotes: string[] = [];
    await trainTri(c.dataDir, c.featsDir, c.lang.dir, at('ali-mem'), at('tri-disk'), { ...tri, maxMemoryFrames: 1, log: (l) => triNotes.push(l) });
    assert.match(triNotes.join('\n'), /train-tri: the alignment is over the in-memory budget; it is read from a scratch file/);
    await sameFiles(at('tri-mem'), at('tri-disk'), ['gmm.json', 'transition-model.json', 'tree', 'failed']);
  });
});

test('an input alignment over the budget is streamed into a scratch file and read back utterance by utterance, the same alignments', async () => {
  await withTmp(async (dir) => {
    const c = await writeFileCorpus(dir, 6, 2);
    const common = { jobs: 1, backend: 'inline' as const, quiet: true };
    await trainMono(c.dataDir, c.featsDir, c.lang.dir, path.join(dir, 'mono'), { ...common, iters: 2, totalGauss: 20 });
    const aliDir = path.join(dir, 'ali');
    await alignData(c.dataDir, c.featsDir, c.lang.dir, path.join(dir, 'mono'), aliDir, common);
    const whole = await readAlignments(aliDir);
    const inMemory = await readAliSet([aliDir], { scratchDir: path.join(dir, 's'), maxMemoryFrames: whole.info.numFrames });
    assert.equal(inMemory.alis?.size, whole.alis.size);
    const spilled = await readAliSet([aliDir], { scratchDir: path.join(dir, 's'), maxMemoryFrames: whole.info.numFrames - 1 });
    assert.equal(spilled.alis, undefined, 'over the budget only the frame counts are kept');
    assert.deepEqual([...spilled.numFrames], [...whole.alis].map(([u, a]) => [u, a.pdfIds.length]));
    // A corpus of every other utterance, in reverse order: rows need not follow ali.arrow's order.
    const ids = [...whole.alis.keys()].filter((_, k) => k % 2 === 0).reverse();
    const numFrames = Int32Array.from(ids.map((u) => spilled.numFrames.get(u)!));
    const offsets = new Int32Array(ids.length);
    for (let i = 1; i < ids.length; i++) offsets[i] = offsets[i - 1] + numFrames[i - 1];
    const corpus = { uttIds: ids, numFrames, offsets, totalFrames: numFrames.reduce((a, b) => a + b, 0) } as GmmCorpus;
    const file = await corpusAlignment(corpus, spilled, { scratchDir: path.join(dir, 's') });
    assert.ok(!(file instanceof Map));
    withCorpusAli(corpus, file, (get) => ids.forEach((u, i) => assert.deepEqual(get(i), whole.alis.get(u))));
    assert.equal(await corpusAlignment(corpus, inMemory, {}), inMemory.alis, 'in memory: the map itself');
  });
});
