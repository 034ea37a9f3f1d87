import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { aliAccuracy } from '../../src/hmm/ali-accuracy.js';
import { readAlignments } from '../../src/hmm/ali-archive.js';
import { alignData } from '../../src/hmm/align.js';
import { treePdf } from '../../src/hmm/decision-tree.js';
import { readGmmModel } from '../../src/hmm/gmm-model.js';
import { trainMono } from '../../src/hmm/train-mono.js';
import { trainTri } from '../../src/hmm/train-tri.js';
import { readTree } from '../../src/hmm/tree-format.js';
import { writeFileCorpus } from './file-corpus.js';
import { withTmp } from './helpers.js';

test('train-tri on a tiny corpus whose phones depend on their right neighbour: the tree asks about it, likelihood beats the monophone model, a CD model aligns', async () => {
  await withTmp(async (dir) => {
    const c = await writeFileCorpus(dir, 40, 7, { rightContextEffect: 2 });
    const mono = path.join(dir, 'mono');
    const common = { jobs: 1, backend: 'inline' as const, quiet: true };
    const m = await trainMono(c.dataDir, c.featsDir, c.lang.dir, mono, { ...common, iters: 8, totalGauss: 100 });
    const monoAli = path.join(dir, 'mono_ali');
    await alignData(c.dataDir, c.featsDir, c.lang.dir, mono, monoAli, { ...common, stateAccuracy: false });
    const tri = path.join(dir, 'tri');
    const lines: string[] = [];
    // 6 iterations, so the last Gaussian splits are re-estimated before the likelihoods are compared.
    const r = await trainTri(c.dataDir, c.featsDir, c.lang.dir, monoAli, tri, { ...common, numLeaves: 80, totalGauss: 200, iters: 6, realignIters: [2], tree: { thresh: 50, minLeafCount: 10 }, log: (l) => lines.push(l) });
    // More tied states than monophone states; the model and tree on disk agree.
    assert.ok(r.numLeaves > m.gmm.numPdfs, `${r.numLeaves} tied states`);
    assert.ok(r.numLeaves <= 80);
    const model = await readGmmModel(tri);
    assert.equal(model.transitionModel.numPdfs, r.numLeaves);
    const tree = await readTree(path.join(tri, 'tree'), c.lang.phones);
    assert.deepEqual(tree.roots, model.transitionModel.tree!.roots);
    // The data depend on the right phone in the last state: some last-state tree splits on it.
    const lastStateSplitsRight = c.lang.phones.some((_, p) => {
      const root = tree.roots[p]?.[2];
      return !!root && !('pdf' in root) && root.key === 'right';
    });
    assert.ok(lastStateSplitsRight, 'no last-state tree asks about the right phone');
    // Silence stays context-independent.
    const sil = c.lang.phoneIds.get('SIL')!;
    assert.ok(tree.roots[sil]!.every((n) => 'pdf' in n));
    assert.equal(treePdf(tree, 3, sil, 4, 0), treePdf(tree, 5, sil, 0, 0));
    // Likelihood per frame rises over the iterations and beats the final monophone model's.
    const ll = r.iterations.map((i) => i.avgLogLike);
    assert.ok(ll[ll.length - 1] > ll[0], ll.join(' '));
    assert.ok(ll[ll.length - 1] > m.iterations[m.iterations.length - 1].avgLogLike, `${ll} vs mono ${m.iterations[m.iterations.length - 1].avgLogLike}`);
    assert.match(lines.join('\n'), /tree: \d+ splits, \d+ leaves tied by clustering, \d+ tied states/);
    assert.match(await readFile(path.join(tri, 'log', 'train-tri.log'), 'utf8'), /iter 3: accumulate; avg log-likelihood per frame/);
    assert.match(await readFile(path.join(tri, 'failed'), 'utf8'), new RegExp(`^${c.bad.oov} `, 'm'));
    // Align with the triphone model: tied-state pdf ids, phones and boundaries as good as the monophone alignment's.
    const triAli = path.join(dir, 'tri_ali');
    const s = await alignData(c.dataDir, c.featsDir, c.lang.dir, tri, triAli, common);
    assert.ok(s.numUtts >= 38);
    const { alis, info } = await readAlignments(triAli);
    assert.equal(info.numPdfs, r.numLeaves);
    const used = new Set<number>();
    for (const a of alis.values()) for (const p of a.pdfIds) used.add(p);
    assert.ok(used.size > m.gmm.numPdfs, `${used.size} pdfs used`);
    const accMono = await aliAccuracy(monoAli, c.refCtm);
    const accTri = await aliAccuracy(triAli, c.refCtm);
    assert.ok(accTri.frames.share >= accMono.frames.share - 0.01, `tri ${accTri.frames.share} mono ${accMono.frames.share}`);
  });
});

