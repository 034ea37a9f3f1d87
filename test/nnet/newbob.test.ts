import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newbobNext, newbobRejects, newbobStart } from '../../src/nnet/newbob.js';

const cfg = { halveWhenGainBelow: 0.01, stopWhenGainBelow: 0.002, maxHalvings: 3 };

function run(accs: number[], c = cfg) {
  let s = newbobStart(0.8);
  const lrs: number[] = [];
  for (const a of accs) {
    s = newbobNext(s, a, c);
    lrs.push(s.learningRate);
    if (s.stopped) break;
  }
  return { s, lrs };
}

test('keeps the rate while held-out accuracy improves, then halves every epoch, then stops when the gain stalls', () => {
  const { s, lrs } = run([0.5, 0.6, 0.65, 0.655, 0.665, 0.67, 0.671, 0.9]);
  // epochs: 1 first (keep) | +0.1 keep | +0.05 keep | +0.005 < 0.01: halve | +0.01 halving: halve | +0.005 halve | +0.001 < 0.002: stop
  assert.deepEqual(lrs, [0.8, 0.8, 0.8, 0.4, 0.2, 0.1, 0.1]);
  assert.equal(s.stopped, true);
  assert.equal(s.reason, 'held-out accuracy gain 0.0010 < 0.002 after halving');
  assert.equal(s.halvings, 3);
});

test('stops after maxHalvings even if accuracy still creeps up', () => {
  const { s, lrs } = run([0.5, 0.505, 0.51, 0.515, 0.52, 0.525], { ...cfg, stopWhenGainBelow: 0.001, maxHalvings: 2 });
  assert.deepEqual(lrs, [0.8, 0.4, 0.2, 0.2]);
  assert.equal(s.reason, 'reached 2 halvings of the learning rate');
});

test('a stopped schedule stays stopped; a drop in accuracy counts as no gain', () => {
  const { s } = run([0.5, 0.4]);
  assert.equal(s.halving, true);
  assert.equal(s.learningRate, 0.4);
  const stopped = { ...s, stopped: true, reason: 'x' };
  assert.deepEqual(newbobNext(stopped, 0.99, cfg), stopped);
});

test('rejectWorse: a drop is rejected, keeps the accepted accuracy as the reference and counts as no gain', () => {
  const c = { ...cfg, rejectWorse: true };
  assert.equal(newbobRejects({ ...newbobStart(0.8), lastAcc: 0.6 }, 0.55, c), true);
  assert.equal(newbobRejects({ ...newbobStart(0.8), lastAcc: 0.6 }, 0.55, cfg), false, 'off unless set');
  assert.equal(newbobRejects(newbobStart(0.8), 0.1, c), false, 'the first epoch has nothing to compare with');
  // 0.55 rejected: reference stays 0.6, halving starts; 0.62 is +0.02 over 0.6 (not over 0.55): halve; 0.621 +0.001 < 0.002: stop
  const { s, lrs } = run([0.5, 0.6, 0.55, 0.62, 0.621], c);
  assert.deepEqual(lrs, [0.8, 0.8, 0.4, 0.2, 0.2]);
  assert.equal(run([0.5, 0.6, 0.55], c).s.lastAcc, 0.6);
  assert.equal(s.reason, 'held-out accuracy gain 0.0010 < 0.002 after halving');
  // while halving, a rejected epoch stops training (Kaldi: the relative improvement is 0)
  assert.equal(run([0.5, 0.6, 0.605, 0.59], c).s.reason, 'held-out accuracy gain 0.0000 < 0.002 after halving');
});

test('minEpochs: a stall after halving before that many epochs keeps the rate and goes on (train_scheduler.sh --min-iters)', () => {
  const accs = [0.5, 0.6, 0.605, 0.606, 0.607, 0.62, 0.621];
  const lrsWith = (c: typeof cfg & { minEpochs?: number }) => {
    let s = newbobStart(0.8);
    const lrs: number[] = [];
    accs.forEach((a, i) => {
      if (s.stopped) return;
      s = newbobNext(s, a, c, i + 1);
      lrs.push(s.learningRate);
    });
    return { s, lrs };
  };
  // without a minimum: +0.005 at epoch 3 halves, +0.001 at epoch 4 stops
  assert.deepEqual(lrsWith(cfg).lrs, [0.8, 0.8, 0.4, 0.4]);
  // with 6: the stalls at epochs 4 and 5 keep 0.4; epoch 6 gains enough to halve; epoch 7 may stop
  const m = lrsWith({ ...cfg, minEpochs: 6 });
  assert.deepEqual(m.lrs, [0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2]);
  assert.equal(m.s.stopped, true);
  // without epochsDone (older callers) the minimum cannot apply
  let s = newbobStart(0.8);
  for (const a of [0.5, 0.6, 0.605, 0.606]) s = newbobNext(s, a, { ...cfg, minEpochs: 6 });
  assert.equal(s.stopped, true);
});
