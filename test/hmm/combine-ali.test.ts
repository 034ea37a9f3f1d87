import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { aliModelDifference, combineAliDirs, type AliDirModel } from '../../src/hmm/combine-ali.js';
import { encodeAlignments, readAlignments, writeAlignments, type AliInfo, type UttAlignment } from '../../src/hmm/ali-archive.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import type { TransitionModel } from '../../src/hmm/transition-model.js';
import { walk } from './ali-fixture.js';
import { makeLang, withTmp } from './helpers.js';

const info = (tm: TransitionModel, failed: AliInfo['failed'] = [], extra: Partial<AliInfo> = {}): AliInfo => ({ numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed, ...extra });

test('combineAliDirs merges sorted alignments (the bytes writeAlignments writes), failed lists and statistics', () =>
  withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const uw = lang.phoneIds.get('UW')!;
    const all = ['a-1', 'a-2', 'b-1', 'c-1', 'c-2'].map((u, i) => walk(tm, u, uw, 4 + i));
    const p1 = path.join(dir, 'p1');
    const p2 = path.join(dir, 'p2');
    // Interleaved ids: the merge must sort across sources.
    await writeAlignments(p1, [all[0], all[2], all[4]], info(tm, [{ uttId: 'z-1', reason: 'too short' }], { avgLogLike: -50, gmmStateAccuracy: 0.5 }), tm, lang);
    await writeAlignments(p2, [all[1], all[3]], info(tm, [{ uttId: 'b-2', reason: 'OOV' }], { avgLogLike: -60, gmmStateAccuracy: 1 }), tm, lang);
    const out = path.join(dir, 'out');
    const r = await combineAliDirs(out, [p1, p2]);
    assert.deepEqual(r.failed, [{ uttId: 'b-2', reason: 'OOV' }, { uttId: 'z-1', reason: 'too short' }]);
    assert.equal(r.numUtts, 5);
    assert.equal(r.numFrames, 4 + 5 + 6 + 7 + 8);
    // Frame-weighted: p1 has 4+6+8 = 18 frames, p2 5+7 = 12.
    assert.ok(Math.abs(r.avgLogLike! - (-50 * 18 - 60 * 12) / 30) < 1e-9);
    assert.ok(Math.abs(r.gmmStateAccuracy! - (0.5 * 18 + 12) / 30) < 1e-9);
    assert.deepEqual(await fs.readFile(path.join(out, 'ali.arrow')), Buffer.from(encodeAlignments(all)));
    const back = await readAlignments(out);
    assert.deepEqual([...back.alis.values()], all);
    assert.equal(await fs.readFile(path.join(out, 'failed'), 'utf8'), 'b-2 OOV\nz-1 too short\n');
    assert.deepEqual(back.lang.phones, lang.phones);
  }));

test('combineAliDirs refuses another model, duplicate utterances and an unsorted archive', () =>
  withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const uw = lang.phoneIds.get('UW')!;
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    await writeAlignments(a, [walk(tm, 'u1', uw, 5), walk(tm, 'u2', uw, 5)], info(tm), tm, lang);
    await writeAlignments(b, [walk(tm, 'u2', uw, 6)], info(tm, [{ uttId: 'u3', reason: 'x' }]), tm, lang);
    await assert.rejects(combineAliDirs(path.join(dir, 'o1'), [a, b]), {
      message: `utterance u2 is in both ${a} and ${b}; combine alignment directories of disjoint utterances (the parts of split-data or split-ali)`,
    });
    const c = path.join(dir, 'c');
    await writeAlignments(c, [walk(tm, 'u3', uw, 6)], info(tm), tm, lang);
    await assert.rejects(combineAliDirs(path.join(dir, 'o2'), [b, c]), { message: new RegExp(`^utterance u3 is in both ${b} and ${c}`) });
    // Another lexicon: other phones, other pdfs.
    const otherLang = await makeLang(path.join(dir, 'x'), 'two T UW\n');
    const otherTm = buildTransitionModel(otherLang.phones, otherLang.silencePhones);
    const d = path.join(dir, 'd');
    await writeAlignments(d, [walk(otherTm, 'v1', otherLang.phoneIds.get('UW')!, 5)], info(otherTm), otherTm, otherLang);
    await assert.rejects(combineAliDirs(path.join(dir, 'o3'), [a, d]), {
      message: `${d}: aligned with another model (${otherTm.numPdfs} pdfs, not ${tm.numPdfs}) than ${a}; combine only alignments made with the same model and lang (align every part with the same MODEL_DIR)`,
    });
    // Same model, another words.txt.
    const e = path.join(dir, 'e');
    await writeAlignments(e, [walk(tm, 'v2', uw, 5)], info(tm), tm, lang);
    await fs.appendFile(path.join(e, 'lang', 'words.txt'), `extra ${lang.words.length}\n`);
    await assert.rejects(combineAliDirs(path.join(dir, 'o4'), [a, e]), { message: new RegExp(`^${e}: aligned with another lang directory \\(lang/words.txt differs\\)`) });
    // An archive written out of order by another tool.
    const f = path.join(dir, 'f');
    await writeAlignments(f, [walk(tm, 'w1', uw, 5)], info(tm), tm, lang);
    await fs.writeFile(path.join(f, 'ali.arrow'), encodeAlignments([walk(tm, 'w2', uw, 3), walk(tm, 'w1', uw, 2)]));
    await assert.rejects(combineAliDirs(path.join(dir, 'o5'), [a, f]), {
      message: `${path.join(f, 'ali.arrow')}: utterance w1 comes after w2, not in C-locale order; write the alignment with asr-distill align or import-ali`,
    });
    await assert.rejects(combineAliDirs(path.join(dir, 'o6'), []), { message: 'give at least one alignment directory to combine' });
  }));

test('aliModelDifference names what differs: frame shift, pdfs, tree, topology, lang', () =>
  withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const m: AliDirModel = { dir: 'a', info: info(tm), transitionModel: tm, lang };
    assert.equal(aliModelDifference(m, { ...m }), undefined);
    assert.equal(aliModelDifference(m, { ...m, info: { ...m.info, frameShiftMs: 15 } }), 'frame shift 15 ms, not 10 ms');
    assert.equal(aliModelDifference(m, { ...m, info: { ...m.info, numPdfs: 3 } }), `another model (3 pdfs, not ${tm.numPdfs})`);
    const tree = { kind: 'fake' } as unknown as TransitionModel['tree'];
    assert.equal(aliModelDifference(m, { ...m, transitionModel: { ...tm, tree } }), 'another decision tree (transition-model.json "tree")');
    assert.equal(aliModelDifference(m, { ...m, transitionModel: { ...tm, phones: tm.phones.slice(0, -1) } }), 'another transition model (HMM topology or transitions)');
    assert.equal(aliModelDifference(m, { ...m, lang: { ...lang, phones: [...lang.phones, 'X'] } }), 'another lang directory (lang/phones.txt differs)');
  }));
