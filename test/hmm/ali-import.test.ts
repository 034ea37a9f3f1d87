import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { formatPdfText, readAlignments, writeAlignments, type UttAlignment } from '../../src/hmm/ali-archive.js';
import { importAlignments, intervalsToAlignment, loadModelOrLang, parseKaldiPdfText, parseTextGrid } from '../../src/hmm/ali-import.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { readTree, TREE_FILE } from '../../src/hmm/tree-format.js';
import { buildDecodingGraph } from '../../src/decode/graph.js';
import { wordLoopGrammar } from '../../src/decode/grammar.js';
import { encodeArchive, encodeBinaryInt32Vector } from '../../src/store/kaldi-archive.js';
import { makeLang, withTmp } from './helpers.js';

const LONG = `File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 0.5
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "IntervalTier"
        name = "words"
        xmin = 0
        xmax = 0.5
        intervals: size = 1
        intervals [1]:
            xmin = 0
            xmax = 0.5
            text = "two"
    item [2]:
        class = "IntervalTier"
        name = "phones"
        xmin = 0
        xmax = 0.5
        intervals: size = 4
        intervals [1]:
            xmin = 0
            xmax = 0.1
            text = ""
        intervals [2]:
            xmin = 0.1
            xmax = 0.2
            text = "T"
        intervals [3]:
            xmin = 0.2
            xmax = 0.4
            text = "UW1"
        intervals [4]:
            xmin = 0.4
            xmax = 0.5
            text = "sil"
`;

const SHORT = `File type = "ooTextFile"
Object class = "TextGrid"

0
0.5
<exists>
1
"IntervalTier"
"phones"
0
0.5
2
0
0.25
"T"
0.25
0.5
"UW"
`;

test('parseTextGrid reads the long and the short format; parseKaldiPdfText checks lines', () => {
  const long = parseTextGrid(LONG, 'a.TextGrid');
  assert.deepEqual(long.map((t) => t.name), ['words', 'phones']);
  assert.deepEqual(long[1].intervals[2], { xmin: 0.2, xmax: 0.4, text: 'UW1' });
  const short = parseTextGrid(SHORT, 'b.TextGrid');
  assert.deepEqual(short, [{ name: 'phones', intervals: [{ xmin: 0, xmax: 0.25, text: 'T' }, { xmin: 0.25, xmax: 0.5, text: 'UW' }] }]);
  assert.throws(() => parseTextGrid('hello', 'c.TextGrid'), { message: 'c.TextGrid: TextGrid ends early (expected file type); is it a Praat TextGrid?' });
  assert.deepEqual(parseKaldiPdfText('u1 0 0 3\nu2 5\n', 'ali.txt'), new Map([['u1', Int32Array.of(0, 0, 3)], ['u2', Int32Array.of(5)]]));
  assert.throws(() => parseKaldiPdfText('u1 0 x\n', 'ali.txt'), { message: "ali.txt line 1 (utt u1): 'x' is not a pdf id; expected ali-to-pdf text output" });
  assert.throws(() => parseKaldiPdfText('u1\n', 'ali.txt'), { message: "ali.txt line 1: utterance u1 has no frames; expected 'uttid pdf1 pdf2 ...' (ali-to-pdf text output)" });
});

test('intervalsToAlignment: frame centres pick the interval; states share each phone equally', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const iv = parseTextGrid(LONG, 'a')[1].intervals;
    const a = intervalsToAlignment('u', iv, 48, tm, lang, { frameShiftMs: 10, frameLengthMs: 25 });
    assert.ok(!('reason' in a));
    const names = Array.from(a.phoneIds, (p) => lang.phones[p]).join(' ');
    // Centres at 12.5, 22.5, ... ms: SIL for t <= 8 (92.5 ms), T for 9..18, UW for 19..38, SIL after.
    assert.equal(names, [...Array(9).fill('SIL'), ...Array(10).fill('T'), ...Array(20).fill('UW'), ...Array(9).fill('SIL')].join(' '));
    const t = tm.phones[lang.phoneIds.get('T')!]!;
    assert.deepEqual(Array.from(a.pdfIds.subarray(9, 19)), [0, 0, 0, 0, 1, 1, 1, 2, 2, 2].map((s) => t.states[s].pdfId));
    const bad = intervalsToAlignment('u', [{ xmin: 0, xmax: 1, text: 'QQ' }], 10, tm, lang, { frameShiftMs: 10, frameLengthMs: 25 });
    assert.deepEqual(bad, { reason: `phone 'QQ' at 0s is not in ${lang.dir}/phones.txt` });
  });
});

