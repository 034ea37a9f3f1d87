import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  encodeFeatsArchive,
  exportKaldiFeats,
  importKaldiFeats,
  kaldiFbankConfig,
  kaldiFeatureConfig,
  parseKaldiConf,
  readUtt2spk,
  resolveKaldiFeatsInput,
} from '../../src/features/kaldi-feats.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { makeFeatureComputer } from '../../src/features/compute.js';
import { computeCmvnStats, writeCmvn, applyCmvn } from '../../src/features/cmvn.js';
import { readFeatsDir, writeFeatsDir, type UttFeats } from '../../src/store/feats-archive.js';
import {
  arkMatrixRefs,
  encodeArchive,
  encodeBinaryMatrix,
  formatKaldiTextMatrix,
  formatScp,
  readMatrixArchive,
  readMatrixRefs,
  readScpMatrices,
  scpMatrixRefs,
} from '../../src/store/kaldi-archive.js';
import { kaldiCompress, kaldiQuantisationBound, randomMatrix } from '../store/kaldi-encoders.js';
import { withTmp } from '../hmm/helpers.js';

function utts(): UttFeats[] {
  return [
    ['spkB-u2', 'spkB', 7],
    ['spkA-u1', 'spkA', 12],
    ['spkA-u3', 'spkA', 9],
  ].map(([uttId, speakerId, n], i) => {
    const m = randomMatrix(n as number, 5, i + 1);
    return { uttId: uttId as string, speakerId: speakerId as string, numFrames: m.numRows, dim: 5, data: m.data };
  });
}

test('parseKaldiConf reads --name=value lines with comments; kaldiFbankConfig fills in Kaldi defaults', () => {
  const opts = parseKaldiConf('# fbank.conf\n--num-mel-bins=40  # like fbank40\n--dither=0\n--use_energy=false\n\n--allow-downsample=true\n', 'fbank.conf');
  assert.deepEqual([...opts], [
    ['num-mel-bins', '40'],
    ['dither', '0'],
    ['use-energy', 'false'],
    ['allow-downsample', 'true'],
  ]);
  // Kaldi's compute-fbank-feats defaults with these three changed are exactly features/fbank40.json.
  assert.deepEqual(kaldiFbankConfig(opts, 'fbank.conf'), defaultFbankConfig());
  const kaldiDefaults = kaldiFbankConfig(new Map(), 'empty.conf');
  assert.equal(kaldiDefaults.numMelBins, 23);
  assert.equal(kaldiDefaults.dither, 1);
  assert.throws(() => kaldiFbankConfig(parseKaldiConf('--num-ceps=13\n', 'mfcc.conf'), 'mfcc.conf'), {
    message: /^mfcc\.conf: --num-ceps is not an fbank option asr-distill computes the same way; import with --conf instead/,
  });
  assert.throws(() => kaldiFbankConfig(parseKaldiConf('--snip-edges=maybe\n', 'f.conf'), 'f.conf'), { message: 'f.conf: --snip-edges=maybe: expected true or false' });
  assert.throws(() => kaldiFbankConfig(parseKaldiConf('--window-type=kaiser\n', 'f.conf'), 'f.conf'), { message: /--window-type=kaiser: expected one of povey/ });
  assert.throws(() => parseKaldiConf('num-mel-bins=40\n', 'f.conf'), { message: "f.conf line 1: expected '--option=value', got 'num-mel-bins=40'" });
  assert.throws(() => parseKaldiConf('--config=other.conf\n', 'f.conf'), { message: /nested --config files are not supported/ });
});

test('kaldiFeatureConfig records the options sorted, or null when unknown; such features cannot be recomputed', () => {
  const c = kaldiFeatureConfig(parseKaldiConf('--use-energy=false\n--frame-shift=8\n--num-ceps=13\n', 'mfcc.conf'));
  assert.deepEqual(c, { type: 'kaldi', options: ['--frame-shift=8', '--num-ceps=13', '--use-energy=false'], sampleRate: 16000, frameShiftMs: 8 });
  assert.deepEqual(kaldiFeatureConfig(null), { type: 'kaldi', options: null, sampleRate: 16000, frameShiftMs: 10 });
  assert.throws(() => makeFeatureComputer(kaldiFeatureConfig(null), 'exp/dnn feature config'), {
    name: 'InputError',
    message: /^exp\/dnn feature config: the features were computed by Kaldi \(imported with import-feats, options unknown\), so asr-distill cannot compute them from audio/,
  });
});

