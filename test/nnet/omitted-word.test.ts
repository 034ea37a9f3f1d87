import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBiasShift, correctByBiasShift, DEFAULT_BIAS_SHIFTS, omittedPdfs, raiseOutputBiases } from '../../src/nnet/omitted-word.js';
import { initDnnWeights } from '../../src/nnet/weights.js';
import { parseArch } from '../../src/nnet/arch.js';

test('omittedPdfs: the pdfs that lost at least the given share of their frames, none without frames', () => {
  assert.deepEqual(omittedPdfs([10, 10, 0, 4], [0, 8, 0, 2], 0.5), [0, 3]);
  assert.deepEqual(omittedPdfs([10, 10, 0, 4], [0, 8, 0, 2], 0.9), [0]);
});

test('raiseOutputBiases: only the output biases of the given pdfs move, by the shift; the input is unchanged', () => {
  const w = initDnnWeights(parseArch('2x4'), 3, 5, 1);
  const r = raiseOutputBiases(w, [1, 4], 3.5);
  const [before, after] = [w.layers.at(-1)!.b, r.layers.at(-1)!.b];
  assert.deepEqual(Array.from(after, (b, j) => b - before[j]), [0, 3.5, 0, 0, 3.5]);
  for (let l = 0; l < w.layers.length - 1; l++) assert.deepEqual(r.layers[l], w.layers[l]);
  assert.deepEqual(r.layers.at(-1)!.W, w.layers.at(-1)!.W);
  assert.notEqual(r.layers.at(-1)!.b, before);
  assert.throws(() => raiseOutputBiases(w, [5], 1), /pdf 5 outside the network's 5 outputs/);
});

test('correctByBiasShift: the argmax after adding the shift to the raised pdfs, per shift; unlabeled frames skipped', () => {
  // 3 pdfs, pdf 2 raised. Frame 0: label 2, logits (1, 0, 0): right once the shift exceeds 1.
  // Frame 1: label 0, logits (2, 0, 0.5): wrong once the shift exceeds 1.5. Frame 2: unlabeled.
  const logits = Float32Array.from([1, 0, 0, 2, 0, 0.5, 0, 0, 9]);
  const labels = Int32Array.from([2, 0, -1]);
  assert.deepEqual(correctByBiasShift(logits, labels, 3, 3, [2], [0, 1, 1.25, 2]), [1, 1, 2, 1]);
  // A tie (shift exactly 1 on frame 0) goes to the lower pdf id, as rowArgmax.
  assert.equal(correctByBiasShift(logits, labels, 1, 3, [2], [1])[0], 0);
  assert.equal(chooseBiasShift([1, 1, 2, 1], [0, 1, 1.25, 2]), 1.25);
});

test('chooseBiasShift: the most correct frames, the smallest shift on a tie; the default grid holds the paper\'s 3.5', () => {
  assert.equal(chooseBiasShift([5, 7, 7, 6], [0, 1, 2, 3]), 1);
  assert.equal(chooseBiasShift([5, 5], [0, 2]), 0);
  assert.ok(DEFAULT_BIAS_SHIFTS.includes(3.5) && DEFAULT_BIAS_SHIFTS[0] === 0);
});

test('omit-word, eval-word, bias-fix on a synthetic corpus: the word\'s frames cut, scored apart, the omitted pdfs\' biases raised', async () => {
  const { promises: fs } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { writeLangDir, readLangDir } = await import('../../src/lang/lang-dir.js');
  const { writeDataDir } = await import('../../src/data/data-dir.js');
  const { writeFeatsDir, readFeatsDir } = await import('../../src/store/feats-archive.js');
  const { writeAlignments, readAlignments } = await import('../../src/hmm/ali-archive.js');
  const { defaultFbankConfig } = await import('../../src/features/config.js');
  const { readDnnModelDir } = await import('../../src/nnet/model-dir.js');
  const { namedTransitionModel, writeRandomModel } = await import('./pipeline-fixtures.js');
  const { omitWordDir, evalWordFrames, biasFixDir, OMITTED_WORD_FILE } = await import('../../src/nnet/omitted-word.js');
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'omit-word-'));
  await writeLangDir(path.join(root, 'lang'), { lexicon: new Map([['a', [['P1', 'P2']]], ['b', [['P3']]]]) });
  const lang = await readLangDir(path.join(root, 'lang'));
  const tm = namedTransitionModel(lang.phones.slice(1), 3);
  // Every phone instance: its 3 states, 2 frames each; words between silences.
  const texts: [string, string[]][] = [['u1', ['a', 'b']], ['u2', ['b']], ['u3', ['b', 'a']]];
  const dim = 3;
  const feats = [];
  const alis = [];
  for (const [uttId, words] of texts) {
    const phones = ['SIL', ...words.flatMap((w) => lang.lexicon.get(w)![0]), 'SIL'];
    const pdfIds = phones.flatMap((ph) => [0, 0, 1, 1, 2, 2].map((s) => tm.phones[lang.phoneIds.get(ph)!]!.states[s].pdfId));
    const n = pdfIds.length;
    alis.push({ uttId, pdfIds: Int32Array.from(pdfIds), phoneIds: Int32Array.from(pdfIds, (p) => tm.pdfToState[p][0]) });
    feats.push({ uttId, speakerId: 's1', numFrames: n, dim, data: Float32Array.from({ length: n * dim }, (_, i) => i + 100 * uttId.charCodeAt(1)) });
  }
  await writeDataDir(path.join(root, 'data'), texts.map(([uttId, words]) => ({ uttId, speakerId: 's1', wav: `${uttId}.wav`, words })));
  await writeFeatsDir(path.join(root, 'feats'), defaultFbankConfig({ numMelBins: dim }), 10, [feats]);
  const numFrames = feats.reduce((s, f) => s + f.numFrames, 0);
  await writeAlignments(path.join(root, 'ali'), alis, { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 3, numFrames, failed: [] }, tm, lang);

  const r = await omitWordDir({ dataDir: path.join(root, 'data'), featsDir: path.join(root, 'feats'), aliDir: path.join(root, 'ali'), word: 'a', outDir: path.join(root, 'no-a') });
  // Two instances of 'a', 2 phones x 6 frames each; P1 and P2 (pdfs of phone ids 3, 4) occur only in 'a'.
  assert.equal(r.instances, 2);
  assert.equal(r.removedFrames, 24);
  assert.equal(r.keptFrames, numFrames - 24);
  const p1 = lang.phoneIds.get('P1')!;
  const p2 = lang.phoneIds.get('P2')!;
  assert.deepEqual(r.omittedPdfs, [...tm.phones[p1]!.states, ...tm.phones[p2]!.states].map((s) => s.pdfId));
  const kept = await readFeatsDir(path.join(root, 'no-a', 'feats'));
  const u1 = kept.utts.get('u1')!;
  // u1 = SIL a(P1 P2) b(P3) SIL: frames 6..17 cut, the rest in order.
  assert.equal(u1.numFrames, 30 - 12);
  assert.deepEqual(Array.from(u1.data.subarray(5 * dim, 7 * dim)), Array.from(feats[0].data.subarray(5 * dim, 6 * dim)).concat(Array.from(feats[0].data.subarray(18 * dim, 19 * dim))));
  const keptAli = await readAlignments(path.join(root, 'no-a', 'ali'));
  assert.equal(keptAli.alis.get('u1')!.pdfIds.length, 18);
  assert.ok(JSON.parse(await fs.readFile(path.join(root, 'no-a', OMITTED_WORD_FILE), 'utf8')).omittedPdfs.length === 6);

  await writeRandomModel(path.join(root, 'model'), { featDim: dim, left: 1, right: 1, tm, seed: 3 });
  const w = await evalWordFrames({ modelDir: path.join(root, 'model'), featsDir: path.join(root, 'feats'), aliDir: path.join(root, 'ali'), dataDir: path.join(root, 'data'), word: 'a' });
  assert.equal(w.wordFrames.numFrames, 24);
  assert.equal(w.otherFrames.numFrames, numFrames - 24);
  assert.equal(w.byOmitted, undefined);
  // Split by label: P1's 3 pdfs as the omitted ones (as a tied state P2 would share with other words): 12 frames each side, the counts adding up.
  const p1Pdfs = tm.phones[p1]!.states.map((s) => s.pdfId);
  const split = await evalWordFrames({ modelDir: path.join(root, 'model'), featsDir: path.join(root, 'feats'), aliDir: path.join(root, 'ali'), dataDir: path.join(root, 'data'), word: 'a', omittedPdfs: p1Pdfs });
  assert.deepEqual(split.byOmitted!.omittedPdfs, p1Pdfs);
  assert.equal(split.byOmitted!.omittedPdfFrames.numFrames, 12);
  assert.equal(split.byOmitted!.sharedPdfFrames.numFrames, 12);
  assert.equal(split.byOmitted!.omittedPdfFrames.correct + split.byOmitted!.sharedPdfFrames.correct, w.wordFrames.correct);

  const fix = await biasFixDir({ modelDir: path.join(root, 'model'), omittedFile: path.join(root, 'no-a', OMITTED_WORD_FILE), devFeatsDir: path.join(root, 'feats'), devAliDir: path.join(root, 'ali'), outDir: path.join(root, 'fixed'), shifts: [0, 100] });
  // A shift of 100 nats makes an omitted pdf every frame's best: right on 'a' frames whose best omitted pdf is the label, wrong elsewhere.
  assert.equal(fix.dev.length, 2);
  assert.equal(fix.shiftNats, fix.dev[1].accuracy > fix.dev[0].accuracy ? 100 : 0);
  assert.ok(fix.dev[1].accuracy <= 24 / numFrames);
  const [before, after] = [await readDnnModelDir(path.join(root, 'model')), await readDnnModelDir(path.join(root, 'fixed'))];
  const [b0, b1] = [before.weights.layers.at(-1)!.b, after.weights.layers.at(-1)!.b];
  for (let p = 0; p < tm.numPdfs; p++) assert.equal(b1[p], Math.fround(b0[p] + (r.omittedPdfs.includes(p) ? fix.shiftNats : 0)));
});
