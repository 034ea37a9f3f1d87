import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { initDnnWeights } from '../../src/nnet/weights.js';
import { copyModelSupport, isCompleteModelDir, readDnnModelDir, readDnnModelMeta, writeDnnModelDir, MODEL_META_FILE, type DnnModelMeta } from '../../src/nnet/model-dir.js';
import { logPriors } from '../../src/nnet/priors.js';
import { tinyTransitionModel, writeTinyLang } from './pipeline-fixtures.js';
import { createHash } from 'node:crypto';
import { configHash } from '../../src/store/checksum.js';

before(async () => {
  await selectBackend('cpu');
});

function metaFor(featDim: number, numPdfs: number): DnnModelMeta {
  return {
    type: 'dnn',
    arch: { hidden: [{ units: 8 }], activation: 'relu' },
    context: { left: 1, right: 2 },
    inputDim: 4 * featDim,
    numPdfs,
    featDim,
    features: { type: 'fbank', numMelBins: featDim },
    frameShiftMs: 10,
    cmvn: { per: 'speaker', normVars: false },
    priors: logPriors(Array.from({ length: numPdfs }, (_, i) => i + 1)),
    trainedOn: { feats: 'feats/train', ali: 'exp/ali', numUtts: 2, numFrames: 10, date: '2026-01-01T00:00:00.000Z' },
  };
}

test('writeDnnModelDir / readDnnModelDir round trip with transition model and lang copies', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'model-dir-'));
  const tm = tinyTransitionModel(2, 3);
  const lang = path.join(tmp, 'lang-src');
  await writeTinyLang(lang, 2);
  const meta = metaFor(5, tm.numPdfs);
  const weights = initDnnWeights(meta.arch, meta.inputDim, meta.numPdfs, 1);
  const dir = path.join(tmp, 'model');
  assert.equal(await isCompleteModelDir(dir), false);
  await writeDnnModelDir(dir, { weights, meta, transitionModel: tm, langDir: lang });
  assert.equal(await isCompleteModelDir(dir), true);
  const m = await readDnnModelDir(dir);
  const bin = await fs.readFile(path.join(dir, 'weights.bin'));
  assert.deepEqual(m.meta, {
    ...meta,
    featuresHash: configHash(meta.features),
    weightsFiles: { 'weights.bin': { bytes: bin.length, sha256: createHash('sha256').update(bin).digest('hex') } },
  });
  assert.equal(m.transitionModel.numPdfs, 6);
  assert.deepEqual(Array.from(m.weights.layers[0].W), Array.from(weights.layers[0].W));
  assert.equal(await fs.readFile(path.join(dir, 'lang', 'phones.txt'), 'utf8'), '<eps> 0\nP1 1\nP2 2\n');
  for (const f of ['model.json', 'weights.bin', 'transition-model.json', MODEL_META_FILE]) await fs.access(path.join(dir, f));

  // copyModelSupport (used for ensemble directories)
  const ens = path.join(tmp, 'ens');
  await copyModelSupport(dir, ens);
  assert.equal(await fs.readFile(path.join(ens, 'lang', 'words.txt'), 'utf8'), '<eps> 0\nw 1\n');
  await fs.access(path.join(ens, 'transition-model.json'));
  await fs.rm(tmp, { recursive: true });
});

test('readDnnModelMeta: missing and inconsistent metadata name the file and what to do', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'model-dir-'));
  await assert.rejects(readDnnModelMeta(tmp), {
    name: 'InputError',
    message: `${path.join(tmp, MODEL_META_FILE)}: not found; ${tmp} is not a complete DNN model directory (train one with \`asr-distill train\`)`,
  });
  const bad = { ...metaFor(5, 6), inputDim: 21 };
  await fs.writeFile(path.join(tmp, MODEL_META_FILE), JSON.stringify(bad));
  await assert.rejects(readDnnModelMeta(tmp), {
    name: 'InputError',
    message: `${path.join(tmp, MODEL_META_FILE)}: "inputDim" 21 is not (left + 1 + right) * featDim = 20; the model directory is damaged, retrain or re-copy it`,
  });
  await fs.rm(tmp, { recursive: true });
});