test('resolveKaldiFeatsInput: rspecifiers, .scp files, data dirs (feats.scp + utt2spk), archives', async () => {
  await withTmp(async (dir) => {
    assert.deepEqual(await resolveKaldiFeatsInput('scp:x/feats.scp'), { kind: 'scp', file: 'x/feats.scp' });
    assert.deepEqual(await resolveKaldiFeatsInput('ark,t:x.ark'), { kind: 'ark', file: 'x.ark' });
    await assert.rejects(resolveKaldiFeatsInput('ark:-'), { message: /reading from stdin or a command is not supported/ });
    await assert.rejects(resolveKaldiFeatsInput(path.join(dir, 'nope')), { message: /not found; give a Kaldi data dir/ });
    await assert.rejects(resolveKaldiFeatsInput(dir), { message: /a directory without feats\.scp/ });
    await fs.writeFile(path.join(dir, 'feats.scp'), '');
    assert.deepEqual(await resolveKaldiFeatsInput(dir), { kind: 'scp', file: path.join(dir, 'feats.scp') });
    await fs.writeFile(path.join(dir, 'utt2spk'), '');
    assert.deepEqual(await resolveKaldiFeatsInput(dir), { kind: 'scp', file: path.join(dir, 'feats.scp'), utt2spk: path.join(dir, 'utt2spk') });
    await fs.writeFile(path.join(dir, 'a.ark'), '');
    assert.deepEqual(await resolveKaldiFeatsInput(path.join(dir, 'a.ark')), { kind: 'ark', file: path.join(dir, 'a.ark') });
    await fs.writeFile(path.join(dir, 'u2s'), 'u1 s1\nu2 s1 extra\n');
    await assert.rejects(readUtt2spk(path.join(dir, 'u2s')), { message: `${path.join(dir, 'u2s')} line 2: expected 'uttid speaker', got 3 fields` });
  });
});

test('Arrow -> export-feats (ark + scp) -> import-feats -> Arrow is identical for float features', async () => {
  await withTmp(async (dir) => {
    const src = path.join(dir, 'feats');
    const config = defaultFbankConfig({ numMelBins: 5 });
    await writeFeatsDir(src, config, 10, [utts()]);
    const kaldi = path.join(dir, 'kaldi');
    await fs.mkdir(kaldi);
    const r = await exportKaldiFeats(src, path.join(kaldi, 'feats.ark'));
    assert.deepEqual(r, { numUtts: 3, numFrames: 28, dim: 5, scp: path.join(kaldi, 'feats.scp') });
    const scpText = await fs.readFile(r.scp, 'utf8');
    // C-locale order, absolute archive path, offsets pointing at each object's \0B.
    assert.match(scpText, new RegExp(`^spkA-u1 ${path.join(kaldi, 'feats.ark')}:8\nspkA-u3 .*:\\d+\nspkB-u2 .*:\\d+\n$`));
    const ark = await fs.readFile(path.join(kaldi, 'feats.ark'));
    for (const line of scpText.trim().split('\n')) {
      const off = Number(line.split(':').pop());
      assert.deepEqual([...ark.subarray(off, off + 5)], [0, 0x42, 0x46, 0x4d, 0x20], line);
    }
    await fs.writeFile(path.join(kaldi, 'utt2spk'), 'spkA-u1 spkA\nspkA-u3 spkA\nspkB-u2 spkB\n');
    const fbankConf = path.join(dir, 'fbank.conf');
    await fs.writeFile(fbankConf, '--num-mel-bins=5\n--dither=0\n');
    const out = path.join(dir, 'imported');
    const s = await importKaldiFeats(kaldi, out, { fbankConf });
    assert.deepEqual(s.formats, { FM: 3 });
    assert.deepEqual(s.skipped, []);
    const back = await readFeatsDir(out);
    const orig = await readFeatsDir(src);
    assert.deepEqual([...back.utts.keys()], [...orig.utts.keys()].sort());
    for (const [k, u] of orig.utts) assert.deepEqual(back.utts.get(k), u, k);
    assert.deepEqual(back.info.config, config);
    assert.equal(back.info.source, `import-feats ${path.join(kaldi, 'feats.scp')}`);
    assert.equal(back.info.frameShiftMs, 10);
    // A conf that does not describe these features is refused.
    await fs.writeFile(fbankConf, '--num-mel-bins=40\n');
    await assert.rejects(importKaldiFeats(kaldi, path.join(dir, 'x'), { fbankConf }), { message: /describes 40-dimensional fbank features but .* has dimension 5/ });
  });
});