test('train-tri refuses an alignment made with other phones', async () => {
  await withTmp(async (dir) => {
    const a = await writeFileCorpus(path.join(dir, 'a'), 3);
    const b = await writeFileCorpus(path.join(dir, 'b'), 3, 5, { extraLexicon: 'ab AA B\n' });
    const mono = path.join(dir, 'mono');
    const common = { jobs: 1, backend: 'inline' as const, quiet: true };
    await trainMono(a.dataDir, a.featsDir, a.lang.dir, mono, { ...common, iters: 2, totalGauss: 50 });
    await alignData(a.dataDir, a.featsDir, a.lang.dir, mono, path.join(dir, 'ali'), { ...common, stateAccuracy: false });
    await assert.rejects(trainTri(b.dataDir, b.featsDir, b.lang.dir, path.join(dir, 'ali'), path.join(dir, 'tri'), { ...common, numLeaves: 50, totalGauss: 100 }), /phones.txt differs from .*ali\/lang\/phones.txt/);
  });
});

test('train-tri --extra: another set and its alignment by the same model join the tree statistics and training', async () => {
  await withTmp(async (dir) => {
    const a = await writeFileCorpus(path.join(dir, 'a'), 6, 5, { uttTag: 'a' });
    const b = await writeFileCorpus(path.join(dir, 'b'), 5, 6, { uttTag: 'b' });
    const mono = path.join(dir, 'mono');
    const common = { jobs: 1, backend: 'inline' as const, quiet: true };
    await trainMono(a.dataDir, a.featsDir, a.lang.dir, mono, { ...common, iters: 2, totalGauss: 50 });
    const aliA = path.join(dir, 'ali_a');
    const aliB = path.join(dir, 'ali_b');
    await alignData(a.dataDir, a.featsDir, a.lang.dir, mono, aliA, { ...common, stateAccuracy: false });
    await alignData(b.dataDir, b.featsDir, a.lang.dir, mono, aliB, { ...common, stateAccuracy: false });
    const nA = (await readAlignments(aliA)).alis.size;
    const nB = (await readAlignments(aliB)).alis.size;
    const lines: string[] = [];
    const opts = { ...common, numLeaves: 30, totalGauss: 60, iters: 2, realignIters: [], tree: { thresh: 10, minLeafCount: 5 }, log: (l: string) => lines.push(l) };
    const r = await trainTri(a.dataDir, a.featsDir, a.lang.dir, aliA, path.join(dir, 'tri'), { ...opts, extra: [{ dataDir: b.dataDir, featsDir: b.featsDir, aliDir: aliB }] });
    assert.match(lines.join('\n'), new RegExp(`train-tri: ${nA + nB} utterances, `));
    assert.ok(r.numLeaves > 0);
    // The extra set's alignment must come from the model of ALI_DIR, and utterance ids must not repeat.
    await assert.rejects(trainTri(a.dataDir, a.featsDir, a.lang.dir, aliA, path.join(dir, 'tri2'), { ...opts, extra: [{ dataDir: a.dataDir, featsDir: a.featsDir, aliDir: aliA }] }), /utterance .* is also in .*ali_a; the extra sets must not share utterance ids/);
    const other = path.join(dir, 'ali_other');
    await cp(aliB, other, { recursive: true });
    const tmFile = path.join(other, 'transition-model.json');
    const tm = JSON.parse(await readFile(tmFile, 'utf8'));
    tm.phones[1].states[0].arcs[0].logProb -= 0.01;
    await writeFile(tmFile, JSON.stringify(tm));
    await assert.rejects(trainTri(a.dataDir, a.featsDir, a.lang.dir, aliA, path.join(dir, 'tri2'), { ...opts, extra: [{ dataDir: b.dataDir, featsDir: b.featsDir, aliDir: other }] }), /ali_other: not aligned with the model of .*ali_a; align .* with the same model/);
  });
});
