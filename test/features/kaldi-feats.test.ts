import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
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
import { encodeArchive, formatKaldiTextMatrix, readMatrixArchive, readScpMatrices } from '../../src/store/kaldi-archive.js';
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

test('encodeFeatsArchive writes utterances in C-locale order and reads back through readMatrixArchive', () => {
  const us = utts();
  const { bytes, keys, offsets } = encodeFeatsArchive(us);
  assert.deepEqual(keys, ['spkA-u1', 'spkA-u3', 'spkB-u2']);
  const entries = readMatrixArchive(bytes, 'x.ark');
  assert.deepEqual(entries.map((e) => e.offset), offsets);
  for (const e of entries) assert.deepEqual(e.value.data, us.find((u) => u.uttId === e.key)!.data);
  assert.equal(encodeArchive([], () => new Uint8Array()).bytes.length, 0);
});
