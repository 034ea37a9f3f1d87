// Kaldi's text archive format for feature matrices, so `show-feats` output can be diffed against
// `copy-feats ark:- ark,t:-`: TableWriter writes `key ` then MatrixBase::Write in text mode
// (kaldi-matrix.cc): ` [`, then per row `\n  ` and each value followed by a space, then `]\n`;
// an empty matrix is ` [ ]\n`. Values print as C++ `ostream << float` does (%g, 6 significant digits).

/** A float as `std::ostream << float` prints it by default (like printf %g with precision 6). */
export function formatKaldiFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expPart] = v.toExponential(5).split('e');
  const exp = Number(expPart);
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${strip(mantissa)}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return strip(v.toFixed(5 - exp));
}

/** One archive entry: `key  [\n  v v ... \n  v v ... ]\n` (rows x cols, row-major). */
export function formatKaldiTextMatrix(key: string, data: ArrayLike<number>, numRows: number, numCols: number): string {
  if (numCols === 0 || numRows === 0) return `${key}  [ ]\n`;
  const parts: string[] = [`${key}  [`];
  for (let r = 0; r < numRows; r++) {
    let line = '\n  ';
    const base = r * numCols;
    for (let c = 0; c < numCols; c++) line += formatKaldiFloat(data[base + c]) + ' ';
    parts.push(line);
  }
  parts.push(']\n');
  return parts.join('');
}
