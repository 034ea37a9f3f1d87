import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTEXT_PRESETS, formatContext, parseContext, spliceFrameInto, splicedDim, spliceUtterance } from '../../src/nnet/splice.js';

test('parseContext: L:R, presets, and errors', () => {
  assert.deepEqual(parseContext('5:5'), { left: 5, right: 5 });
  assert.deepEqual(parseContext(' 20:5 '), { left: 20, right: 5 });
  assert.deepEqual(parseContext('0:0'), { left: 0, right: 0 });
  assert.deepEqual(parseContext('paper-2015'), { left: 20, right: 5 });
  assert.deepEqual(parseContext('default'), CONTEXT_PRESETS.default);
  assert.equal(formatContext(parseContext('7:3')), '7:3');
  assert.throws(() => parseContext('5'), {
    name: 'InputError',
    message: '--context 5: expected L:R (frames of left and right context, e.g. 5:5) or a preset (default, paper-2015)',
  });
  assert.throws(() => parseContext('-1:2'), { name: 'InputError' });
});

test('splicedDim: paper setting is 26 frames of 40 fbanks = 1040', () => {
  assert.equal(splicedDim(40, CONTEXT_PRESETS['paper-2015']), 1040);
  assert.equal(splicedDim(40, { left: 5, right: 5 }), 440);
});

test('spliceUtterance repeats the first/last frame at the edges (Kaldi splice-feats)', () => {
  // 4 frames of dim 2: frame t = [10t, 10t+1]
  const dim = 2;
  const feats = new Float32Array([0, 1, 10, 11, 20, 21, 30, 31]);
  const out = spliceUtterance(feats, 4, dim, { left: 2, right: 1 });
  const width = 8;
  const row = (t: number) => Array.from(out.subarray(t * width, (t + 1) * width));
  assert.deepEqual(row(0), [0, 1, 0, 1, 0, 1, 10, 11]);
  assert.deepEqual(row(1), [0, 1, 0, 1, 10, 11, 20, 21]);
  assert.deepEqual(row(3), [10, 11, 20, 21, 30, 31, 30, 31]);
});

test('spliceFrameInto reads from an offset and writes at an offset', () => {
  const feats = new Float32Array([99, 99, 1, 2, 3, 4]); // utterance of 2 frames starts at value 2
  const out = new Float32Array(8).fill(-1);
  spliceFrameInto(feats, 2, 2, 2, 1, { left: 1, right: 1 }, out, 2);
  assert.deepEqual(Array.from(out), [-1, -1, 1, 2, 3, 4, 3, 4]);
});

test('spliceUtterance fills a reused buffer; interior frames equal the clamped definition', () => {
  const dim = 3;
  const numFrames = 9;
  const ctx = { left: 2, right: 3 };
  const feats = Float32Array.from({ length: numFrames * dim }, (_, i) => i);
  const width = 6 * dim;
  const buf = new Float32Array(numFrames * width + 5).fill(-7);
  const out = spliceUtterance(feats, numFrames, dim, ctx, buf);
  assert.equal(out, buf);
  for (let t = 0; t < numFrames; t++) {
    for (let k = -ctx.left; k <= ctx.right; k++) {
      const tt = Math.min(numFrames - 1, Math.max(0, t + k));
      for (let d = 0; d < dim; d++) assert.equal(buf[t * width + (k + ctx.left) * dim + d], tt * dim + d, `frame ${t} offset ${k}`);
    }
  }
  assert.deepEqual(Array.from(buf.subarray(numFrames * width)), [-7, -7, -7, -7, -7]);
  assert.throws(() => spliceUtterance(feats, numFrames, dim, ctx, new Float32Array(10)), { message: `spliceUtterance: output buffer holds 10 values, need ${numFrames * width}` });
});
