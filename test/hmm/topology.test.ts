import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTransitionModel, defaultTopology, leftToRightTopology, minFrames, silenceTopology } from '../../src/hmm/topology.js';

function outSums(arcs: { from: number; prob: number }[], n: number): number[] {
  const s = new Array<number>(n).fill(0);
  for (const a of arcs) s[a.from] += a.prob;
  return s;
}

test('leftToRightTopology: self-loop 0.75, next 0.25, rows sum to one', () => {
  const t = leftToRightTopology(3);
  assert.equal(t.numStates, 3);
  assert.deepEqual(t.arcs.filter((a) => a.from === 2), [{ from: 2, to: 2, prob: 0.75 }, { from: 2, to: 3, prob: 0.25 }]);
  for (const s of outSums(t.arcs, 3)) assert.ok(Math.abs(s - 1) < 1e-12);
  assert.equal(minFrames(t), 3);
  assert.throws(() => leftToRightTopology(0), /topology: a phone needs at least 1 state, got 0/);
});

test('silenceTopology matches Kaldi gen_topo.pl for 5 states', () => {
  const t = silenceTopology(5);
  const to = (s: number) => t.arcs.filter((a) => a.from === s).map((a) => a.to);
  assert.deepEqual(to(0), [0, 1, 2, 3]);
  assert.deepEqual(to(1), [1, 2, 3, 4]);
  assert.deepEqual(to(3), [1, 2, 3, 4]);
  assert.deepEqual(to(4), [4, 5]);
  for (const s of outSums(t.arcs, 5)) assert.ok(Math.abs(s - 1) < 1e-12);
  assert.equal(minFrames(t), 3, '0 -> 3 -> 4 -> exit');
  assert.equal(silenceTopology(2).arcs.length, leftToRightTopology(2).arcs.length);
});

test('buildTransitionModel numbers pdfs phone by phone and skips <eps> and #N', () => {
  const phones = ['<eps>', 'SIL', 'SPN', 'AH', 'N', '#0'];
  const tm = buildTransitionModel(phones, new Set(['SIL', 'SPN']), defaultTopology());
  assert.equal(tm.numPdfs, 5 + 5 + 3 + 3);
  assert.equal(tm.phones[0], null);
  assert.equal(tm.phones[5], null);
  assert.deepEqual(tm.phones[3]!.states.map((s) => s.pdfId), [10, 11, 12]);
  assert.deepEqual(tm.pdfToState[11], [3, 1]);
  assert.ok(Math.abs(tm.phones[4]!.states[0].arcs[0].logProb - Math.log(0.75)) < 1e-12);
  const small = buildTransitionModel(phones, new Set(['SIL', 'SPN']), defaultTopology({ nonsilenceStates: 1, silenceStates: 3 }));
  assert.equal(small.numPdfs, 3 + 3 + 1 + 1);
});