test('writeDnnModelDir refuses weights that do not match the metadata', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'model-dir-'));
  const tm = tinyTransitionModel(2, 3);
  const meta = metaFor(5, tm.numPdfs);
  const weights = initDnnWeights(meta.arch, meta.inputDim, 7, 1);
  await assert.rejects(writeDnnModelDir(path.join(tmp, 'm'), { weights, meta, transitionModel: tm }), {
    name: 'InputError',
    message: `${path.join(tmp, 'm', MODEL_META_FILE)}: the network is 20 -> 7 but the metadata says 20 -> 6; the model directory is damaged, retrain or re-copy it`,
  });
  await fs.rm(tmp, { recursive: true });
});

/** A complete model directory in a fresh temp dir. */
async function writtenModel(): Promise<{ tmp: string; dir: string; bin: string; metaFile: string }> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'model-dir-'));
  const tm = tinyTransitionModel(2, 3);
  const meta = metaFor(5, tm.numPdfs);
  const dir = path.join(tmp, 'model');
  await writeDnnModelDir(dir, { weights: initDnnWeights(meta.arch, meta.inputDim, meta.numPdfs, 1), meta, transitionModel: tm });
  return { tmp, dir, bin: path.join(dir, 'weights.bin'), metaFile: path.join(dir, MODEL_META_FILE) };
}

const DAMAGED = 'the model files are damaged (an incomplete copy, a disk error or an edit); copy the model directory again or retrain it';

test('a flipped byte in weights.bin is detected', async () => {
  const { tmp, dir, bin, metaFile } = await writtenModel();
  const bytes = await fs.readFile(bin);
  const recorded = createHash('sha256').update(bytes).digest('hex');
  // The sign/exponent byte of one float: the same size, a wildly different (or NaN) weight.
  bytes[123] ^= 0xff;
  await fs.writeFile(bin, bytes);
  const actual = createHash('sha256').update(bytes).digest('hex');
  await assert.rejects(readDnnModelDir(dir), {
    name: 'InputError',
    message: `${bin}: sha256 ${actual} differs from ${recorded} recorded in ${metaFile} (same size, changed content); ${DAMAGED}`,
  });
  await fs.rm(tmp, { recursive: true });
});

test('extra bytes after weights.bin are detected (and a truncated one)', async () => {
  const { tmp, dir, bin, metaFile } = await writtenModel();
  const bytes = await fs.readFile(bin);
  await fs.writeFile(bin, Buffer.concat([bytes, Buffer.alloc(400)]));
  await assert.rejects(readDnnModelDir(dir), {
    name: 'InputError',
    message: `${bin}: ${bytes.length + 400} bytes but ${metaFile} records ${bytes.length} (extended: 400 bytes too many); ${DAMAGED}`,
  });
  await fs.writeFile(bin, bytes.subarray(0, bytes.length - 4));
  await assert.rejects(readDnnModelDir(dir), {
    name: 'InputError',
    message: `${bin}: ${bytes.length - 4} bytes but ${metaFile} records ${bytes.length} (truncated: 4 bytes missing); ${DAMAGED}`,
  });
  // A model written before checksums were recorded: the manifest still fixes the exact size.
  const meta = JSON.parse(await fs.readFile(metaFile, 'utf8')) as DnnModelMeta;
  delete meta.weightsFiles;
  delete meta.featuresHash;
  await fs.writeFile(metaFile, JSON.stringify(meta));
  await fs.writeFile(bin, Buffer.concat([bytes, Buffer.alloc(400)]));
  await assert.rejects(readDnnModelDir(dir), {
    name: 'InputError',
    message: `${bin}: 400 bytes beyond the ${bytes.length} that ${path.join(dir, 'model.json')} describes; the model files are damaged or do not belong together, copy the model directory again or retrain it`,
  });
  await fs.writeFile(bin, bytes);
  const old = await readDnnModelDir(dir);
  assert.equal(old.meta.featuresHash, configHash(meta.features), 'computed for a model that did not record it');
  await fs.rm(tmp, { recursive: true });
});

test('readDnnModelMeta refuses a featuresHash that is not the hash of its features', async () => {
  const { tmp, dir, metaFile } = await writtenModel();
  const meta = JSON.parse(await fs.readFile(metaFile, 'utf8')) as DnnModelMeta;
  await fs.writeFile(metaFile, JSON.stringify({ ...meta, features: { ...(meta.features as object), numMelBins: 6 } }));
  await assert.rejects(readDnnModelMeta(dir), (e: unknown) => {
    assert.match((e as Error).message, new RegExp(`^${metaFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: "featuresHash" sha256:[0-9a-f]{64} is not the hash of "features" \\(sha256:[0-9a-f]{64}\\); the model directory is damaged`));
    return true;
  });
  await fs.rm(tmp, { recursive: true });
});
