// Test-side encoders for Kaldi's compressed matrices, written from the published format
// description (kaldi-asr/kaldi src/matrix/compressed-matrix.cc: ComputeGlobalHeader,
// ComputeColHeader, FloatToUint16, FloatToUint8, FloatToChar, Write) with the same float32
// arithmetic, so the tests decode what `copy-feats --compress=true --compression-method=N` writes.
import { makeRng, randNormal } from '../../src/data/random.js';

const f32 = Math.fround;
const K = f32(1.52590218966964e-5);

interface Header {
  min: number;
  range: number;
}

function globalHeader(data: Float32Array): Header {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // A constant matrix still gets a positive range.
  if (max === min) max = f32(min + (1 + Math.abs(min)));
  return { min, range: f32(max - min) };
}

const floatToUint16 = (h: Header, v: number): number => {
  let f = f32(f32(v - h.min) / h.range);
  if (f > 1) f = 1;
  if (f < 0) f = 0;
  return Math.trunc(f32(f * 65535) + 0.499);
};
const floatToUint8 = (h: Header, v: number): number => {
  let f = f32(f32(v - h.min) / h.range);
  if (f > 1) f = 1;
  if (f < 0) f = 0;
  return Math.trunc(f32(f * 255) + 0.499);
};
const uint16ToFloat = (h: Header, q: number): number => f32(h.min + f32(f32(h.range * K) * q));

/** ComputeColHeader: the column's 0/25/75/100th percentiles as uint16 codes, strictly increasing. */
function colHeader(h: Header, col: number[]): [number, number, number, number] {
  const s = [...col].sort((a, b) => a - b);
  const n = s.length;
  const u = (v: number) => floatToUint16(h, v);
  if (n >= 5) {
    const q = Math.floor(n / 4);
    const p0 = Math.min(u(s[0]), 65532);
    const p25 = Math.min(Math.max(u(s[q]), p0 + 1), 65533);
    const p75 = Math.min(Math.max(u(s[3 * q]), p25 + 1), 65534);
    return [p0, p25, p75, Math.max(u(s[n - 1]), p75 + 1)];
  }
  const p0 = Math.min(u(s[0]), 65532);
  const p25 = n > 1 ? Math.min(Math.max(u(s[1]), p0 + 1), 65533) : p0 + 1;
  const p75 = n > 2 ? Math.min(Math.max(u(s[2]), p25 + 1), 65534) : p25 + 1;
  return [p0, p25, p75, n > 3 ? Math.max(u(s[3]), p75 + 1) : p75 + 1];
}

function floatToChar(p: number[], v: number): number {
  const [p0, p25, p75, p100] = p;
  let ans: number;
  if (v < p25) {
    ans = Math.trunc(f32(f32(f32(v - p0) / f32(p25 - p0)) * 64) + 0.5);
    ans = Math.min(64, Math.max(0, ans));
  } else if (v < p75) {
    ans = 64 + Math.trunc(f32(f32(f32(v - p25) / f32(p75 - p25)) * 128) + 0.5);
    ans = Math.min(192, Math.max(64, ans));
  } else {
    ans = 192 + Math.trunc(f32(f32(f32(v - p75) / f32(p100 - p75)) * 63) + 0.5);
    ans = Math.min(255, Math.max(192, ans));
  }
  return ans;
}

function column(data: Float32Array, numRows: number, numCols: number, c: number): number[] {
  return Array.from({ length: numRows }, (_, r) => data[r * numCols + c]);
}

/**
 * The binary object (`\0B` + token + header + data) Kaldi writes for `data` compressed in
 * `format` (CM = --compression-method=1 kSpeechFeature, CM2 = 3 kTwoByteAuto, CM3 = 5 kOneByteAuto).
 */
export function kaldiCompress(format: 'CM' | 'CM2' | 'CM3', data: Float32Array, numRows: number, numCols: number): Uint8Array {
  const h = globalHeader(data);
  const head = Buffer.alloc(2 + format.length + 1 + 16);
  head.write(`\0B${format} `, 'latin1');
  let o = 2 + format.length + 1;
  head.writeFloatLE(h.min, o);
  head.writeFloatLE(h.range, o + 4);
  head.writeInt32LE(numRows, o + 8);
  head.writeInt32LE(numCols, o + 12);
  let body: Buffer;
  if (format === 'CM') {
    body = Buffer.alloc(numCols * (8 + numRows));
    for (let c = 0; c < numCols; c++) {
      const col = column(data, numRows, numCols, c);
      const codes = colHeader(h, col);
      codes.forEach((q, i) => body.writeUInt16LE(q, c * 8 + 2 * i));
      const p = codes.map((q) => uint16ToFloat(h, q));
      o = numCols * 8 + c * numRows;
      col.forEach((v, r) => (body[o + r] = floatToChar(p, v)));
    }
  } else if (format === 'CM2') {
    body = Buffer.alloc(2 * data.length);
    data.forEach((v, i) => body.writeUInt16LE(floatToUint16(h, v), 2 * i));
  } else {
    body = Buffer.from(Array.from(data, (v) => floatToUint8(h, v)));
  }
  return Buffer.concat([head, body]);
}

/**
 * Per value, the largest decoding error the format allows: half a quantisation step (range/65535
 * for CM2, range/255 for CM3; for CM the step of the column segment the value falls in:
 * (p25-p0)/64, (p75-p25)/128, (p100-p75)/63), plus, for CM, the rounding of the percentiles to
 * 16 bits (values outside [p0, p100] are clamped), plus float32 rounding.
 */
export function kaldiQuantisationBound(format: 'CM' | 'CM2' | 'CM3', data: Float32Array, numRows: number, numCols: number): Float64Array {
  const h = globalHeader(data);
  const eps = 8 * 2 ** -23 * (Math.abs(h.min) + h.range);
  const out = new Float64Array(data.length);
  if (format !== 'CM') return out.fill(h.range / (format === 'CM2' ? 65535 : 255) / 2 + eps);
  for (let c = 0; c < numCols; c++) {
    const col = column(data, numRows, numCols, c);
    const [p0, p25, p75, p100] = colHeader(h, col).map((q) => uint16ToFloat(h, q));
    col.forEach((v, r) => {
      const step = v < p25 ? (p25 - p0) / 64 : v < p75 ? (p75 - p25) / 128 : (p100 - p75) / 63;
      out[r * numCols + c] = step / 2 + (2 * h.range) / 65535 + eps;
    });
  }
  return out;
}

/** A reproducible matrix of N(0, 1) * 3 - 1 values, like mean-shifted log-mel features. */
export function randomMatrix(numRows: number, numCols: number, seed: number): { numRows: number; numCols: number; data: Float32Array } {
  const rng = makeRng(seed, 'kaldi-encoders');
  return { numRows, numCols, data: Float32Array.from({ length: numRows * numCols }, () => randNormal(rng) * 3 - 1) };
}
