// Kaldi's compressed matrices (matrix/compressed-matrix.{h,cc}), as `copy-feats --compress=true`
// and `compute-fbank-feats --compress` (make_fbank.sh's default) write them into feats.ark.
// On disk, after the token `CM `, `CM2 ` or `CM3 `: the global header without its format field
// (float min_value, float range, int32 num_rows, int32 num_cols; little-endian), then
//   CM  (kOneByteWithColHeaders): num_cols per-column headers (uint16 percentile_0, _25, _75,
//       _100, each a fraction of the global range), then num_cols x num_rows bytes, column-major;
//   CM2 (kTwoByte): num_rows x num_cols uint16, row-major, value = min + range * q / 65535;
//   CM3 (kOneByte): num_rows x num_cols uint8, row-major, value = min + range * q / 255.
// Decoding repeats Kaldi's float32 arithmetic step by step (Math.fround), so the values are the
// ones `copy-feats` would print, bit for bit.
import { InputError } from '../errors.js';

/** The three compressed formats, by their token. */
export type CompressedFormat = 'CM' | 'CM2' | 'CM3';

/** A decoded matrix: `numRows` x `numCols`, row-major float32. */
export interface DecodedMatrix {
  numRows: number;
  numCols: number;
  data: Float32Array;
}

const f32 = Math.fround;
/** 1/65535 as the float literal `1.52590218966964e-05F` of Uint16ToFloat. */
const INV_65535_F = f32(1.52590218966964e-5);
const GLOBAL_HEADER_BYTES = 16;
const PER_COL_HEADER_BYTES = 8;

/** Bytes after the token that a compressed matrix of this header occupies (Kaldi DataSize minus the format field). */
export function compressedMatrixByteLength(format: CompressedFormat, numRows: number, numCols: number): number {
  if (numCols === 0) return GLOBAL_HEADER_BYTES;
  if (format === 'CM') return GLOBAL_HEADER_BYTES + numCols * (PER_COL_HEADER_BYTES + numRows);
  return GLOBAL_HEADER_BYTES + numRows * numCols * (format === 'CM2' ? 2 : 1);
}

/** Kaldi Uint16ToFloat: min + range * (1/65535) * q, in float32 left to right. */
function uint16ToFloat(minValue: number, range: number, q: number): number {
  return f32(minValue + f32(f32(range * INV_65535_F) * q));
}

/** Kaldi CharToFloat: piecewise linear between the column's 0/25/75/100th percentiles (codes 0..64..192..255). */
function charToFloat(p0: number, p25: number, p75: number, p100: number, q: number): number {
  if (q <= 64) return f32(p0 + f32(f32(p25 - p0) * q) * (1 / 64));
  if (q <= 192) return f32(p25 + f32(f32(p75 - p25) * (q - 64)) * (1 / 128));
  return f32(p75 + f32(f32(p100 - p75) * (q - 192)) * (1 / 63));
}

/**
 * Decode the compressed matrix whose header starts at `bytes[offset]` (just after the `CM ` /
 * `CM2 ` / `CM3 ` token). Returns the matrix and the number of bytes it took. `what` names the
 * archive entry in errors.
 *
 * ```ts
 * const { matrix, byteLength } = decodeCompressedMatrix('CM', arkBytes, pos, 'feats.ark utt1');
 * ```
 */
export function decodeCompressedMatrix(format: CompressedFormat, bytes: Uint8Array, offset: number, what: string): { matrix: DecodedMatrix; byteLength: number } {
  if (offset + GLOBAL_HEADER_BYTES > bytes.length) throw new InputError(`${what}: compressed matrix (${format}) header is cut off; the archive is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const minValue = view.getFloat32(offset, true);
  const range = view.getFloat32(offset + 4, true);
  const numRows = view.getInt32(offset + 8, true);
  const numCols = view.getInt32(offset + 12, true);
  if (numRows < 0 || numCols < 0) throw new InputError(`${what}: compressed matrix (${format}) has a negative size ${numRows} x ${numCols}; the archive is corrupt`);
  // Kaldi CompressedMatrix::Read: num_cols 0 is the empty matrix, nothing follows the header.
  if (numCols === 0) return { matrix: { numRows: 0, numCols: 0, data: new Float32Array(0) }, byteLength: GLOBAL_HEADER_BYTES };
  const byteLength = compressedMatrixByteLength(format, numRows, numCols);
  if (offset + byteLength > bytes.length) {
    throw new InputError(`${what}: compressed matrix (${format}, ${numRows} x ${numCols}) needs ${byteLength} bytes but the archive ends after ${bytes.length - offset}; it is truncated`);
  }
  const data = new Float32Array(numRows * numCols);
  const body = offset + GLOBAL_HEADER_BYTES;
  if (format === 'CM') {
    const codes = body + numCols * PER_COL_HEADER_BYTES;
    const table = new Float32Array(256);
    for (let c = 0; c < numCols; c++) {
      const h = body + c * PER_COL_HEADER_BYTES;
      const p0 = uint16ToFloat(minValue, range, view.getUint16(h, true));
      const p25 = uint16ToFloat(minValue, range, view.getUint16(h + 2, true));
      const p75 = uint16ToFloat(minValue, range, view.getUint16(h + 4, true));
      const p100 = uint16ToFloat(minValue, range, view.getUint16(h + 6, true));
      // A column has only 256 possible values: decode each once.
      for (let q = 0; q < 256; q++) table[q] = charToFloat(p0, p25, p75, p100, q);
      const col = codes + c * numRows;
      for (let r = 0; r < numRows; r++) data[r * numCols + c] = table[bytes[col + r]];
    }
  } else if (format === 'CM2') {
    const increment = f32(range * (1 / 65535));
    for (let i = 0; i < data.length; i++) data[i] = f32(minValue + f32(view.getUint16(body + 2 * i, true) * increment));
  } else {
    const increment = f32(range * (1 / 255));
    const table = Float32Array.from({ length: 256 }, (_, q) => minValue + f32(q * increment));
    for (let i = 0; i < data.length; i++) data[i] = table[bytes[body + i]];
  }
  return { matrix: { numRows, numCols, data }, byteLength };
}