test('import-ali round-trips Kaldi text, imports TextGrids, and reports mismatches by utterance', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const uw = tm.phones[lang.phoneIds.get('UW')!]!;
    const a: UttAlignment = { uttId: 'u1', pdfIds: Int32Array.of(uw.states[0].pdfId, uw.states[1].pdfId, uw.states[2].pdfId), phoneIds: new Int32Array(3).fill(uw.phoneId) };
    const model = path.join(dir, 'model');
    await writeAlignments(model, [a], { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed: [] }, tm, lang);
    const txt = path.join(dir, 'ali.txt');
    await writeFile(txt, formatPdfText(a) + `u2 ${tm.numPdfs}\nu3 0 0\n`);
    const out = path.join(dir, 'imported');
    const r = await importAlignments('kaldi', txt, model, out, { numFrames: new Map([['u1', 3], ['u2', 1], ['u3', 4]]) });
    assert.equal(r.numUtts, 1);
    assert.deepEqual(r.failed, [
      { uttId: 'u2', reason: `frame 0: pdf id ${tm.numPdfs} >= ${tm.numPdfs} pdfs of the transition model` },
      { uttId: 'u3', reason: '2 frames in the alignment but 4 in the features' },
    ]);
    const back = await readAlignments(out);
    assert.deepEqual(back.alis.get('u1'), a);
    assert.equal(back.info.failed.length, 2);

    const tg = path.join(dir, 'tg');
    await mkdir(tg);
    await writeFile(path.join(tg, 'spk-1.TextGrid'), LONG);
    await writeFile(path.join(tg, 'spk-2.TextGrid'), SHORT.replace('"UW"', '"ZH"'));
    const out2 = path.join(dir, 'imported-tg');
    const r2 = await importAlignments('textgrid', tg, lang.dir, out2);
    assert.equal(r2.numUtts, 1);
    assert.deepEqual(r2.failed, [{ uttId: 'spk-2', reason: `${path.join(tg, 'spk-2.TextGrid')}: phone 'ZH' at 0.25s is not in ${lang.dir}/phones.txt` }]);
    const tga = (await readAlignments(out2)).alis.get('spk-1')!;
    assert.equal(tga.pdfIds.length, 48, 'floor((500 - 25) / 10) + 1 frames');
    await assert.rejects(importAlignments('textgrid', path.join(dir, 'nope'), lang.dir, out2), { message: `${path.join(dir, 'nope')}: not found; give a TextGrid file or a directory of <uttid>.TextGrid files` });
    await writeFile(path.join(dir, 'w.TextGrid'), LONG.replace('"phones"', '"segments"'));
    await assert.rejects(importAlignments('textgrid', path.join(dir, 'w.TextGrid'), lang.dir, out2), {
      message: `${path.join(dir, 'w.TextGrid')}: no phone tier (tiers: words, segments); choose one with --tier`,
    });
    assert.equal((await loadModelOrLang(model)).tm.numPdfs, tm.numPdfs);
  });
});

test('import-ali with 0 of N utterances imported fails naming the reasons and writes no ALI_DIR', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const txt = path.join(dir, 'ali.txt');
    await writeFile(txt, `u1 ${tm.numPdfs}\nu2 0 0\n`);
    const out = path.join(dir, 'imported');
    await assert.rejects(importAlignments('kaldi', txt, lang.dir, out, { numFrames: new Map([['u1', 1], ['u2', 4]]) }), {
      name: 'InputError',
      message:
        `${txt}: none of its 2 utterances could be imported, nothing written to ${out}:\n` +
        `  u1: frame 0: pdf id ${tm.numPdfs} >= ${tm.numPdfs} pdfs of the transition model\n` +
        '  u2: 2 frames in the alignment but 4 in the features',
    });
    await assert.rejects(access(out), 'no ALI_DIR written');
    await writeFile(txt, '\n');
    await assert.rejects(importAlignments('kaldi', txt, lang.dir, out), { message: `${txt}: no alignments in it; expected 'uttid pdf1 pdf2 ...' lines` });
  });
});

test('binary garbage given to import-ali is not echoed raw: refused as not text, control characters escaped', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const bin = path.join(dir, 'ali.bin');
    await writeFile(bin, Buffer.from([0x75, 0x31, 0x20, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0xff, 0x07]));
    await assert.rejects(importAlignments('kaldi', bin, lang.dir, path.join(dir, 'out')), {
      message: `${bin}: not a text file (byte 7 is a NUL byte: binary data?); expected the text output of 'ali-to-pdf final.mdl ark:"gunzip -c ali.*.gz|" ark,t:-'`,
    });
    await writeFile(bin, Buffer.from([0x75, 0x31, 0x20, 0x31, 0xfe, 0x02]));
    await assert.rejects(importAlignments('kaldi', bin, lang.dir, path.join(dir, 'out')), (e: Error) => {
      assert.match(e.message, new RegExp(`^${bin.replace(/[.]/g, '\\.')}: not UTF-8 text \\(byte 4 is 0xfe\\)`));
      return true;
    });
    // Valid UTF-8 with terminal escape sequences: shown escaped.
    assert.throws(() => parseKaldiPdfText('u\x1b]0;owned\x07 0 \x1b[2J\n', 'ali.txt'), {
      message: "ali.txt line 1 (utt u\\x1b]0;owned\\x07): '\\x1b[2J' is not a pdf id; expected ali-to-pdf text output",
    });
  });
});

