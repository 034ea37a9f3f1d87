import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyMelBanks, inverseMelScale, makeMelBanks, melScale } from '../../src/features/mel.js';
import { isInputError } from '../../src/errors.js';
import { FIXTURE_DIR } from './fixtures.js';

interface RefBank {
  sample_rate: number;
  padded_window_size: number;
  num_mel_bins: number;
  center_freqs_hz: number[];
  rows: { first_bin: number; weights: number[] }[];
}
const ref = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'ref/melbanks.json'), 'utf8')) as { banks: RefBank[] };

test('melScale and inverseMelScale are Kaldi 1127 ln(1 + f/700) and its inverse', () => {
  assert.equal(melScale(0), 0);
  assert.ok(Math.abs(melScale(700) - 1127 * Math.LN2) < 1e-12);
  assert.ok(Math.abs(inverseMelScale(melScale(1234.5)) - 1234.5) < 1e-9);
});

for (const b of ref.banks) {
  test(`makeMelBanks matches the Kaldi reference bank ${b.sample_rate}/${b.padded_window_size}/${b.num_mel_bins}`, () => {
    const banks = makeMelBanks({ numMelBins: b.num_mel_bins, lowFreq: 20, highFreq: 0, sampleRate: b.sample_rate, paddedWindowSize: b.padded_window_size });
    assert.equal(banks.numBins, b.rows.length);
    for (let m = 0; m < b.rows.length; m++) {
      assert.equal(banks.firstFftBin[m], b.rows[m].first_bin, `bin ${m} first`);
      assert.equal(banks.fftBinCount[m], b.rows[m].weights.length, `bin ${m} count`);
      for (let k = 0; k < banks.fftBinCount[m]; k++) {
        assert.ok(Math.abs(banks.weights[banks.weightOffset[m] + k] - b.rows[m].weights[k]) < 1e-9);
      }
      assert.ok(Math.abs(banks.centerFreqs[m] - b.center_freqs_hz[m]) < 1e-6);
    }
  });
}

test('applyMelBanks sums weighted spectrum bins per mel bin', () => {
  const banks = makeMelBanks({ numMelBins: 23, lowFreq: 20, highFreq: -400, sampleRate: 8000, paddedWindowSize: 256 });
  const spectrum = Float64Array.from({ length: 129 }, (_, k) => k + 1);
  const out = new Float64Array(24);
  applyMelBanks(banks, spectrum, out, 1);
  for (let m = 0; m < 23; m++) {
    let expected = 0;
    for (let k = 0; k < banks.fftBinCount[m]; k++) expected += banks.weights[banks.weightOffset[m] + k] * spectrum[banks.firstFftBin[m] + k];
    assert.equal(out[m + 1], expected);
  }
  // highFreq -400 at 8 kHz: the top bin stops below 3600 Hz.
  const top = banks.firstFftBin[22] + banks.fftBinCount[22] - 1;
  assert.ok(top * (8000 / 256) < 3600);
});

test('makeMelBanks refuses empty bins and bad frequency ranges with InputError', () => {
  assert.throws(
    () => makeMelBanks({ numMelBins: 200, lowFreq: 20, highFreq: 0, sampleRate: 16000, paddedWindowSize: 256 }, 'features/x.json'),
    (e: unknown) => {
      assert.ok(isInputError(e));
      assert.equal(
        (e as Error).message,
        'features/x.json: mel bin 0 contains no FFT bin (numMelBins 200 is too large for a 256-point FFT at 16000 Hz); use fewer mel bins or longer frames',
      );
      return true;
    },
  );
  assert.throws(() => makeMelBanks({ numMelBins: 40, lowFreq: 9000, highFreq: 0, sampleRate: 16000, paddedWindowSize: 512 }, 'cfg'), {
    message: 'cfg: bad lowFreq 9000 and highFreq 8000 vs. Nyquist 8000 Hz',
  });
});
