import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  binaryMatrixBytes,
  encodeArchive,
  encodeBinaryInt32Vector,
  encodeBinaryMatrix,
  formatKaldiFloat,
  formatKaldiTextInt32Vector,
  formatKaldiTextMatrix,
  formatScp,
  isBinaryArchive,
  isBinaryArchiveFile,
  isGzip,
  parseScp,
  readInt32VectorArchive,
  readInt32VectorTable,
  readMatrixArchive,
  readMatrixAt,
  readScpMatrices,
  sliceMatrix,
  streamInt32VectorArchive,
  streamMatrixArchive,
} from '../../src/store/kaldi-archive.js';
import { kaldiCompress, kaldiQuantisationBound, randomMatrix } from './kaldi-encoders.js';

// Kaldi-written (nnet3-compute ... ark,t:) and numpy-written text archives from the tract project (README there).
const FIXTURE = path.join(import.meta.dirname, '../fixtures/kaldi/tract-delay1-output.text.ark');
const FIXTURE_INPUT = path.join(import.meta.dirname, '../fixtures/kaldi/tract-delay1-input.text.ark');
const bytesOf = (...parts: (string | number[] | Uint8Array)[]): Uint8Array =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p as Uint8Array)))));
const int32le = (v: number): number[] => [...new Uint8Array(Int32Array.of(v).buffer)];

test('formatKaldiFloat prints like Kaldi text archives: %g with precision 7 (InitKaldiOutputStream), ties to even', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-15.942385152878742, '-15.94239'],
    [7.171304356358339, '7.171304'],
    [0.5, '0.5'],
    [123456.7, '123456.7'],
    [12345678, '1.234568e+07'],
    [0.0001, '0.0001'],
    [0.00001234, '1.234e-05'],
    [1e-30, '1e-30'],
    [1e100, '1e+100'],
    [9999999.5, '1e+07'],
    [12345.625, '12345.62'], // an exact tie: glibc rounds half to even, JavaScript's toExponential away from zero
    [12345.875, '12345.88'],
    [Math.fround(0.1), '0.1'],
    [NaN, 'nan'],
    [-Infinity, '-inf'],
  ];
  for (const [v, s] of cases) assert.equal(formatKaldiFloat(v), s, `value ${v}`);
  // The ostream default (precision 6), as printf('%g') prints.
  assert.equal(formatKaldiFloat(-15.942385152878742, 6), '-15.9424');
  assert.equal(formatKaldiFloat(1234567, 6), '1.23457e+06');
  assert.equal(formatKaldiFloat(0.125, 2), '0.12');
  assert.equal(formatKaldiFloat(0.375, 2), '0.38');
});

test('formatKaldiTextMatrix matches copy-feats ark,t output', () => {
  assert.equal(formatKaldiTextMatrix('utt1', [1, 2.5, -3, 0.25], 2, 2), 'utt1  [\n  1 2.5 \n  -3 0.25 ]\n');
  assert.equal(formatKaldiTextMatrix('empty', [], 0, 40), 'empty  [ ]\n');
});

test('a text archive written by Kaldi (tract test fixture) is read, and written back byte for byte', async () => {
  const bytes = await fs.readFile(FIXTURE);
  const [out, ...rest] = readMatrixArchive(bytes, FIXTURE);
  assert.equal(rest.length, 0);
  assert.deepEqual([out.key, out.value.format, out.value.numRows, out.value.numCols], ['idx', 'text', 15, 10]);
  assert.equal(out.value.data[0], Math.fround(-0.4634177));
  assert.equal(out.value.data[2 * 10 + 2], Math.fround(-0.01349723));
  assert.equal(out.value.data[149], Math.fround(0.2969847));
  assert.equal(formatKaldiTextMatrix(out.key, out.value.data, 15, 10), bytes.toString('latin1'));
  // Kaldi made it from the numpy-written input (one space before '[', no trailing spaces, no final
  // newline) through a network whose output is Offset(input, 1), the last frame repeated at the
  // end: so it is the input as float32, shifted by one frame, printed with precision 7.
  const [input] = readMatrixArchive(await fs.readFile(FIXTURE_INPUT), FIXTURE_INPUT);
  assert.deepEqual([input.key, input.value.numRows, input.value.numCols], ['idx', 15, 10]);
  assert.equal(input.value.data[10], Math.fround(-0.46341768));
  const shifted = new Float32Array(150);
  for (let t = 0; t < 15; t++) shifted.set(input.value.data.subarray(Math.min(t + 1, 14) * 10, Math.min(t + 1, 14) * 10 + 10), t * 10);
  assert.equal(formatKaldiTextMatrix('idx', shifted, 15, 10), bytes.toString('latin1'));
});

