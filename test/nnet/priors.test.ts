import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countPdfs, countUnseen, logPriors, UNSEEN_LOG_PRIOR } from '../../src/nnet/priors.js';

test('countPdfs counts frames per pdf over utterances', () => {
  const counts = countPdfs([{ pdfIds: new Int32Array([0, 0, 2]) }, { pdfIds: [2, 2, 1, -1] }], 4);
  assert.deepEqual(Array.from(counts), [2, 1, 3, 0]);
});

test('logPriors: relative frequencies, unseen pdfs get the Kaldi sqrt(FLT_MAX) value', () => {
  const lp = logPriors(new Float64Array([1, 3, 0]));
  assert.ok(Math.abs(lp[0] - Math.log(0.25)) < 1e-12);
  assert.ok(Math.abs(lp[1] - Math.log(0.75)) < 1e-12);
  assert.equal(lp[2], UNSEEN_LOG_PRIOR);
  assert.ok(UNSEEN_LOG_PRIOR > 1e19 && UNSEEN_LOG_PRIOR < 2e19);
  assert.equal(countUnseen(lp), 1);
  // A custom floor also floors rare pdfs.
  assert.equal(countUnseen(logPriors([1, 999], 0.01)), 1);
  // Priors of seen pdfs sum to 1.
  const seen = logPriors([5, 7, 9]).reduce((s, x) => s + Math.exp(x), 0);
  assert.ok(Math.abs(seen - 1) < 1e-12);
});

test('logPriors rejects empty counts', () => {
  assert.throws(() => logPriors([0, 0]), { message: 'logPriors: the alignments have no frames; cannot estimate state priors' });
});
