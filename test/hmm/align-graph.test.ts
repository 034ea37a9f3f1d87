import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildAlignGraph, transcriptSlots } from '../../src/hmm/align-graph.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { buildTransitionIndex } from '../../src/hmm/transitions.js';
import { makeLang, withTmp } from './helpers.js';
import { syntheticLang } from './synthetic.js';

test('transcriptSlots: optional silences around every word, all pronunciations, OOV handling', async () => {
  const lang = syntheticLang();
  const slots = transcriptSlots(['bis', 'ab'], lang, 'text (utt u1)');
  assert.equal(slots.length, 5);
  assert.deepEqual(slots[1].alternatives, [[4, 6, 7], [4, 6]]);
  assert.equal(slots[0].skipLogProb, Math.log(0.5));
  assert.equal(slots[1].skipLogProb, undefined);
  assert.equal(transcriptSlots(['ab'], lang, 'x', 0).length, 1, 'silProb 0: no optional silence');
  assert.throws(() => transcriptSlots(['ab', 'zz'], lang, 'data/text (utt u1)'), {
    message: "data/text (utt u1): word 'zz' is not in the lexicon /nonexistent/synthetic-lang/lexicon.txt; add a pronunciation or map it to an OOV word (prepare-lang --oov-word)",
  });
  assert.throws(() => transcriptSlots([], lang, 'data/text (utt u2)'), { message: 'data/text (utt u2): empty transcript; nothing to align' });
  await withTmp(async (dir) => {
    const withUnk = await makeLang(dir);
    const s = transcriptSlots(['two', 'ten'], withUnk, 'x');
    assert.deepEqual(s[3].alternatives, [[withUnk.phoneIds.get('SPN')!]], 'OOV maps to <unk> (SPN) like sym2int --map-oov');
    assert.equal(path.basename(withUnk.dir), 'lang');
  });
});

test('buildAlignGraph: states, start states, exits, final arcs, self-loop scaling and the shortest path', () => {
  const lang = syntheticLang();
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const idx = buildTransitionIndex(tm);
  const g = buildAlignGraph(transcriptSlots(['ab'], lang, 'x'), tm, idx);
  // SIL(5) AA(3) B(3) SIL(5)
  assert.equal(g.numStates, 16);
  assert.deepEqual(Array.from(g.startStates), [0, 5]);
  assert.deepEqual(Array.from(g.startLogProb), [Math.log(0.5), Math.log(0.5)]);
  assert.equal(g.minFrames, 6, 'AA and B, no silence');
  // Self-loop of AA state 0: 0.1 * log 0.75; forward: log(0.25/0.25) + 0.1 * log 0.25.
  const a0 = [...Array(g.arcStart[6] - g.arcStart[5]).keys()].map((k) => g.arcStart[5] + k);
  assert.deepEqual(a0.map((a) => g.arcTo[a]), [5, 6]);
  assert.ok(Math.abs(g.arcLogProb[a0[0]] - 0.1 * Math.log(0.75)) < 1e-12);
  assert.ok(Math.abs(g.arcLogProb[a0[1]] - 0.1 * Math.log(0.25)) < 1e-12);
  // B's last state exits to the trailing SIL (log 0.5) or to the end (log 0.5).
  const bLast = 10;
  const exits = [...Array(g.arcStart[bLast + 1] - g.arcStart[bLast]).keys()].map((k) => g.arcStart[bLast] + k).filter((a) => g.arcTo[a] !== bLast);
  assert.deepEqual(exits.map((a) => g.arcTo[a]), [11, -1]);
  assert.equal(g.arcTid[exits[0]], g.arcTid[exits[1]], 'same transition id: both leave B');
  assert.equal(g.phoneId[11], lang.phoneIds.get('SIL'));
  assert.equal(g.pdf[5], tm.phones[lang.phoneIds.get('AA')!]!.states[0].pdfId);
  // Two pronunciations of 'bis' both start after the optional silence.
  const g2 = buildAlignGraph(transcriptSlots(['bis'], lang, 'x'), tm, idx);
  assert.equal(g2.startStates.length, 3);
  assert.equal(g2.minFrames, 6);
});