test('export-feats --cmvn writes the normalised features; --norm-vars needs --cmvn', async () => {
  await withTmp(async (dir) => {
    const src = path.join(dir, 'feats');
    const us = utts();
    await writeFeatsDir(src, defaultFbankConfig({ numMelBins: 5 }), 10, [us]);
    const stats = computeCmvnStats(us, 'speaker');
    await writeCmvn(src, stats);
    const r = await exportKaldiFeats(src, path.join(dir, 'cmvn.ark'), { cmvn: true, normVars: true, scp: path.join(dir, 'x.scp') });
    const read = await readScpMatrices(r.scp);
    const u = us.find((x) => x.uttId === 'spkA-u3')!;
    assert.deepEqual(read.find((e) => e.key === 'spkA-u3')!.value.data, applyCmvn(u, stats, { normVars: true }));
    await assert.rejects(exportKaldiFeats(src, path.join(dir, 'y.ark'), { normVars: true }), { message: '--norm-vars needs --cmvn' });
  });
});

test('import-feats reads compressed (CM, CM2, CM3) and text archives; unknown config and missing utt2spk are recorded as such', async () => {
  await withTmp(async (dir) => {
    const us = utts();
    const formats = ['CM', 'CM2', 'CM3'] as const;
    const parts = us.map((u, i) => Buffer.concat([Buffer.from(`${u.uttId} `), kaldiCompress(formats[i], u.data, u.numFrames, u.dim)]));
    const text = formatKaldiTextMatrix('spkC-u9', [1, 2, 3, 4, 5], 1, 5);
    await fs.writeFile(path.join(dir, 'mixed.ark'), Buffer.concat([...parts, Buffer.from(text), Buffer.from('spkD-u0  [ ]\n')]));
    const out = path.join(dir, 'imported');
    const s = await importKaldiFeats(path.join(dir, 'mixed.ark'), out);
    assert.deepEqual(s.formats, { CM: 1, CM2: 1, CM3: 1, text: 2 });
    assert.deepEqual(s.skipped, [{ uttId: 'spkD-u0', reason: 'no frames' }]);
    assert.equal(await fs.readFile(path.join(out, 'bad_utts'), 'utf8'), 'spkD-u0 no frames\n');
    const { info, utts: back } = await readFeatsDir(out);
    assert.deepEqual(info.config, { type: 'kaldi', options: null, sampleRate: 16000, frameShiftMs: 10 });
    assert.equal(info.numUtts, 4);
    // Without utt2spk every utterance is its own speaker (as Kaldi assumes).
    assert.deepEqual([...back.values()].map((u) => [u.uttId, u.speakerId]), [
      ['spkA-u1', 'spkA-u1'],
      ['spkA-u3', 'spkA-u3'],
      ['spkB-u2', 'spkB-u2'],
      ['spkC-u9', 'spkC-u9'],
    ]);
    us.forEach((u, i) => {
      const bound = kaldiQuantisationBound(formats[i], u.data, u.numFrames, u.dim);
      const got = back.get(u.uttId)!.data;
      for (let k = 0; k < got.length; k++) assert.ok(Math.abs(got[k] - u.data[k]) <= bound[k], `${u.uttId} (${formats[i]}) value ${k}`);
    });
    assert.deepEqual(back.get('spkC-u9')!.data, Float32Array.of(1, 2, 3, 4, 5));
  });
});

