import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  decodeAlignments,
  encodeAlignments,
  formatCtm,
  formatPdfText,
  phoneSegments,
  readAlignments,
  readAliInfo,
  streamAlignments,
  writeAlignments,
  type UttAlignment,
} from '../../src/hmm/ali-archive.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { makeLang, withTmp } from './helpers.js';

/** Frames of phone `phoneId` with the given HMM state sequence. */
function frames(tm: ReturnType<typeof buildTransitionModel>, phoneId: number, states: number[]): [number, number][] {
  return states.map((s) => [tm.phones[phoneId]!.states[s].pdfId, phoneId]);
}

function ali(uttId: string, f: [number, number][]): UttAlignment {
  return { uttId, pdfIds: Int32Array.from(f.map((x) => x[0])), phoneIds: Int32Array.from(f.map((x) => x[1])) };
}

test('encode/decode round-trips, including an empty utterance', () => {
  const a = [
    { uttId: 'u1', pdfIds: Int32Array.of(0, 0, 1, 2), phoneIds: Int32Array.of(1, 1, 1, 1) },
    { uttId: 'u2', pdfIds: new Int32Array(0), phoneIds: new Int32Array(0) },
    { uttId: 'u3', pdfIds: Int32Array.of(7), phoneIds: Int32Array.of(4) },
  ];
  const b = decodeAlignments(encodeAlignments(a), 'x.arrow');
  assert.deepEqual(b, a);
  assert.throws(() => decodeAlignments(new Uint8Array([1, 2, 3]), 'bad.arrow'), /^InputError: bad\.arrow: not an Arrow IPC file/);
  assert.throws(() => encodeAlignments([{ uttId: 'u', pdfIds: Int32Array.of(1), phoneIds: new Int32Array(0) }]), /alignment of u: 1 pdf ids but 0 phone ids/);
});

test('encodeAlignments writes a record batch per batchFrames frames; streamAlignments reads them one by one', async () => {
  const a = Array.from({ length: 5 }, (_, i) => ({ uttId: `u${i}`, pdfIds: Int32Array.from({ length: 3 + i }, (_, t) => t + i), phoneIds: new Int32Array(3 + i).fill(i) }));
  const { tableFromIPC } = await import('apache-arrow');
  // 3+4 | 5 | 6 | 7 frames at 8 frames per batch (an utterance is never split).
  const bytes = encodeAlignments(a, 8);
  assert.deepEqual(tableFromIPC(bytes).batches.map((b) => b.numRows), [2, 1, 1, 1]);
  assert.deepEqual(decodeAlignments(bytes, 'x.arrow'), a);
  // The default fits a small alignment in one batch: the bytes of before batching existed.
  assert.equal(tableFromIPC(encodeAlignments(a)).batches.length, 1);
  await withTmp(async (dir) => {
    const file = path.join(dir, 'ali.arrow');
    await writeFile(file, bytes);
    const got: UttAlignment[] = [];
    for await (const x of streamAlignments(file)) got.push(x);
    assert.deepEqual(got, a);
    await assert.rejects(async () => {
      for await (const _ of streamAlignments(path.join(dir, 'none.arrow'))) void _;
    }, /none\.arrow: cannot read alignment archive \(ENOENT\); the alignment directory .* is incomplete or damaged/);
  });
});

test('phoneSegments splits adjacent instances of the same phone where state 0 is re-entered', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const sil = lang.phoneIds.get('SIL')!;
    const n = lang.phoneIds.get('N')!;
    const a = ali('u', [...frames(tm, sil, [0, 3, 4]), ...frames(tm, n, [0, 1, 1, 2]), ...frames(tm, n, [0, 1, 2, 2]), ...frames(tm, sil, [0, 1, 3, 2, 4])]);
    const segs = phoneSegments(a, tm);
    assert.deepEqual(segs, [
      { phoneId: sil, startFrame: 0, numFrames: 3 },
      { phoneId: n, startFrame: 3, numFrames: 4 },
      { phoneId: n, startFrame: 7, numFrames: 4 },
      { phoneId: sil, startFrame: 11, numFrames: 5 },
    ]);
    assert.equal(formatCtm('u', segs.slice(0, 2), lang.phones, 10), 'u 1 0.00 0.03 SIL\nu 1 0.03 0.04 N\n');
    assert.equal(formatPdfText(ali('u', frames(tm, n, [0, 1]))), `u ${tm.phones[n]!.states[0].pdfId} ${tm.phones[n]!.states[1].pdfId} \n`);
  });
});

test('writeAlignments/readAlignments: sorted rows, copies of lang and transition model, failed list', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const sil = lang.phoneIds.get('SIL')!;
    const uw = lang.phoneIds.get('UW')!;
    const b = ali('b', [...frames(tm, sil, [0, 4]), ...frames(tm, uw, [0, 1, 2])]);
    const a = ali('a', frames(tm, uw, [0, 0, 1, 2]));
    const out = path.join(dir, 'ali');
    const failed = [{ uttId: 'c', reason: 'word "ten" is not in the lexicon' }];
    await writeAlignments(out, [b, a], { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed }, tm, lang);
    const r = await readAlignments(out);
    assert.deepEqual([...r.alis.keys()], ['a', 'b']);
    assert.deepEqual(r.alis.get('b'), b);
    assert.equal(r.info.numUtts, 2);
    assert.equal(r.info.numFrames, 9);
    assert.deepEqual(r.info.failed, failed);
    assert.equal(r.transitionModel.numPdfs, tm.numPdfs);
    assert.deepEqual(r.lang.phones, lang.phones);
    assert.equal(await readFile(path.join(out, 'failed'), 'utf8'), 'c word "ten" is not in the lexicon\n');

    // A pdf id that contradicts the phone id is caught on read.
    const bad = ali('x', [[tm.phones[sil]!.states[0].pdfId, uw]]);
    await writeFile(path.join(out, 'ali.arrow'), encodeAlignments([bad]));
    await assert.rejects(readAlignments(out), {
      message: `${path.join(out, 'ali.arrow')}: utterance x frame 0: pdf 0 belongs to phone ${sil}, not ${uw}`,
    });
    await assert.rejects(
      writeAlignments(out, [ali('y', [[tm.numPdfs, uw]])], { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed: [] }, tm, lang),
      { message: `alignment of y frame 0: pdf id ${tm.numPdfs} outside [0, ${tm.numPdfs})` },
    );
    await assert.rejects(readAliInfo(path.join(dir, 'nope')), {
      message: `${path.join(dir, 'nope', 'ali.json')}: not found; is ${path.join(dir, 'nope')} an alignment directory made by 'asr-distill align' or 'asr-distill import-ali'?`,
    });
  });
});