test('binary float matrix: exact bytes of MatrixBase::Write, and read back identical', () => {
  const data = Float32Array.of(1, -2.5, 3.25, 1e-7, -0, 65504);
  const obj = encodeBinaryMatrix(data, 2, 3);
  assert.equal(binaryMatrixBytes(2, 3), obj.length);
  assert.deepEqual(obj, bytesOf([0, 0x42], 'FM ', [4], int32le(2), [4], int32le(3), new Uint8Array(data.buffer)));
  const { bytes, offsets } = encodeArchive([{ key: 'a', value: data }, { key: 'bb', value: data.subarray(0, 3) }], (d) => encodeBinaryMatrix(d, d.length / 3, 3));
  assert.deepEqual(offsets, [2, 2 + obj.length + 3]);
  const entries = readMatrixArchive(bytes, 'x.ark');
  assert.deepEqual(entries.map((e) => [e.key, e.offset, e.value.format, e.value.numRows, e.value.numCols]), [
    ['a', 2, 'FM', 2, 3],
    ['bb', offsets[1], 'FM', 1, 3],
  ]);
  assert.deepEqual(entries[0].value.data, data);
  assert.deepEqual(readMatrixAt(bytes, offsets[1], 'x.ark:bb').data, data.subarray(0, 3));
  assert.ok(isBinaryArchive(bytes));
});

test('binary double matrices (DM) are read as float32', () => {
  const d = Float64Array.of(0.1, -1e10, 3);
  const bytes = bytesOf('utt ', [0, 0x42], 'DM ', [4], int32le(1), [4], int32le(3), new Uint8Array(d.buffer));
  const [e] = readMatrixArchive(bytes, 'd.ark');
  assert.equal(e.value.format, 'DM');
  assert.deepEqual(e.value.data, Float32Array.from(d));
});

test('text matrices: rows end at newlines, [ ] and [] are empty, inf/nan accepted, ragged rows refused', () => {
  const text = 'u1  [\n  1 2 \n  3 -4e-2 ]\nu2  [ ]\nu3 []\nu4\t[ inf -nan\n  1 2 ]\n';
  const entries = readMatrixArchive(Buffer.from(text), 't.ark');
  assert.deepEqual(entries.map((e) => [e.key, e.value.numRows, e.value.numCols]), [
    ['u1', 2, 2],
    ['u2', 0, 0],
    ['u3', 0, 0],
    ['u4', 2, 2],
  ]);
  assert.deepEqual(entries[0].value.data, Float32Array.of(1, 2, 3, -0.04));
  assert.equal(entries[3].value.data[0], Infinity);
  assert.ok(Number.isNaN(entries[3].value.data[1]));
  assert.ok(!isBinaryArchive(Buffer.from(text)));
  assert.throws(() => readMatrixArchive(Buffer.from('u1  [\n  1 2 \n  3 ]\n'), 't.ark'), {
    message: /^t\.ark \(key u1\): text matrix row 2 has 1 values but row 1 has 2 at byte \d+/,
  });
  assert.throws(() => readMatrixArchive(Buffer.from('u1  [\n  1 x ]\n'), 't.ark'), { message: /^t\.ark \(key u1\): expected a number in a text matrix, got 'x'/ });
  assert.throws(() => readMatrixArchive(Buffer.from('u1  [\n  1 2'), 't.ark'), { message: /no closing '\]'/ });
  assert.throws(() => readMatrixArchive(Buffer.from('u1\r\n[ 1 ]\n'), 't.ark'), { message: /expected a space after key 'u1'/ });
});

