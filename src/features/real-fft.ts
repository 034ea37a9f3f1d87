/**
 * Power spectrum of a real frame through a half-length complex FFT (the "two-for-one" real FFT,
 * as in Kaldi's SplitRadixRealFft::Compute, srfft.cc): pack x[2n] + i x[2n+1] into an N/2-point
 * complex signal, transform it, then untangle the even and odd halves with one twiddle per bin.
 * Float64 throughout (the 1e-3 fixture tolerance is not met by a float32 FFT on low-energy bins).
 * All tables and buffers are allocated once per size; `power()` allocates nothing.
 */
export class RealFft {
  /** Transform length N (a power of two >= 4). */
  readonly size: number;
  private readonly half: number;
  /** Bit-reversal permutation of 0..N/2-1 (where input pair n goes before the in-place DIT passes). */
  readonly bitReverse: Int32Array;
  /** Per-stage twiddles, concatenated: stage with span L uses L/2 entries (cos, -sin) of 2*pi*j/L. */
  private readonly twCos: Float64Array;
  private readonly twSin: Float64Array;
  /** Untangling twiddles exp(-2*pi*i*k/N), k = 0..N/2. */
  private readonly postCos: Float64Array;
  private readonly postSin: Float64Array;
  /** Work buffers: real and imaginary parts of the N/2-point complex signal. */
  readonly re: Float64Array;
  readonly im: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`RealFft: size must be a power of two >= 4, got ${size}`);
    }
    this.size = size;
    const m = size >> 1;
    this.half = m;
    const bits = Math.log2(m);
    this.bitReverse = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    this.twCos = new Float64Array(Math.max(1, m));
    this.twSin = new Float64Array(Math.max(1, m));
    let off = 0;
    for (let span = 2; span <= m; span <<= 1) {
      const h = span >> 1;
      for (let j = 0; j < h; j++) {
        const a = (-2 * Math.PI * j) / span;
        this.twCos[off + j] = Math.cos(a);
        this.twSin[off + j] = Math.sin(a);
      }
      off += h;
    }
    this.postCos = new Float64Array(m + 1);
    this.postSin = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      const a = (-2 * Math.PI * k) / size;
      this.postCos[k] = Math.cos(a);
      this.postSin[k] = Math.sin(a);
    }
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
  }

  /**
   * Load a real frame `x` (length N) into the work buffers, already bit-reversed. Callers that
   * compute the frame on the fly can instead write `re[bitReverse[n]] = x[2n]`,
   * `im[bitReverse[n]] = x[2n+1]` themselves and skip this copy.
   */
  load(x: ArrayLike<number>): void {
    const { re, im, bitReverse } = this;
    for (let n = 0; n < this.half; n++) {
      const r = bitReverse[n];
      re[r] = x[2 * n];
      im[r] = x[2 * n + 1];
    }
  }

  /**
   * In-place decimation-in-time passes over the (bit-reversed) work buffers, two radix-2 stages
   * fused per pass (radix-2^2): half the passes over memory of plain radix-2.
   */
  private transformHalf(): void {
    const { re, im, twCos, twSin } = this;
    const m = this.half;
    let span: number; // size of the blocks already transformed
    let off: number; // where the twiddles of the next stage start
    if ((Math.log2(m) & 1) === 1) {
      // Odd number of stages: one plain radix-2 pass (twiddle 1) first.
      for (let i = 0; i < m; i += 2) {
        const ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1];
        re[i] = ar + br;
        im[i] = ai + bi;
        re[i + 1] = ar - br;
        im[i + 1] = ai - bi;
      }
      span = 2;
      off = 1;
    } else {
      // Spans 2 and 4 fused: twiddles 1 and -i only.
      for (let i = 0; i < m; i += 4) {
        const ar = re[i] + re[i + 1], ai = im[i] + im[i + 1];
        const br = re[i] - re[i + 1], bi = im[i] - im[i + 1];
        const cr = re[i + 2] + re[i + 3], ci = im[i + 2] + im[i + 3];
        const dr = re[i + 2] - re[i + 3], di = im[i + 2] - im[i + 3];
        re[i] = ar + cr;
        im[i] = ai + ci;
        re[i + 2] = ar - cr;
        im[i + 2] = ai - ci;
        // d * (-i) = (di, -dr)
        re[i + 1] = br + di;
        im[i + 1] = bi - dr;
        re[i + 3] = br - di;
        im[i + 3] = bi + dr;
      }
      span = 4;
      off = 3;
    }
    while (span < m) {
      const h = span; // stage 1 half-span (twiddles at off), stage 2 half-span 2h (at off + h)
      const off2 = off + h;
      const block = 4 * h;
      for (let j = 0; j < h; j++) {
        const w1r = twCos[off + j], w1i = twSin[off + j];
        const w2r = twCos[off2 + j], w2i = twSin[off2 + j];
        for (let a = j; a < m; a += block) {
          const b = a + h, c = b + h, d = c + h;
          // Stage 1: (a, b) and (c, d) with twiddle w1.
          let xr = re[b], xi = im[b];
          let tr = xr * w1r - xi * w1i, ti = xr * w1i + xi * w1r;
          const a1r = re[a] + tr, a1i = im[a] + ti;
          const b1r = re[a] - tr, b1i = im[a] - ti;
          xr = re[d];
          xi = im[d];
          tr = xr * w1r - xi * w1i;
          ti = xr * w1i + xi * w1r;
          const c1r = re[c] + tr, c1i = im[c] + ti;
          const d1r = re[c] - tr, d1i = im[c] - ti;
          // Stage 2: (a, c) with w2, (b, d) with w2 * (-i).
          tr = c1r * w2r - c1i * w2i;
          ti = c1r * w2i + c1i * w2r;
          re[a] = a1r + tr;
          im[a] = a1i + ti;
          re[c] = a1r - tr;
          im[c] = a1i - ti;
          const ur = d1r * w2r - d1i * w2i, ui = d1r * w2i + d1i * w2r;
          re[b] = b1r + ui;
          im[b] = b1i - ur;
          re[d] = b1r - ui;
          im[d] = b1i + ur;
        }
      }
      off = off2 + 2 * h;
      span = 4 * h;
    }
  }

  /** |X[k]|^2, k = 0..N/2, of the real frame `x` (length N): `load(x)` then `power(out)`. */
  powerOf(x: Float64Array, out: Float64Array): void {
    this.load(x);
    this.power(out);
  }

  /**
   * Power spectrum |X[k]|^2, k = 0..N/2 (N/2 + 1 values, like Kaldi's ComputePowerSpectrum), of
   * the frame previously loaded (`load`, or written bit-reversed into `re`/`im`). Writes into `out`.
   */
  power(out: Float64Array): void {
    this.transformHalf();
    const { re, im, postCos, postSin } = this;
    const m = this.half;
    // k = 0 and k = N/2 come from Z[0] alone: X[0] = Re Z0 + Im Z0, X[N/2] = Re Z0 - Im Z0.
    const r0 = re[0], i0 = im[0];
    out[0] = (r0 + i0) * (r0 + i0);
    out[m] = (r0 - i0) * (r0 - i0);
    for (let k = 1; k < m; k++) {
      const ar = re[k], ai = im[k], br = re[m - k], bi = -im[m - k];
      // E = (Z[k] + conj Z[N/2-k]) / 2, O = (Z[k] - conj Z[N/2-k]) / 2i, X = E + W^k O.
      const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi), oi = -0.5 * (ar - br);
      const wr = postCos[k], wi = postSin[k];
      const xr = er + wr * or - wi * oi;
      const xi = ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
  }
}

/**
 * Power spectrum of any length N by a direct real DFT, for `roundToPowerOfTwo: false` with a
 * window that is not a power of two (Kaldi uses a mixed-radix FFT there; same values up to
 * rounding). O(N^2) per frame: ~50x slower than RealFft, which is why it is not the default.
 */
export class DirectRealDft {
  readonly size: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2) throw new RangeError(`DirectRealDft: size must be an integer >= 2, got ${size}`);
    this.size = size;
    this.cos = new Float64Array(size);
    this.sin = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      this.cos[j] = Math.cos((2 * Math.PI * j) / size);
      this.sin[j] = Math.sin((2 * Math.PI * j) / size);
    }
  }
  /** |X[k]|^2 for k = 0..floor(N/2) of the real frame `x` (length N), into `out`. */
  powerOf(x: Float64Array, out: Float64Array): void {
    const n = this.size;
    for (let k = 0; k <= n >> 1; k++) {
      let re = 0;
      let im = 0;
      let j = 0;
      for (let t = 0; t < n; t++) {
        re += x[t] * this.cos[j];
        im -= x[t] * this.sin[j];
        j += k;
        if (j >= n) j -= n;
      }
      out[k] = re * re + im * im;
    }
  }
}
