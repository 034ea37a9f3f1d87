import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatKaldiFloat, formatKaldiTextMatrix } from '../../src/features/kaldi-text.js';

test('formatKaldiFloat prints like C++ ostream << float (%g, 6 significant digits)', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-15.942385152878742, '-15.9424'],
    [7.171304356358339, '7.1713'],
    [0.5, '0.5'],
    [123456.7, '123457'],
    [1234567, '1.23457e+06'],
    [0.0001, '0.0001'],
    [0.00001234, '1.234e-05'],
    [1e-30, '1e-30'],
    [1e100, '1e+100'],
    [999999.5, '1e+06'],
    [Math.fround(0.1), '0.1'],
    [NaN, 'nan'],
    [-Infinity, '-inf'],
  ];
  for (const [v, s] of cases) assert.equal(formatKaldiFloat(v), s, `value ${v}`);
});

test('formatKaldiTextMatrix matches copy-feats ark,t output', () => {
  assert.equal(formatKaldiTextMatrix('utt1', [1, 2.5, -3, 0.25], 2, 2), 'utt1  [\n  1 2.5 \n  -3 0.25 ]\n');
  assert.equal(formatKaldiTextMatrix('empty', [], 0, 40), 'empty  [ ]\n');
});
