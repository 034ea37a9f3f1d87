import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTree, nodePdfs, treePdf } from '../../src/hmm/decision-tree.js';
import { gaussLogLike, type GaussStats, type TriphoneEntry, type TriphoneStats } from '../../src/hmm/triphone-stats.js';

/** Exact statistics of `n` frames with the given mean and variance per dimension. */
function gs(n: number, mean: number[], variance = mean.map(() => 1)): GaussStats {
  return { count: n, sum: Float64Array.from(mean, (m) => n * m), sumSq: Float64Array.from(mean, (m, d) => n * (variance[d] + m * m)) };
}

// Phones: 0 <eps>, 1 SIL (context-independent, 1 state here), 2 A, 3 B, 4 C, 5 D (1 state each).
const numStates = (p: number) => (p === 0 ? 0 : 1);
const entry = (left: number, phone: number, right: number, stats: GaussStats): TriphoneEntry => ({ left, phone, right, state: 0, stats });

/** A's frames depend on its right phone only: B or C -> mean 0, D -> mean 4; its left phone does not matter. */
function stats(dCount = 100): TriphoneStats {
  const entries: TriphoneEntry[] = [];
  for (const left of [3, 4, 5]) {
    entries.push(entry(left, 2, 3, gs(100, [0, 0])), entry(left, 2, 4, gs(100, [0, 0])), entry(left, 2, 5, gs(dCount, [4, 0])));
  }
  entries.push(entry(0, 1, 0, gs(500, [-3, 1])), entry(2, 3, 2, gs(200, [1, 1])));
  return { dim: 2, entries };
}
const questions = [[3, 4, 5], [3, 4], [5], [1]];

test('buildTree: the known best split (right phone in {B, C}) is found and its gain is the likelihood difference', () => {
  const r = buildTree(stats(), questions, 6, numStates, { numLeaves: 6, thresh: 10 });
  const a = r.tree.roots[2]![0];
  assert.ok(!('pdf' in a));
  assert.deepEqual([a.key, a.question], ['right', 1]);
  assert.equal(r.numSplits, 1);
  assert.equal(r.tree.numPdfs, 6); // 5 roots + 1 split
  assert.notEqual(treePdf(r.tree, 3, 2, 5, 0), treePdf(r.tree, 3, 2, 3, 0));
  assert.equal(treePdf(r.tree, 5, 2, 3, 0), treePdf(r.tree, 4, 2, 4, 0));
  // Gain = LL(yes) + LL(no) - LL(all) for A's statistics.
  const yes = gaussLogLike(gs(600, [0, 0]));
  const no = gaussLogLike(gs(300, [4, 0]));
  const all = gaussLogLike({ count: 900, sum: Float64Array.from([1200, 0]), sumSq: Float64Array.from([600 + 300 * 17, 900]) });
  assert.ok(Math.abs(r.gain - (yes + no - all)) < 1e-6);
  // pdf statistics and occupancy follow the leaves.
  assert.equal(r.tree.occupancy[treePdf(r.tree, 3, 2, 5, 0)], 300);
  assert.equal(r.pdfStats[treePdf(r.tree, 3, 2, 3, 0)].count, 600);
  // Roots without statistics get one leaf; pdfs are numbered root by root.
  assert.deepEqual(nodePdfs(r.tree.roots[1]![0]), [0]);
  assert.equal(r.tree.occupancy[treePdf(r.tree, 0, 5, 0, 0)], 0);
  assert.equal(r.tree.roots[0], null);
});

test('buildTree: --num-leaves, --thresh and the minimum leaf count stop the growth', () => {
  assert.equal(buildTree(stats(), questions, 6, numStates, { numLeaves: 5, thresh: 10 }).numSplits, 0);
  assert.equal(buildTree(stats(), questions, 6, numStates, { numLeaves: 100, thresh: 1e9 }).numSplits, 0);
  // D contexts have 3 x 30 = 90 frames: too few for a leaf of 100.
  assert.equal(buildTree(stats(30), questions, 6, numStates, { numLeaves: 100, thresh: 10, minLeafCount: 100 }).numSplits, 0);
  assert.equal(buildTree(stats(30), questions, 6, numStates, { numLeaves: 100, thresh: 10, minLeafCount: 50 }).numSplits, 1);
  // Context-independent SIL (contexts 0) and the left context of A (no effect) never split.
  const r = buildTree(stats(), questions, 6, numStates, { numLeaves: 100, thresh: 1 });
  assert.ok('pdf' in r.tree.roots[1]![0]);
  assert.equal(r.numSplits, 1);
});

test('buildTree: post-clustering ties leaves of one root whose merge costs less than the threshold', () => {
  const grown = buildTree(stats(), questions, 6, numStates, { numLeaves: 6, thresh: 10, clusterThresh: 0 });
  assert.equal(grown.numMerged, 0);
  const merged = buildTree(stats(), questions, 6, numStates, { numLeaves: 6, thresh: 10, clusterThresh: 1e9 });
  assert.equal(merged.numMerged, 1);
  assert.equal(merged.tree.numPdfs, 5);
  // The split stays in the tree, both leaves map to one pdf.
  assert.ok(!('pdf' in merged.tree.roots[2]![0]));
  assert.deepEqual(nodePdfs(merged.tree.roots[2]![0]).length, 1);
  assert.ok(Math.abs(merged.gain) < 1e-6);
});