test('truncated and wrong binary objects are InputErrors naming the entry', () => {
  const ok = encodeArchive([{ key: 'u1', value: Float32Array.of(1, 2, 3, 4) }], (d) => encodeBinaryMatrix(d, 2, 2)).bytes;
  assert.throws(() => readMatrixArchive(ok.subarray(0, ok.length - 1), 'cut.ark'), { name: 'InputError', message: /^cut\.ark \(key u1\): the file ends inside a 2 x 2 matrix/ });
  const vec = encodeArchive([{ key: 'u1', value: Int32Array.of(1, 2) }], encodeBinaryInt32Vector).bytes;
  assert.throws(() => readMatrixArchive(vec, 'ali.ark'), { message: /^ali\.ark \(key u1\): expected a matrix \(FM, DM, CM, CM2 or CM3\), got token/ });
  assert.throws(() => readMatrixArchive(bytesOf('u1 ', [0, 0x43]), 'bad.ark'), { message: /not followed by 'B'/ });
  // Bytes of other files are never echoed raw: control characters are refused in keys and escaped in messages.
  assert.throws(() => readMatrixArchive(Buffer.from('u\x1b[2J1 [ 1 ]\n'), 't.ark'), { message: /^t\.ark: key 'u\\u\{1b\}\[2J1' contains the control character U\+001b at byte 6/ });
  assert.throws(() => readMatrixArchive(Buffer.from('u1  [ 1 \x1b[2J ]\n'), 't.ark'), { message: /got '\\u\{1b\}\[2J'/ });
  assert.throws(() => parseScp('u1 a.ark:1\x07\n', 'p.scp'), { message: /^p\.scp line 1: contains a control character \('u1 a\.ark:1\\u\{7\}'\)/ });
});

test('CM2 and CM3 decode to exactly min + q * range / (65535 or 255)', () => {
  // min 0, range 65535: the increment is exactly 1, so each value is its code.
  const cm2 = bytesOf('a ', [0, 0x42], 'CM2 ', new Uint8Array(Float32Array.of(0, 65535).buffer), int32le(2), int32le(2), new Uint8Array(Uint16Array.of(0, 1, 40000, 65535).buffer));
  const [a] = readMatrixArchive(cm2, 'cm2.ark');
  assert.equal(a.value.format, 'CM2');
  assert.deepEqual(a.value.data, Float32Array.of(0, 1, 40000, 65535));
  const cm3 = bytesOf('b ', [0, 0x42], 'CM3 ', new Uint8Array(Float32Array.of(-1, 255).buffer), int32le(1), int32le(3), [0, 128, 255]);
  const [b] = readMatrixArchive(cm3, 'cm3.ark');
  assert.equal(b.value.format, 'CM3');
  assert.deepEqual(b.value.data, Float32Array.of(-1, 127, 254));
});

test('CM decodes each column piecewise linearly between its percentiles (codes 0, 64, 192, 255)', () => {
  // min 0, range 65535: percentile q decodes to q, and p0 0, p25 64, p75 192, p100 255 make code c decode to c.
  const header = new Uint8Array(Uint16Array.of(0, 64, 192, 255, 100, 200, 300, 400).buffer);
  const codes = [0, 32, 64, 128, 192, 255, /* column 2 */ 0, 64, 65, 192, 193, 255];
  const bytes = bytesOf('c ', [0, 0x42], 'CM ', new Uint8Array(Float32Array.of(0, 65535).buffer), int32le(6), int32le(2), header, codes);
  const [c] = readMatrixArchive(bytes, 'cm.ark');
  assert.equal(c.value.format, 'CM');
  const col = (j: number) => Array.from({ length: 6 }, (_, r) => c.value.data[r * 2 + j]);
  assert.deepEqual(col(0), [0, 32, 64, 128, 192, 255]);
  // Column 2: 100 + 100 * c / 64 up to 64, 200 + 100 * (c - 64) / 128 up to 192, then 300 + 100 * (c - 192) / 63.
  const want = [100, 200, 200 + 100 / 128, 300, 300 + 100 / 63, 400].map(Math.fround);
  col(1).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `row ${i}: ${v} vs ${want[i]}`));
});