test('import-feats refuses mixed dimensions, utterances without a speaker, non-finite values and empty archives', async () => {
  await withTmp(async (dir) => {
    const ark = path.join(dir, 'a.ark');
    const write = (text: string) => fs.writeFile(ark, text);
    await write(formatKaldiTextMatrix('u1', [1, 2], 1, 2) + formatKaldiTextMatrix('u2', [1, 2, 3], 1, 3));
    await assert.rejects(importKaldiFeats(ark, path.join(dir, 'o')), { message: `${ark}: utterance u2 has dimension 3 but u1 has 2; all utterances need the same feature type` });
    await write(formatKaldiTextMatrix('u1', [1, 2], 1, 2) + formatKaldiTextMatrix('u2', [1, 2], 1, 2));
    await fs.writeFile(path.join(dir, 'utt2spk'), 'u1 s1\n');
    await assert.rejects(importKaldiFeats(ark, path.join(dir, 'o'), { utt2spk: path.join(dir, 'utt2spk') }), {
      message: `${path.join(dir, 'utt2spk')}: utterance u2 of ${ark} is not in it; every utterance needs a speaker`,
    });
    await write('u1  [\n  1 nan ]\n');
    await assert.rejects(importKaldiFeats(ark, path.join(dir, 'o')), { message: `${ark}: utterance u1 frame 0 has a non-finite value (NaN); fix the features in Kaldi first` });
    await write('');
    await assert.rejects(importKaldiFeats(ark, path.join(dir, 'o')), { message: `${ark}: no utterances in it; is it a Kaldi feature archive?` });
    await write(formatKaldiTextMatrix('u1', [1, 2], 1, 2) + formatKaldiTextMatrix('u1', [1, 2], 1, 2));
    await assert.rejects(importKaldiFeats(ark, path.join(dir, 'o')), { message: `${ark}: utterance u1 appears twice` });
    await assert.rejects(importKaldiFeats(ark, path.join(dir, 'o'), { fbankConf: 'a', conf: 'b' }), { message: 'give either --fbank-conf or --conf, not both' });
    const missing = path.join(dir, 'no.conf');
    await assert.rejects(importKaldiFeats(ark, path.join(dir, 'o'), { conf: missing }), { message: `${missing}: cannot read the Kaldi config (ENOENT)` });
    await fs.writeFile(path.join(dir, 'utt2spk'), Buffer.from([0x75, 0x31, 0x20, 0x00, 0x1b]));
    await assert.rejects(readUtt2spk(path.join(dir, 'utt2spk')), { message: /not a text file \(byte 3 is a NUL byte/ });
  });
});

test('export-feats streams shards in any order into the bytes of encodeFeatsArchive; a failed export leaves the old archive and no temp file', async () => {
  await withTmp(async (dir) => {
    const src = path.join(dir, 'feats');
    // Out of C-locale order across and within shards (as split-feats / combine may leave them), a multibyte key.
    const [b2, a1, a3] = utts();
    const extra = { ...a1, uttId: 'caf\u00e9-u0', speakerId: 'caf\u00e9' };
    await writeFeatsDir(src, defaultFbankConfig({ numMelBins: 5 }), 10, [[extra, b2], [a3], [a1]]);
    const ark = path.join(dir, 'out', 'feats.ark');
    await exportKaldiFeats(src, ark);
    const want = encodeFeatsArchive([extra, b2, a3, a1]);
    const wantBytes = new Uint8Array(want.bytes);
    assert.deepEqual(new Uint8Array(await fs.readFile(ark)), wantBytes);
    assert.equal(await fs.readFile(path.join(dir, 'out', 'feats.scp'), 'utf8'), formatScp(want.keys, ark, want.offsets));
    // A key Kaldi cannot hold fails mid-write: the archive already there is untouched, nothing is left beside it.
    await writeFeatsDir(path.join(dir, 'bad'), defaultFbankConfig({ numMelBins: 5 }), 10, [[a1, { ...b2, uttId: 'b 2' }]]);
    await assert.rejects(exportKaldiFeats(path.join(dir, 'bad'), ark), { message: /'b 2' cannot be a Kaldi archive key/ });
    assert.deepEqual(new Uint8Array(await fs.readFile(ark)), wantBytes);
    assert.deepEqual((await fs.readdir(path.join(dir, 'out'))).sort(), ['feats.ark', 'feats.scp']);
    // An ARK that is a directory is refused, the directory kept.
    await fs.mkdir(path.join(dir, 'out', 'd.ark'));
    await assert.rejects(exportKaldiFeats(src, path.join(dir, 'out', 'd.ark')));
    assert.ok((await fs.stat(path.join(dir, 'out', 'd.ark'))).isDirectory());
  });
});

test('encodeFeatsArchive writes utterances in C-locale order and reads back through readMatrixArchive', () => {
  const us = utts();
  const { bytes, keys, offsets } = encodeFeatsArchive(us);
  assert.deepEqual(keys, ['spkA-u1', 'spkA-u3', 'spkB-u2']);
  const entries = readMatrixArchive(bytes, 'x.ark');
  assert.deepEqual(entries.map((e) => e.offset), offsets);
  for (const e of entries) assert.deepEqual(e.value.data, us.find((u) => u.uttId === e.key)!.data);
  assert.equal(encodeArchive([], () => new Uint8Array()).bytes.length, 0);
});

test('import-feats reads an ark or scp entry by entry at its offset (entries bigger than the first read window too) into shards of at most --shard-frames', async () => {
  await withTmp(async (dir) => {
    // Three utterances, the middle one 4000 x 5 floats (80 kB: more than one 64 kB read window), out of order.
    const us = utts();
    const big = randomMatrix(4000, 5, 9);
    us.splice(1, 0, { uttId: 'spkA-u2', speakerId: 'spkA', numFrames: big.numRows, dim: 5, data: big.data });
    const enc = encodeArchive(
      us.map((u) => ({ key: u.uttId, value: u })),
      (u) => encodeBinaryMatrix(u.data, u.numFrames, u.dim),
    );
    const ark = path.join(dir, 'feats.ark');
    await fs.writeFile(ark, enc.bytes);
    const refs = await arkMatrixRefs(ark);
    assert.deepEqual(refs?.map((r) => [r.key, r.keyed]), us.map((u) => [u.uttId, true]));
    const read = [];
    for await (const e of readMatrixRefs(refs!)) read.push(e);
    assert.deepEqual(read.map((e) => [e.key, e.value.data]), us.map((u) => [u.uttId, u.data]));
    const scp = path.join(dir, 'feats.scp');
    await fs.writeFile(scp, formatScp(us.map((u) => u.uttId), ark, enc.offsets));
    assert.deepEqual((await scpMatrixRefs(scp)).map((r) => [r.key, r.offset, r.keyed]), us.map((u, i) => [u.uttId, enc.offsets[i], false]));

    // Shards of at most 10 frames (a shard ends after the utterance that reaches it): the same features as one shard.
    for (const input of [ark, scp]) {
      const one = path.join(dir, `one-${path.extname(input)}`);
      const many = path.join(dir, `many-${path.extname(input)}`);
      await importKaldiFeats(input, one);
      const s = await importKaldiFeats(input, many, { shardFrames: 10 });
      assert.deepEqual(s.info.shards, ['feats.1.arrow', 'feats.2.arrow', 'feats.3.arrow']);
      const [a, b] = [await readFeatsDir(one), await readFeatsDir(many)];
      assert.deepEqual(a.info.shards, ['feats.1.arrow']);
      assert.deepEqual([...b.utts.keys()], ['spkA-u1', 'spkA-u2', 'spkA-u3', 'spkB-u2']);
      assert.deepEqual(b.utts, a.utts);
      assert.equal(b.info.numFrames, 4028);
    }
    // A key twice is refused before anything is read.
    await fs.writeFile(scp, formatScp(['u1', 'u1'], ark, enc.offsets.slice(0, 2)));
    await assert.rejects(importKaldiFeats(scp, path.join(dir, 'dup')), { message: `${scp}: utterance u1 appears twice` });
  });
});

test('import-feats reads a gzipped ark in one pass through zlib (keys in C-locale order, as Kaldi writes them) into the features of the plain ark', async () => {
  await withTmp(async (dir) => {
    const us = utts().sort((a, b) => (a.uttId < b.uttId ? -1 : 1));
    const enc = (list: UttFeats[]) => encodeArchive(list.map((u) => ({ key: u.uttId, value: u })), (u) => encodeBinaryMatrix(u.data, u.numFrames, u.dim)).bytes;
    const ark = path.join(dir, 'feats.ark');
    await fs.writeFile(ark, enc(us));
    await fs.writeFile(`${ark}.gz`, gzipSync(enc(us)));
    await importKaldiFeats(ark, path.join(dir, 'plain'));
    const s = await importKaldiFeats(`${ark}.gz`, path.join(dir, 'gz'), { shardFrames: 10 });
    assert.equal(s.info.shards.length, 2);
    assert.deepEqual((await readFeatsDir(path.join(dir, 'gz'))).utts, (await readFeatsDir(path.join(dir, 'plain'))).utts);
    // Out of order, or a key twice: refused, saying what to do.
    await fs.writeFile(`${ark}.gz`, gzipSync(enc([us[1], us[0]])));
    await assert.rejects(importKaldiFeats(`${ark}.gz`, path.join(dir, 'x')), { message: new RegExp(`^${ark}\\.gz: utterance ${us[0].uttId} comes after ${us[1].uttId}; a gzipped archive is read in one pass.*gunzip it`) });
    await fs.writeFile(`${ark}.gz`, gzipSync(enc([us[0], us[0]])));
    await assert.rejects(importKaldiFeats(`${ark}.gz`, path.join(dir, 'x')), { message: `${ark}.gz: utterance ${us[0].uttId} appears twice` });
  });
});
