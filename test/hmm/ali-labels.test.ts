import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readAliPdfIds } from '../../src/hmm/ali-labels.js';
import { encodeAlignments, readAlignments, writeAlignments } from '../../src/hmm/ali-archive.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { walk } from './ali-fixture.js';
import { makeLang, withTmp } from './helpers.js';

test('readAliPdfIds gives readAlignments\' pdf ids (no phone ids), checked against the transition model', () =>
  withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const uw = lang.phoneIds.get('UW')!;
    const ali = path.join(dir, 'ali');
    await writeAlignments(ali, [walk(tm, 'u1', uw, 5), walk(tm, 'u2', uw, 7)], { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed: [] }, tm, lang);
    const r = await readAliPdfIds(ali);
    const full = await readAlignments(ali);
    assert.deepEqual([...r.alis.entries()].map(([k, v]) => [k, v]), [...full.alis.entries()].map(([k, v]) => [k, { pdfIds: v.pdfIds }]));
    assert.equal(r.info.numFrames, 12);
    assert.equal(r.transitionModel.numPdfs, tm.numPdfs);
    // A pdf of another phone than the frame's phone id is refused, as by readAlignments.
    const bad = walk(tm, 'u1', uw, 2);
    bad.phoneIds[1] = lang.phoneIds.get('N')!;
    await fs.writeFile(path.join(ali, 'ali.arrow'), encodeAlignments([bad]));
    await assert.rejects(readAliPdfIds(ali), { message: new RegExp(`ali\\.arrow: utterance u1 frame 1: pdf ${bad.pdfIds[1]} belongs to phone ${uw}, not ${bad.phoneIds[1]}$`) });
  }));