test('compressed matrices made by Kaldi\'s rules decode within the documented quantisation error', async () => {
  const fixture = readMatrixArchive(await fs.readFile(FIXTURE), FIXTURE)[0].value;
  const inputs = [
    { name: 'tract nnet3-compute output (15 x 10)', m: fixture },
    { name: 'random 57 x 7', m: randomMatrix(57, 7, 3) },
    { name: 'constant 12 x 2', m: { numRows: 12, numCols: 2, data: new Float32Array(24).fill(-3.5) } },
    { name: '3 rows', m: randomMatrix(3, 4, 5) },
  ];
  for (const { name, m } of inputs) {
    for (const format of ['CM', 'CM2', 'CM3'] as const) {
      const obj = kaldiCompress(format, m.data, m.numRows, m.numCols);
      const [e] = readMatrixArchive(bytesOf('k ', obj), `${name} ${format}`);
      assert.equal(e.value.format, format);
      assert.equal(e.value.numRows, m.numRows);
      assert.equal(e.value.numCols, m.numCols);
      const bound = kaldiQuantisationBound(format, m.data, m.numRows, m.numCols);
      let worst = 0;
      for (let i = 0; i < m.data.length; i++) {
        const err = Math.abs(e.value.data[i] - m.data[i]);
        assert.ok(err <= bound[i], `${name} ${format} value ${i}: ${e.value.data[i]} vs ${m.data[i]} (bound ${bound[i]})`);
        worst = Math.max(worst, err);
      }
      // The bound is not loose: random values come close to it.
      if (name.startsWith('random')) assert.ok(worst > Math.max(...bound) / 4, `${name} ${format}: worst error ${worst}, bound ${Math.max(...bound)}`);
    }
  }
});

test('an empty compressed matrix (Kaldi writes 4 extra zero bytes after it) does not derail the next entry', () => {
  const emptyCm = bytesOf([0, 0x42], 'CM ', [0xaa, 0xbb, 0xcc, 0xdd], new Uint8Array(16));
  const next = encodeArchive([{ key: 'u2', value: Float32Array.of(7) }], (d) => encodeBinaryMatrix(d, 1, 1)).bytes;
  const entries = readMatrixArchive(bytesOf('u1 ', emptyCm, next), 'e.ark');
  assert.deepEqual(entries.map((e) => [e.key, e.value.numRows, e.value.numCols]), [
    ['u1', 0, 0],
    ['u2', 1, 1],
  ]);
  assert.deepEqual(entries[1].value.data, Float32Array.of(7));
});

test('int32 vectors: exact bytes of BasicVectorHolder<int32>::Write, binary/text/gzip read back', () => {
  assert.deepEqual(encodeBinaryInt32Vector(Int32Array.of(5, -1)), Uint8Array.from([0, 0x42, 4, ...int32le(2), 4, ...int32le(5), 4, ...int32le(-1)]));
  const alis = [
    { key: 'spk1-u1', value: Int32Array.of(0, 0, 3, 3, 3, 17) },
    { key: 'spk1-u2', value: Int32Array.of() },
    { key: 'spk2-u1', value: Int32Array.of(2) },
  ];
  const { bytes } = encodeArchive(alis, encodeBinaryInt32Vector);
  const read = (b: Uint8Array) => readInt32VectorArchive(b, 'ali.ark').map((e) => [e.key, Array.from(e.value)]);
  const want = alis.map((a) => [a.key, Array.from(a.value)]);
  assert.deepEqual(read(bytes), want);
  assert.ok(isBinaryArchive(bytes) && !isGzip(bytes));
  const gz = gzipSync(bytes);
  assert.ok(isGzip(gz) && isBinaryArchive(gz));
  assert.deepEqual(read(gz), want);
  assert.throws(() => read(gz.subarray(0, 20)), { message: /^ali\.ark: starts like a gzip file but cannot be unpacked \(.*\); is it complete\?$/ });
  // Text form: `key v1 v2 ... \n`, as ali-to-pdf ... ark,t:- writes it.
  const text = 'spk1-u1 0 0 3 3 3 17 \nspk1-u2 \nspk2-u1 2 \n';
  assert.equal(alis.map((a) => formatKaldiTextInt32Vector(a.key, a.value)).join(''), text);
  assert.deepEqual(read(Buffer.from(text)), want);
  assert.deepEqual(read(Buffer.from('spk1-u1 0 0 3 3 3 17\nspk1-u2\nspk2-u1\t2')), want);
  assert.deepEqual([...readInt32VectorTable(bytes, 'ali.ark').keys()], ['spk1-u1', 'spk1-u2', 'spk2-u1']);
  const twice = encodeArchive([alis[2], alis[2]], encodeBinaryInt32Vector).bytes;
  assert.throws(() => readInt32VectorTable(twice, 'ali.ark'), { message: 'ali.ark: key spk2-u1 appears twice' });
  assert.throws(() => readInt32VectorArchive(bytesOf('u ', [0, 0x42, 4], int32le(2), [4], int32le(1), [8]), 'a.ark'), {
    message: /^a\.ark \(key u\): the file ends inside an int32 vector of 2 elements/,
  });
  assert.throws(() => readInt32VectorArchive(Buffer.from('u 1 x\n'), 'a.ark'), { message: /expected integers, got 'x'/ });
});

