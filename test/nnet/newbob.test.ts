import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newbobNext, newbobStart } from '../../src/nnet/newbob.js';

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
