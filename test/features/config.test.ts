import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultFbankConfig, featureDim, frameShiftMsOf, parseFeatureConfig } from '../../src/features/config.js';
import { loadFeatureConfig } from '../../src/features/config-file.js';
import { isInputError } from '../../src/errors.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('features/fbank40.json is the default config; fbank80 differs only in numMelBins', async () => {
  const f40 = await loadFeatureConfig(path.join(repo, 'features/fbank40.json'));
  assert.deepEqual(f40, defaultFbankConfig());
  const f80 = await loadFeatureConfig(path.join(repo, 'features/fbank80.json'));
  assert.deepEqual(f80, defaultFbankConfig({ numMelBins: 80 }));
  assert.equal(featureDim(f80), 80);
  assert.equal(featureDim(defaultFbankConfig({ useEnergy: true })), 41);
  assert.equal(frameShiftMsOf(f40), 10);
});

test('features/fbank40-8k.json is fbank40 at 8 kHz over 40-3800 Hz (Kaldi egs/swbd --low-freq=40 --high-freq=-200)', async () => {
  const f8k = await loadFeatureConfig(path.join(repo, 'features/fbank40-8k.json'));
  assert.deepEqual(f8k, defaultFbankConfig({ sampleRate: 8000, lowFreq: 40, highFreq: -200 }));
  assert.equal(featureDim(f8k), 40);
});

test('features/fbank23-8k.json is Kaldi compute-fbank-feats defaults at 8 kHz (23 bins, 20 Hz to Nyquist)', async () => {
  const f23 = await loadFeatureConfig(path.join(repo, 'features/fbank23-8k.json'));
  assert.deepEqual(f23, defaultFbankConfig({ sampleRate: 8000, numMelBins: 23, lowFreq: 20, highFreq: 0 }));
  assert.equal(featureDim(f23), 23);
});

test('features/meyda-mel40.json is a meyda config with a 10 ms hop', async () => {
  const m = await loadFeatureConfig(path.join(repo, 'features/meyda-mel40.json'));
  assert.equal(m.type, 'meyda');
  assert.equal(featureDim(m), 40);
  assert.equal(frameShiftMsOf(m), 10);
});

test('unknown, missing and ill-typed keys are all reported in one InputError', () => {
  const { numMelBins: _n, ...rest } = defaultFbankConfig();
  const bad = { ...rest, frameShiftMS: 10, dither: -1 };
  assert.throws(() => parseFeatureConfig(bad, 'my.json'), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.equal(
      (e as Error).message,
      'my.json: unknown key "frameShiftMS" (known keys for type fbank: sampleRate, frameLengthMs, frameShiftMs, dither, ditherSeed, ' +
        'preemphasisCoefficient, removeDcOffset, windowType, blackmanCoeff, roundToPowerOfTwo, snipEdges, numMelBins, lowFreq, highFreq, ' +
        'useEnergy, rawEnergy, energyFloor, htkCompat, useLog, usePower); "dither" must be a number >= 0, got -1; missing key "numMelBins" ' +
        '(see docs/features.md for every option)',
    );
    return true;
  });
});

test('type, window type and frequency range are validated', () => {
  assert.throws(() => parseFeatureConfig({ type: 'mfcc' }, 'a.json'), { message: 'a.json: "type" must be "fbank" or "meyda", got "mfcc"' });
  assert.throws(() => parseFeatureConfig([], 'a.json'), {
    message: 'a.json: a feature config must be a JSON object with a "type" ("fbank" or "meyda")',
  });
  assert.throws(() => parseFeatureConfig({ ...defaultFbankConfig(), windowType: 'kaiser' }, 'a.json'), {
    message: 'a.json: "windowType" must be one of povey, hamming, hanning, rectangular, blackman, got "kaiser" (see docs/features.md for every option)',
  });
  assert.throws(() => parseFeatureConfig({ ...defaultFbankConfig(), highFreq: 9000 }, 'a.json'), {
    message:
      'a.json: bad "lowFreq" 20 and "highFreq" 9000 (-> 9000 Hz) for Nyquist 8000 Hz; need 0 <= lowFreq < highFreq <= Nyquist (highFreq <= 0 is an offset from Nyquist)',
  });
  assert.throws(() => parseFeatureConfig({ ...defaultFbankConfig(), frameShiftMs: 0.01 }, 'a.json'), {
    message: 'a.json: "frameLengthMs"/"frameShiftMs" give frames shorter than 2 samples at 16000 Hz',
  });
  assert.throws(
    () => parseFeatureConfig({ type: 'meyda', sampleRate: 16000, bufferSize: 400, hopSize: 160, numMelBands: 40, windowingFunction: 'hanning' }, 'm.json'),
    { message: 'm.json: "bufferSize" must be a power of two >= 4, got 400 (see docs/features.md for every option)' },
  );
});

test('loadFeatureConfig names the file for missing files and bad JSON', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  const missing = path.join(dir, 'nope.json');
  await assert.rejects(loadFeatureConfig(missing), {
    message: `${missing}: cannot read feature config (ENOENT); pass --config with an existing file such as features/fbank40.json`,
  });
  const broken = path.join(dir, 'broken.json');
  writeFileSync(broken, '{ "type": ');
  await assert.rejects(loadFeatureConfig(broken), (e: unknown) => {
    assert.ok(isInputError(e));
    assert.match((e as Error).message, new RegExp(`^${broken.replace(/[.]/g, '\\.')}: not valid JSON \\(`));
    return true;
  });
});