test('scp: parse offsets and ranges; read matrices through it; relative archive paths; errors name the line', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-kaldi-scp-'));
  try {
    const m1 = Float32Array.from({ length: 12 }, (_, i) => i);
    const m2 = Float32Array.of(9, 8);
    const { bytes, offsets } = encodeArchive([{ key: 'u1', value: m1 }, { key: 'u2', value: m2 }], (d) => encodeBinaryMatrix(d, d.length === 12 ? 4 : 1, d.length === 12 ? 3 : 2));
    await fs.writeFile(path.join(dir, 'feats.ark'), bytes);
    const scp = path.join(dir, 'feats.scp');
    await fs.writeFile(scp, formatScp(['u1', 'u2'], path.join(dir, 'feats.ark'), offsets) + `u1rows feats.ark:${offsets[0]}[1:2]\nu1sub feats.ark:${offsets[0]}[0:1,1:2]\n`);
    const entries = parseScp(await fs.readFile(scp, 'utf8'), scp);
    assert.deepEqual(entries[2], { key: 'u1rows', file: 'feats.ark', offset: offsets[0], rows: [1, 2], lineNo: 3 });
    assert.deepEqual(entries[3].cols, [1, 2]);
    const read = await readScpMatrices(scp);
    assert.deepEqual(read.map((r) => r.key), ['u1', 'u2', 'u1rows', 'u1sub']);
    assert.deepEqual(read[0].value.data, m1);
    assert.deepEqual(read[1].value.data, m2);
    assert.deepEqual(read[2].value.data, Float32Array.of(3, 4, 5, 6, 7, 8));
    assert.deepEqual([read[3].value.numRows, read[3].value.numCols, ...read[3].value.data], [2, 2, 1, 2, 4, 5]);
    assert.throws(() => sliceMatrix(read[0].value, [0, 4], undefined, 'x'), { message: 'x: range [0:4,0:2] is outside the 4 x 3 matrix' });
    assert.throws(() => parseScp('u1 cat feats.ark |\n', 'p.scp'), { message: /^p\.scp line 1 \(key u1\): commands/ });
    assert.throws(() => parseScp('u1\n', 'p.scp'), { message: "p.scp line 1: expected 'key file.ark:offset', got 'u1'" });
    await fs.writeFile(scp, 'u1 missing.ark:5\n');
    await assert.rejects(readScpMatrices(scp), { message: `${scp} line 1 (key u1): archive not found: missing.ark or ${path.join(dir, 'missing.ark')}` });
    await fs.writeFile(scp, `u1 ${path.join(dir, 'feats.ark')}:99999\n`);
    await assert.rejects(readScpMatrices(scp), { message: /offset 99999 is past the end of the file/ });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('streamInt32VectorArchive / streamMatrixArchive read archives in one pass, cut into chunks anywhere, gzipped or not', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kaldi-stream-'));
  try {
    const collect = async <T>(it: AsyncIterable<{ key: string; value: T }>) => {
      const out: { key: string; value: T }[] = [];
      for await (const e of it) out.push(e);
      return out;
    };
    const alis = [
      { key: 'spk1-u1', value: Int32Array.of(0, 0, 3, 3, 3, 17) },
      { key: 'spk1-u2', value: Int32Array.of() },
      { key: 'spk2-u1', value: Int32Array.from({ length: 300 }, (_, i) => i % 7) },
    ];
    const bin = encodeArchive(alis, encodeBinaryInt32Vector).bytes;
    const text = Buffer.from(alis.map((a) => formatKaldiTextInt32Vector(a.key, a.value)).join(''));
    const want = readInt32VectorArchive(bin, 'x').map((e) => [e.key, Array.from(e.value)]);
    for (const [name, bytes] of [['ali.ark', bin], ['ali.txt', text], ['ali.ark.gz', gzipSync(bin)], ['ali.txt.gz', gzipSync(text)]] as const) {
      const file = path.join(dir, name);
      await fs.writeFile(file, bytes);
      // 1, 5 and 13 bytes a read: every entry boundary, key, size byte and text line is cut somewhere.
      for (const chunkBytes of [1, 5, 13, 1 << 16]) {
        const got = await collect(streamInt32VectorArchive(file, { chunkBytes }));
        assert.deepEqual(got.map((e) => [e.key, Array.from(e.value)]), want, `${name} in ${chunkBytes}-byte reads`);
      }
    }
    // Matrices: binary, text, and an empty compressed one whose 4-byte tail a read may cut off.
    const emptyCm = bytesOf([0, 0x42], 'CM ', [0xaa, 0xbb, 0xcc, 0xdd], new Uint8Array(16));
    const m = randomMatrix(9, 3, 4);
    const mats = bytesOf(
      'u1 ',
      emptyCm,
      encodeArchive([{ key: 'u2', value: m }], (x) => encodeBinaryMatrix(x.data, x.numRows, x.numCols)).bytes,
      formatKaldiTextMatrix('u3', Float32Array.of(1.5, -2, 3, 4), 2, 2),
    );
    const matFile = path.join(dir, 'feats.ark.gz');
    await fs.writeFile(matFile, gzipSync(mats));
    await fs.writeFile(path.join(dir, 'feats.ark'), mats);
    const wantMats = readMatrixArchive(mats, 'x').map((e) => [e.key, e.value.format, e.value.numRows, e.value.numCols, Array.from(e.value.data)]);
    for (const chunkBytes of [1, 7, 1 << 16]) {
      for (const f of [matFile, path.join(dir, 'feats.ark')]) {
        const got = await collect(streamMatrixArchive(f, { chunkBytes }));
        assert.deepEqual(got.map((e) => [e.key, e.value.format, e.value.numRows, e.value.numCols, Array.from(e.value.data)]), wantMats, `${f} in ${chunkBytes}-byte reads`);
      }
    }
    // Errors: a truncated gzip, and a broken entry named with its position in the (unpacked) file.
    await fs.writeFile(path.join(dir, 'cut.gz'), gzipSync(bin).subarray(0, 20));
    await assert.rejects(collect(streamInt32VectorArchive(path.join(dir, 'cut.gz'))), { message: /cut\.gz: starts like a gzip file but cannot be unpacked \(.*\); is it complete\?$/ });
    await fs.writeFile(path.join(dir, 'bad.gz'), gzipSync(Buffer.concat([bin, Buffer.from('u9 1 x\n')])));
    await assert.rejects(collect(streamInt32VectorArchive(path.join(dir, 'bad.gz'), { chunkBytes: 3 })), {
      message: `${path.join(dir, 'bad.gz')} (key u9): expected integers, got 'x' at byte ${bin.length + 3}; is it a Kaldi archive of the right type?`,
    });
    await assert.rejects(collect(streamInt32VectorArchive(path.join(dir, 'none'))), { message: `${path.join(dir, 'none')}: cannot read the archive (ENOENT)` });
    assert.equal(await isBinaryArchiveFile(path.join(dir, 'ali.ark.gz')), true);
    assert.equal(await isBinaryArchiveFile(path.join(dir, 'ali.txt')), false);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
