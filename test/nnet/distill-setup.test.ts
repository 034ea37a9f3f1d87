import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDistillSetup, parseDistillSetup } from '../../src/nnet/distill-setup.js';

test('applyDistillSetup paper: fills hard weight 0.5, soft-ce, full targets and switches every transfer-set change off', () => {
  assert.deepEqual(applyDistillSetup('paper', {}), {
    hardWeight: 0.5,
    loss: 'soft-ce',
    softTargets: { kind: 'full' },
    transferNoise: 0,
    transferWarp: 0,
    transferMixup: 0,
    transferExtra: [],
  });
});

test('applyDistillSetup paper: keeps the loss, hard weight and target mode given (sec. 2.1 varies them)', () => {
  const r = applyDistillSetup('paper', { hardWeight: 0.1, loss: 'logit-mse', softTargets: { kind: 'top-k', k: 3 }, transferNoise: 0, transferExtra: [] });
  assert.equal(r.hardWeight, 0.1);
  assert.equal(r.loss, 'logit-mse');
  assert.deepEqual(r.softTargets, { kind: 'top-k', k: 3 });
});

test('applyDistillSetup paper: a perturbed or extended transfer set, or a start model, is an InputError naming the flag', () => {
  const cases: [object, string][] = [
    [{ transferNoise: 0.5 }, '--transfer-noise'],
    [{ transferWarp: 0.1 }, '--transfer-warp'],
    [{ transferMixup: 0.3 }, '--transfer-mixup'],
    [{ transferExtra: ['feats/x'] }, '--transfer-extra'],
    [{ initFrom: 'exp/student-noisy' }, '--init-from'],
  ];
  for (const [given, flag] of cases) {
    assert.throws(() => applyDistillSetup('paper', given), {
      name: 'InputError',
      message: `--setup paper: ${flag} is not part of the paper's setup (soft targets on the training frames as they are, plus the hard labels); leave it out, or drop --setup`,
    });
  }
});

test('parseDistillSetup: known names pass, others are an InputError listing the names', () => {
  assert.equal(parseDistillSetup('paper'), 'paper');
  assert.throws(() => parseDistillSetup('recipe'), { name: 'InputError', message: '--setup recipe: expected one of paper' });
});
