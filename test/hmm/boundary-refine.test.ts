import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phoneSegments, type UttAlignment } from '../../src/hmm/ali-archive.js';
import { DEFAULT_BOUNDARY_REFINE, refineBoundaries, refineTransitionIds, spectralChange } from '../../src/hmm/boundary-refine.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { buildTransitionIndex } from '../../src/hmm/transitions.js';
import { makeLang, withTmp } from './helpers.js';

test('spectralChange: weighted distance of the K-frame means either side; -Infinity where a side is missing', () => {
  // 1-dim features 0 0 0 4 4 4 (2 columns, the second ignored by a 1-element weight vector).
  const f = Float32Array.from([0, 9, 0, 9, 0, 9, 4, 9, 4, 9, 4, 9]);
  const c = spectralChange(f, 6, 2, Float64Array.of(1), 2);
  assert.equal(c.length, 7);
  assert.deepEqual([c[0], c[1], c[5], c[6]], [-Infinity, -Infinity, -Infinity, -Infinity]);
  assert.deepEqual([...c.slice(2, 5)], [2, 4, 2]);
  assert.deepEqual([...spectralChange(f, 6, 2, Float64Array.of(0.5), 1).slice(1, 6)], [0, 0, 2, 0, 0]);
});

test('refineBoundaries moves a boundary to the spectral change within the window, keeping a valid state path', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const t = lang.phoneIds.get('T')!;
    const uw = lang.phoneIds.get('UW')!;
    const pdf = (ph: number, s: number) => tm.phones[ph]!.states[s].pdfId;
    // T: states 0,1,2,2,2 (frames 0-4); UW: 0,0,0,1,2 (frames 5-9). The spectrum changes at frame 3.
    const states: [number, number][] = [[t, 0], [t, 1], [t, 2], [t, 2], [t, 2], [uw, 0], [uw, 0], [uw, 0], [uw, 1], [uw, 2]];
    const a: UttAlignment = { uttId: 'u', pdfIds: Int32Array.from(states.map(([p, s]) => pdf(p, s))), phoneIds: Int32Array.from(states.map(([p]) => p)) };
    const feats = Float32Array.from([0, 0, 0, 5, 5, 5, 5, 5, 5, 5]);
    const r = refineBoundaries(a, tm, feats, 1, Float64Array.of(1), { windowFrames: 2, contextFrames: 1 });
    assert.deepEqual(phoneSegments(r, tm).map((s) => [s.phoneId, s.startFrame, s.numFrames]), [[t, 0, 3], [uw, 3, 7]]);
    // Only T's last state gave frames to UW's first state.
    assert.deepEqual([...r.pdfIds], [pdf(t, 0), pdf(t, 1), pdf(t, 2), pdf(uw, 0), pdf(uw, 0), pdf(uw, 0), pdf(uw, 0), pdf(uw, 0), pdf(uw, 1), pdf(uw, 2)]);
    assert.deepEqual([...a.phoneIds.slice(3, 5)], [t, t], 'input not modified');
    // A window of 1 cannot reach frame 3 from 5; the last state of T keeps at least one frame.
    const r1 = refineBoundaries(a, tm, feats, 1, Float64Array.of(1), { windowFrames: 1, contextFrames: 1 });
    assert.equal(phoneSegments(r1, tm)[1].startFrame, 5, 'no change inside the window: flat spectrum, ties keep the Viterbi boundary');
    const shortLast: [number, number][] = [[t, 0], [t, 1], [t, 1], [t, 1], [t, 2], [uw, 0], [uw, 0], [uw, 0], [uw, 1], [uw, 2]];
    const b: UttAlignment = { uttId: 'v', pdfIds: Int32Array.from(shortLast.map(([p, s]) => pdf(p, s))), phoneIds: Int32Array.from(shortLast.map(([p]) => p)) };
    assert.equal(phoneSegments(refineBoundaries(b, tm, feats, 1, Float64Array.of(1), { windowFrames: 2, contextFrames: 1 }), tm)[1].startFrame, 5);
    // windowFrames 0 is a copy.
    assert.deepEqual(refineBoundaries(a, tm, feats, 1, Float64Array.of(1), { windowFrames: 0, contextFrames: 1 }), a);
    assert.deepEqual(DEFAULT_BOUNDARY_REFINE, { windowFrames: 2, contextFrames: 2 });
    assert.throws(() => refineBoundaries(a, tm, feats.subarray(0, 5), 1, Float64Array.of(1)), { message: 'refineBoundaries: u: 5 feature values for 10 frames x 1' });
  });
});

test('refineTransitionIds: the refined state path as transition ids (self-loops, next-state and exit arcs)', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const idx = buildTransitionIndex(tm);
    const t = lang.phoneIds.get('T')!;
    const uw = lang.phoneIds.get('UW')!;
    // Transition ids of a path given as (phone, state) per frame, instances split where the phone changes.
    const tidsOf = (path: [number, number][]) =>
      Int32Array.from(path.map(([ph, st], f) => {
        const next = path[f + 1];
        const to = next && next[0] === ph ? next[1] : tm.phones[ph]!.states.length;
        return idx.tidOf[ph][st][tm.phones[ph]!.states[st].arcs.findIndex((a) => a.to === to)];
      }));
    const before: [number, number][] = [[t, 0], [t, 1], [t, 2], [t, 2], [t, 2], [uw, 0], [uw, 0], [uw, 0], [uw, 1], [uw, 2]];
    const after: [number, number][] = [[t, 0], [t, 1], [t, 2], [uw, 0], [uw, 0], [uw, 0], [uw, 0], [uw, 0], [uw, 1], [uw, 2]];
    const feats = Float32Array.from([0, 0, 0, 5, 5, 5, 5, 5, 5, 5]);
    const opts = { windowFrames: 2, contextFrames: 1 };
    assert.deepEqual([...refineTransitionIds(tidsOf(before), tm, idx, 'u', feats, 1, Float64Array.of(1), opts)], [...tidsOf(after)]);
    const same = tidsOf(after);
    assert.equal(refineTransitionIds(same, tm, idx, 'u', feats, 1, Float64Array.of(1), opts), same, 'nothing to move: the same array');
  });
});
