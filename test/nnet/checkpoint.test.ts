import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCheckpoint, writeCheckpoint } from '../../src/nnet/checkpoint.js';
import { initDnnWeights } from '../../src/nnet/weights.js';
import { parseArch } from '../../src/nnet/arch.js';
import { isInputError } from '../../src/errors.js';

const w = initDnnWeights(parseArch('{"hidden":[6,4],"dropout":0.2}'), 5, 3, 1);
const slots = w.layers.flatMap((l) => [l.W, l.b]).map((p, i) => [p.map((x) => x * i), p.map((x) => -x)]);

test('writeCheckpoint / readCheckpoint round-trip exactly and keep only the latest tensors file', async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'ck-')), 'checkpoint');
  assert.equal(await readCheckpoint(dir), undefined);
  const meta = { history: [{ epoch: 1 }], note: 'x' };
  await writeCheckpoint(dir, { epoch: 1, weights: w, optimizer: { kind: 'adam', step: 10, slots }, meta });
  await writeCheckpoint(dir, { epoch: 2, weights: w, optimizer: { kind: 'adam', step: 20, slots }, meta });
  assert.deepEqual(readdirSync(dir).sort(), ['state.json', 'tensors-2.bin']);
  const ck = await readCheckpoint<typeof meta>(dir);
  assert.equal(ck!.epoch, 2);
  assert.deepEqual(ck!.meta, meta);
  assert.deepEqual(ck!.weights, w);
  assert.deepEqual(ck!.optimizer, { kind: 'adam', step: 20, slots });
});

test('a damaged checkpoint is reported with what to do', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ck-'));
  await writeCheckpoint(dir, { epoch: 3, weights: w, optimizer: { kind: 'sgd', step: 1, slots: [] }, meta: {} });
  const bin = path.join(dir, 'tensors-3.bin');
  writeFileSync(bin, readFileSync(bin).subarray(8));
  const expected = 4 * (5 * 6 + 6 + 6 * 4 + 4 + 4 * 3 + 3);
  await assert.rejects(readCheckpoint(dir), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal((e as Error).message, `${bin}: ${expected - 8} bytes, expected ${expected}; the checkpoint is damaged, delete it to start over`);
    return true;
  });
  writeFileSync(path.join(dir, 'state.json'), '{');
  await assert.rejects(readCheckpoint(dir), (e: unknown) => isInputError(e) && (e as Error).message.startsWith(`${path.join(dir, 'state.json')}: not valid JSON (`));
});
