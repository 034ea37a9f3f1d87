import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transcriptSlots } from '../../src/hmm/align-graph.js';
import { equalAlignment, flatStartPhones } from '../../src/hmm/equal-align.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { buildTransitionIndex } from '../../src/hmm/transitions.js';
import { syntheticLang } from './synthetic.js';

test('flatStartPhones: first pronunciations, silence only at the edges', () => {
  const lang = syntheticLang();
  const ids = flatStartPhones(transcriptSlots(['bis', 'ab'], lang, 'x'));
  assert.deepEqual(ids.map((i) => lang.phones[i]), ['SIL', 'B', 'IY', 'S', 'AA', 'B', 'SIL']);
});

test('equalAlignment spreads frames equally over the states and ends each state with its forward arc', () => {
  const lang = syntheticLang();
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const idx = buildTransitionIndex(tm);
  const aa = lang.phoneIds.get('AA')!;
  const b = lang.phoneIds.get('B')!;
  const tids = equalAlignment([aa, b], tm, idx, 13)!;
  // 6 states over 13 frames: floor(k*13/6) boundaries 0,2,4,6,8,10,13.
  const pdfs = Array.from(tids, (t) => idx.tidPdf[t]);
  const pdf = (ph: number, s: number) => tm.phones[ph]!.states[s].pdfId;
  assert.deepEqual(pdfs, [pdf(aa, 0), pdf(aa, 0), pdf(aa, 1), pdf(aa, 1), pdf(aa, 2), pdf(aa, 2), pdf(b, 0), pdf(b, 0), pdf(b, 1), pdf(b, 1), pdf(b, 2), pdf(b, 2), pdf(b, 2)]);
  assert.equal(idx.tidTo[tids[0]], 0, 'self-loop');
  assert.equal(idx.tidTo[tids[1]], 1, 'forward');
  assert.equal(idx.tidTo[tids[12]], 3, 'exit');
  assert.equal(equalAlignment([aa, b], tm, idx, 5), null);
});
