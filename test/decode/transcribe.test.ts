import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { transcribeFiles } from '../../src/decode/transcribe.js';
import { decodeDataDir } from '../../src/decode/decode.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { writeDnnModelDir } from '../../src/nnet/model-dir.js';
import { initDnnWeights } from '../../src/nnet/weights.js';
import { defaultFbankConfig, featureDim } from '../../src/features/config.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { makeOracleSetup } from './oracle-model.js';
import { runCli } from '../cli/run-cli.js';

test('transcribe: WAV files (16 kHz and resampled 8 kHz) through fbank, CMVN and a DNN to words of the grammar', async () => {
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'transcribe-')), { numUtts: 1 });
  const config = defaultFbankConfig();
  const dim = featureDim(config);
  const context = { left: 2, right: 2 };
  const arch = { hidden: [{ units: 32 }], activation: 'relu' as const };
  const modelDir = path.join(s.root, 'fbank-model');
  const P = s.tm.numPdfs;
  await writeDnnModelDir(modelDir, {
    weights: initDnnWeights(arch, dim * 5, P, 3),
    meta: { type: 'dnn', arch, context, inputDim: dim * 5, numPdfs: P, featDim: dim, features: config, frameShiftMs: 10, cmvn: { per: 'speaker', normVars: false }, priors: new Array<number>(P).fill(Math.log(1 / P)), trainedOn: { feats: 'none', ali: null, numUtts: 0, numFrames: 0, date: '2026-01-01T00:00:00Z' } },
    transitionModel: s.tm,
    langDir: s.langDir,
  });
  const rng = makeRng(9, 'wav');
  const wav16 = path.join(s.root, 'a.wav');
  const wav8 = path.join(s.root, 'b.wav');
  writeFileSync(wav16, encodeWavPcm16(Float32Array.from({ length: 16000 }, () => 0.1 * randNormal(rng)), 16000));
  writeFileSync(wav8, encodeWavPcm16(Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin(i / 3)), 8000));
  const r = await transcribeFiles(modelDir, [wav16, wav8], { backend: 'cpu' });
  assert.equal(r.length, 2);
  for (const t of r) {
    assert.ok(Math.abs(t.audioSec - 1) < 1e-3, `${t.file} lasts 1 s`);
    assert.ok(t.words.length >= 1 && t.words.every((w) => s.lang.lexicon.has(w)), `${t.file}: ${t.words.join(' ')}`);
    assert.equal(t.reachedFinal, true);
  }
  const cli = await runCli('transcribe', '--backend', 'cpu', modelDir, wav16);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.stdout, `${r[0].words.join(' ')}\n`);
  const ctm = await runCli('transcribe', '--backend', 'cpu', '--ctm', modelDir, wav16, wav8);
  assert.equal(ctm.stdout.trim().split('\n').length, r[0].words.length + r[1].words.length);
  const missing = await runCli('transcribe', modelDir, path.join(s.root, 'none.wav'));
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `asr-distill transcribe: ${path.join(s.root, 'none.wav')}: audio file not found\n`);
});

test('decode without --feats extracts features from wav.scp and agrees with transcribe (per-utterance CMVN)', async () => {
  const s = await makeOracleSetup(mkdtempSync(path.join(tmpdir(), 'decode-wav-')), { numUtts: 1 });
  const config = defaultFbankConfig();
  const dim = featureDim(config);
  const context = { left: 1, right: 1 };
  const arch = { hidden: [{ units: 24 }], activation: 'relu' as const };
  const P = s.tm.numPdfs;
  const modelDir = path.join(s.root, 'fbank-model');
  await writeDnnModelDir(modelDir, {
    weights: initDnnWeights(arch, dim * 3, P, 4),
    meta: { type: 'dnn', arch, context, inputDim: dim * 3, numPdfs: P, featDim: dim, features: config, frameShiftMs: 10, cmvn: { per: 'utterance', normVars: false }, priors: new Array<number>(P).fill(Math.log(1 / P)), trainedOn: { feats: 'none', ali: null, numUtts: 0, numFrames: 0, date: '2026-01-01T00:00:00Z' } },
    transitionModel: s.tm,
    langDir: s.langDir,
  });
  const rng = makeRng(10, 'wav-scp');
  const dataDir = path.join(s.root, 'wavdata');
  mkdirSync(dataDir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < 2; i++) {
    const f = path.join(dataDir, `u${i}.wav`);
    writeFileSync(f, encodeWavPcm16(Float32Array.from({ length: 12000 }, () => 0.1 * randNormal(rng)), 16000));
    files.push(f);
  }
  await writeDataDir(dataDir, [0, 1].map((i) => ({ uttId: `spk-u${i}`, speakerId: 'spk', wav: `u${i}.wav` })));
  const summary = await decodeDataDir(modelDir, dataDir, path.join(s.root, 'out'), { runner: 'inline', quiet: true, backend: 'cpu' });
  assert.equal(summary.numUtts, 2);
  assert.ok(summary.featureSec > 0);
  const direct = await transcribeFiles(modelDir, files, { backend: 'cpu' });
  assert.deepEqual(summary.scales[0].hyp.get('spk-u0'), direct[0].words);
  assert.deepEqual(summary.scales[0].hyp.get('spk-u1'), direct[1].words);
});
