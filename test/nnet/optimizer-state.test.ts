import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rescaledSlots } from '../../src/nnet/optimizer-state.js';

test('rescaledSlots: scaled slots (slotScale) to another scale; absent scales mean 1; unchanged arrays are returned as is', () => {
  const m = Float32Array.of(1, 2);
  const v = Float32Array.of(4, 8);
  const avg = Float32Array.of(5, 6);
  const s = { kind: 'adam' as const, step: 3, slots: [[m, v, avg]], slotScale: [0.5, 0.25, 1] };
  const plain = rescaledSlots(s, []);
  assert.deepEqual(Array.from(plain[0][0]), [0.5, 1]);
  assert.deepEqual(Array.from(plain[0][1]), [1, 2]);
  assert.equal(plain[0][2], avg);
  // Back to the scale they were written at: the same arrays, bit for bit.
  const same = rescaledSlots(s, [0.5, 0.25, 1]);
  assert.equal(same[0][0], m);
  assert.equal(same[0][1], v);
  // A state without slotScale into a scaled engine.
  const into = rescaledSlots({ kind: 'adam', step: 1, slots: [[Float32Array.of(1), Float32Array.of(1)]] }, [0.5, 0.25]);
  assert.deepEqual([into[0][0][0], into[0][1][0]], [2, 4]);
});
