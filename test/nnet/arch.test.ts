import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ARCH_PRESETS, describeArch, layerDropout, layerSizes, parseArch, validateArch } from '../../src/nnet/arch.js';
import { isInputError } from '../../src/errors.js';

function inputError(message: string) {
  return (e: unknown) => {
    assert.ok(isInputError(e), `expected InputError, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  };
}

test('parseArch reads the LxW shorthand', () => {
  const a = parseArch('4x1024');
  assert.deepEqual(a, { hidden: [1024, 1024, 1024, 1024].map((units) => ({ units })), activation: 'relu' });
  assert.deepEqual(parseArch(' 1x7 ').hidden, [{ units: 7 }]);
});

test('parseArch knows the paper preset (8 x 2560) and the small ones', () => {
  const p = parseArch('paper-2015');
  assert.equal(p.hidden.length, 8);
  assert.ok(p.hidden.every((h) => h.units === 2560));
  for (const name of Object.keys(ARCH_PRESETS)) assert.deepEqual(parseArch(name), ARCH_PRESETS[name]);
});

test('parseArch reads a JSON file and inline JSON, with dropout and max-norm', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'arch-'));
  const file = path.join(dir, 'arch.json');
  writeFileSync(file, JSON.stringify({ hidden: [{ units: 32 }, { units: 16, dropout: 0.5 }], dropout: 0.1, maxNorm: 3 }));
  const a = parseArch(file);
  assert.deepEqual(a, { hidden: [{ units: 32 }, { units: 16, dropout: 0.5 }], activation: 'relu', dropout: 0.1, maxNorm: 3 });
  assert.equal(layerDropout(a, 0), 0.1);
  assert.equal(layerDropout(a, 1), 0.5);
  assert.deepEqual(parseArch('{"hidden":[8, 8]}').hidden, [{ units: 8 }, { units: 8 }]);
  assert.equal(layerDropout(parseArch('2x8'), 0), 0);
});

test('parseArch errors say what is wrong and what is accepted', () => {
  assert.throws(() => parseArch('0x10'), inputError('--arch 0x10: need at least 1 layer of at least 1 unit (e.g. 4x1024)'));
  assert.throws(
    () => parseArch('huge'),
    inputError('--arch huge: not a shorthand like 4x1024, a preset (paper-2015, tiny, small, medium, large), inline JSON, or an existing JSON file'),
  );
  assert.throws(() => parseArch('{"hidden":[]}'), inputError('--arch: "hidden" must be a non-empty array of { "units": N }'));
  const dir = mkdtempSync(path.join(tmpdir(), 'arch-'));
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, '{"hidden":[{"units":4,"dropout":1.5}]}');
  assert.throws(() => parseArch(bad), inputError(`${bad}: hidden[0].dropout must be in [0, 1)`));
  writeFileSync(bad, '{"hidden":');
  assert.throws(() => parseArch(bad), (e: unknown) => isInputError(e) && (e as Error).message.startsWith(`${bad}: not valid JSON (`));
});

test('validateArch rejects other activations and bad max-norm', () => {
  assert.throws(() => validateArch({ hidden: [{ units: 4 }], activation: 'tanh' }, 'x.json'), inputError('x.json: unsupported activation "tanh"; only "relu" is implemented'));
  assert.throws(() => validateArch({ hidden: [{ units: 4 }], maxNorm: 0 }, 'x.json'), inputError('x.json: "maxNorm" must be a positive number'));
  assert.throws(() => validateArch({ hidden: [{ units: 2.5 }] }, 'x.json'), inputError('x.json: hidden[0].units must be a positive integer'));
  assert.throws(() => validateArch([1], 'x.json'), inputError('x.json: expected a JSON object with a "hidden" array'));
});

test('layerSizes and describeArch', () => {
  const a = parseArch('{"hidden":[512,512,256],"dropout":0.2,"maxNorm":2}');
  assert.deepEqual(layerSizes(a, 440, 200), [440, 512, 512, 256, 200]);
  assert.equal(describeArch(a, 440, 200), '440-512x2-256x1-200 relu dropout 0.2 max-norm 2');
  assert.equal(describeArch(parseArch('4x1024')), '1024x4 relu');
});
