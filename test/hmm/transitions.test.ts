import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTransitionIndex, countTransitions, estimateTransitions, uttAlignmentFromTids } from '../../src/hmm/transitions.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';

const tm = () => buildTransitionModel(['<eps>', 'SIL', 'AH'], new Set(['SIL']));

test('buildTransitionIndex numbers every arc of every phone HMM in order', () => {
  const idx = buildTransitionIndex(tm());
  // SIL: 4 + 3*4 + 2 arcs; AH: 3 states x 2 arcs.
  assert.equal(idx.numTids, 18 + 6);
  assert.deepEqual(idx.tidOf[0], []);
  assert.deepEqual(idx.tidOf[2][0], [18, 19]);
  assert.equal(idx.tidPhone[19], 2);
  assert.equal(idx.tidState[23], 2);
  assert.equal(idx.tidTo[23], 3, 'exit arc of the last state');
  assert.equal(idx.tidPdf[20], tm().phones[2]!.states[1].pdfId);
});

test('uttAlignmentFromTids: the pdf and phone of every frame from its transition id', () => {
  const idx = buildTransitionIndex(tm());
  const a = uttAlignmentFromTids('u1', Int32Array.of(0, 18, 19, 20, 23), idx);
  assert.equal(a.uttId, 'u1');
  assert.deepEqual([...a.phoneIds], [1, 2, 2, 2, 2]);
  // SIL's first state, then AH's states 0 (self-loop and arc 1), 1 and 2.
  const [sil, ah] = [1, 2].map((p) => tm().phones[p]!.states.map((s) => s.pdfId));
  assert.deepEqual([...a.pdfIds], [sil[0], ah[0], ah[0], ah[1], ah[2]]);
});

test('estimateTransitions: ML probabilities with floor; rarely seen states keep theirs', () => {
  const m = tm();
  const idx = buildTransitionIndex(m);
  const counts = new Float64Array(idx.numTids);
  countTransitions(Int32Array.of(18, 18, 18, 19, 20, 21), counts);
  assert.equal(counts[18], 3);
  counts[18] = 99;
  counts[19] = 1;
  const est = estimateTransitions(m, idx, counts, { minCount: 5, floor: 0.05 });
  const a = est.phones[2]!.states[0].arcs;
  // 0.99 / 0.01 -> floor 0.05 -> renormalised 0.99/1.04, 0.05/1.04.
  assert.ok(Math.abs(Math.exp(a[0].logProb) - 0.99 / 1.04) < 1e-12);
  assert.ok(Math.abs(Math.exp(a[1].logProb) - 0.05 / 1.04) < 1e-12);
  assert.deepEqual(est.phones[2]!.states[1].arcs, m.phones[2]!.states[1].arcs, 'state 1 seen twice < minCount');
  assert.equal(m.phones[2]!.states[0].arcs[0].logProb, Math.log(0.75), 'input model untouched');
});