test('import-ali with a Kaldi tree and transition model: transition ids and pdf ids become the same tied-state targets', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const fx = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kaldi', 'tri');
    const kaldi = { tree: path.join(fx, 'tree.txt'), model: path.join(fx, 'final.mdl.txt'), phones: path.join(fx, 'phones.txt') };
    const tids = path.join(dir, 'ali.tid.txt');
    await writeFile(tids, (await readFile(path.join(fx, 'ali.tid.txt'), 'utf8')) + 'bad 1 87\n');
    const out = path.join(dir, 'ali-tid');
    const r = await importAlignments('kaldi', tids, lang.dir, out, { kaldi, transitionIds: true });
    assert.equal(r.numUtts, 3);
    assert.deepEqual(r.failed, [{ uttId: 'bad', reason: `frame 1: transition id 87 outside [1, 86] of ${kaldi.model}; is the alignment from this model?` }]);
    const got = await readAlignments(out);
    assert.equal(got.transitionModel.numPdfs, 35);
    assert.ok(got.transitionModel.tree, 'the alignment directory carries the Kaldi tree');
    const expected = (await readFile(path.join(fx, 'ali.pdf.txt'), 'utf8')).trim().split('\n');
    const phones = (await readFile(path.join(fx, 'ali.phones.txt'), 'utf8')).trim().split('\n');
    for (const [i, line] of expected.entries()) {
      const [utt, ...pdfs] = line.split(' ');
      const a = got.alis.get(utt)!;
      assert.deepEqual([...a.pdfIds], pdfs.map(Number), utt);
      assert.deepEqual([...a.phoneIds].map((p) => lang.phones[p]), phones[i].split(' ').slice(1), utt);
    }
    // The same alignment as ali-to-pdf output gives the same targets; the tree is there for show-tree.
    const out2 = path.join(dir, 'ali-pdf');
    await importAlignments('kaldi', path.join(fx, 'ali.pdf.txt'), lang.dir, out2, { kaldi });
    assert.deepEqual((await readAlignments(out2)).alis, got.alis);
    assert.equal((await readTree(path.join(out2, TREE_FILE), lang.phones)).numPdfs, 35);
    await assert.rejects(importAlignments('kaldi', tids, lang.dir, out2, { transitionIds: true }), { message: /^transition-id alignments need the Kaldi model that made them/ });
    // The imported model expands a decoding graph by context: UW after T only (pdf 30, never 31), AH before N only (16, never 17).
    const pdfs = new Set(buildDecodingGraph(wordLoopGrammar(['two', 'one']), lang, got.transitionModel).nodePdf);
    assert.deepEqual([30, 31, 16, 17].map((p) => pdfs.has(p)), [true, false, true, false]);
  });
});

test('import-ali streams a gzipped or text archive in any order into the bytes writeAlignments writes; a key twice is refused; no scratch file is left', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    // 40 utterances in reverse C-locale order, pdf ids of varying lengths.
    const alis: UttAlignment[] = Array.from({ length: 40 }, (_, i) => {
      const pdfIds = Int32Array.from({ length: 1 + ((i * 37) % 90) }, (_, t) => (i + t) % tm.numPdfs);
      return { uttId: `spk${i % 3}-${String(i).padStart(3, '0')}`, pdfIds, phoneIds: Int32Array.from(pdfIds, (p) => tm.pdfToState[p][0]) };
    }).sort((a, b) => (a.uttId < b.uttId ? 1 : -1));
    const ref = path.join(dir, 'ref');
    await writeAlignments(ref, alis, { numPdfs: tm.numPdfs, frameShiftMs: 10, numUtts: 0, numFrames: 0, failed: [] }, tm, lang);
    const gz = path.join(dir, 'ali.1.gz');
    await writeFile(gz, gzipSync(encodeArchive(alis.map((a) => ({ key: a.uttId, value: a.pdfIds })), encodeBinaryInt32Vector).bytes));
    const txt = path.join(dir, 'ali.txt');
    await writeFile(txt, alis.map(formatPdfText).join(''));
    for (const input of [gz, txt]) {
      const out = path.join(dir, `out-${path.basename(input)}`);
      assert.deepEqual(await importAlignments('kaldi', input, lang.dir, out), { numUtts: 40, failed: [] });
      assert.deepEqual(await readFile(path.join(out, 'ali.arrow')), await readFile(path.join(ref, 'ali.arrow')), `${input}: ali.arrow as writeAlignments writes it`);
    }
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('.tmp')), [], 'no scratch file left');
    await writeFile(txt, `u1 0\nu2 1\nu1 2\n`);
    await assert.rejects(importAlignments('kaldi', txt, lang.dir, path.join(dir, 'dup')), { message: `${txt} line 3: utterance u1 appears twice` });
    await writeFile(gz, gzipSync(encodeArchive([{ key: 'u1', value: Int32Array.of(0) }, { key: 'u1', value: Int32Array.of(1) }], encodeBinaryInt32Vector).bytes));
    await assert.rejects(importAlignments('kaldi', gz, lang.dir, path.join(dir, 'dup')), { message: `${gz}: key u1 appears twice` });
    await assert.rejects(access(path.join(dir, 'dup')), 'nothing written');
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('.tmp')), [], 'no scratch file left after an error');
  });
});
