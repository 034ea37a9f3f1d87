import { arenaBytes, KernelArena, type FbankKernels } from './wasm-kernels.js';

export interface RealFftOptions {
  /**
   * Run the transform in WebAssembly (fbank.wat `power`: two radix-4 butterflies at a time in
   * f64x2 lanes, the same float64 operations as the JavaScript code, so bit-identical results,
   * ~2x faster) where available; false forces the JavaScript code. Default true.
   */
  wasm?: boolean;
  /** Lay the tables out in this arena (of at least `RealFft.bytesNeeded(size)` free bytes): fbank shares its instance. */
  arena?: KernelArena;
}

/**
 * Power spectrum of a real frame through a half-length complex FFT (the "two-for-one" real FFT,
 * as in Kaldi's SplitRadixRealFft::Compute, srfft.cc): pack x[2n] + i x[2n+1] into an N/2-point
 * complex signal, transform it, then untangle the even and odd halves with one twiddle per bin.
 * Float64 throughout (the 1e-3 fixture tolerance is not met by a float32 FFT on low-energy bins).
 * All tables and buffers are allocated once per size, in the WebAssembly module's memory when it
 * runs (`input` and `output` are views of it: filling `input` and reading `output` copies nothing);
 * `powerOf()` allocates nothing. Hand-written: npm's FFTs are float32 (pffft, kissfft wasm) or
 * compute the full complex spectrum in another order (fft.js), so none gives these exact numbers.
 */
export class RealFft {
  /** Transform length N (a power of two >= 4). */
  readonly size: number;
  /** A frame buffer of N values: `powerOf(fft.input, ...)` skips the copy into the transform. */
  readonly input: Float64Array;
  /** A spectrum buffer of N/2 + 1 values: `powerOf(..., fft.output)` skips the copy out. */
  readonly output: Float64Array;
  /** True when the WebAssembly transform runs. */
  readonly usesWasm: boolean;
  private readonly half: number;
  /** Bit-reversal permutation of 0..N/2-1: slot i of the first pass reads input pair bitReverse[i]. */
  private readonly bitReverse: Int32Array;
  /** Radix-4 twiddles w^j, w^2j, w^3j (cos, sin of -2 pi j k / 4h) per pass, concatenated. */
  private readonly r4Cos1: Float64Array;
  private readonly r4Sin1: Float64Array;
  private readonly r4Cos2: Float64Array;
  private readonly r4Sin2: Float64Array;
  private readonly r4Cos3: Float64Array;
  private readonly r4Sin3: Float64Array;
  /** Untangling twiddles exp(-2*pi*i*k/N), k = 0..N/2. */
  private readonly postCos: Float64Array;
  private readonly postSin: Float64Array;
  /** Work buffers: real and imaginary parts of the N/2-point complex signal. */
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  /** The wasm `power` function (undefined: the JavaScript transform runs). */
  private readonly wasmPower?: FbankKernels['power'];
  /** `power`'s arguments: byte offsets of input re im bitReverse r4Cos1 ... postSin output, then m and odd. */
  readonly wasmArgs: number[];

  /** Arena bytes a RealFft of `size` takes. */
  static bytesNeeded(size: number): number {
    const m = size >> 1;
    const count = RealFft.twiddleCount(m);
    return arenaBytes(8 * size) + 3 * arenaBytes(8 * (m + 1)) + 2 * arenaBytes(8 * m) + 6 * arenaBytes(8 * count) + arenaBytes(4 * m);
  }

  /** Entries of each radix-4 twiddle table: h per pass of quarter length h. */
  private static twiddleCount(m: number): number {
    let count = 0;
    for (let h = (Math.log2(m) & 1) === 1 ? 2 : 4; h < m; h *= 4) count += h;
    return count;
  }

  constructor(size: number, options: RealFftOptions = {}) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`RealFft: size must be a power of two >= 4, got ${size}`);
    }
    this.size = size;
    const m = size >> 1;
    this.half = m;
    const bits = Math.log2(m);
    const first = (bits & 1) === 1 ? 2 : 4;
    const count = RealFft.twiddleCount(m);
    const arena =
      options.arena ?? (options.wasm === false ? null : KernelArena.wasm(RealFft.bytesNeeded(size))) ?? KernelArena.plain(RealFft.bytesNeeded(size));
    this.wasmPower = options.wasm === false ? undefined : arena.kernels?.power;
    this.usesWasm = this.wasmPower !== undefined;
    this.input = arena.f64(size);
    this.output = arena.f64(m + 1);
    this.re = arena.f64(m);
    this.im = arena.f64(m);
    this.postCos = arena.f64(m + 1);
    this.postSin = arena.f64(m + 1);
    this.r4Cos1 = arena.f64(count);
    this.r4Sin1 = arena.f64(count);
    this.r4Cos2 = arena.f64(count);
    this.r4Sin2 = arena.f64(count);
    this.r4Cos3 = arena.f64(count);
    this.r4Sin3 = arena.f64(count);
    this.bitReverse = arena.i32(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    // Twiddles of the radix-4 passes, concatenated in pass order (pass with quarter length h: h entries).
    let o = 0;
    for (let h = first; h < m; h *= 4) {
      for (let j = 0; j < h; j++, o++) {
        const a = (-2 * Math.PI * j) / (4 * h);
        this.r4Cos1[o] = Math.cos(a);
        this.r4Sin1[o] = Math.sin(a);
        this.r4Cos2[o] = Math.cos(2 * a);
        this.r4Sin2[o] = Math.sin(2 * a);
        this.r4Cos3[o] = Math.cos(3 * a);
        this.r4Sin3[o] = Math.sin(3 * a);
      }
    }
    for (let k = 0; k <= m; k++) {
      const a = (-2 * Math.PI * k) / size;
      this.postCos[k] = Math.cos(a);
      this.postSin[k] = Math.sin(a);
    }
    const ptr = (a: Float64Array | Int32Array) => a.byteOffset;
    this.wasmArgs = [
      ptr(this.input), ptr(this.re), ptr(this.im), ptr(this.bitReverse),
      ptr(this.r4Cos1), ptr(this.r4Sin1), ptr(this.r4Cos2), ptr(this.r4Sin2), ptr(this.r4Cos3), ptr(this.r4Sin3),
      ptr(this.postCos), ptr(this.postSin), ptr(this.output), m, bits & 1,
    ];
  }

  /**
   * The N/2-point complex FFT of the packed frame into the work buffers (decimation in time): one
   * trivial pass (radix-2, or radix-4 with twiddles 1 and -i) that also does the bit-reversal
   * permutation, then radix-4 passes.
   */
  private transformHalf(x: Float64Array): void {
    const { re, im } = this;
    const m = this.half;
    let span: number; // size of the blocks already transformed
    const rev = this.bitReverse;
    // The first pass reads the packed pairs (x[2n], x[2n+1]) straight from the frame in
    // bit-reversed order, so there is no separate permutation pass.
    if ((Math.log2(m) & 1) === 1) {
      // Odd number of stages: one plain radix-2 pass (twiddle 1) first.
      for (let i = 0; i < m; i += 2) {
        const p = 2 * rev[i], q = 2 * rev[i + 1];
        const ar = x[p], ai = x[p + 1], br = x[q], bi = x[q + 1];
        re[i] = ar + br;
        im[i] = ai + bi;
        re[i + 1] = ar - br;
        im[i + 1] = ai - bi;
      }
      span = 2;
    } else {
      // Spans 2 and 4 fused: twiddles 1 and -i only.
      for (let i = 0; i < m; i += 4) {
        const p0 = 2 * rev[i], p1 = 2 * rev[i + 1], p2 = 2 * rev[i + 2], p3 = 2 * rev[i + 3];
        const ar = x[p0] + x[p1], ai = x[p0 + 1] + x[p1 + 1];
        const br = x[p0] - x[p1], bi = x[p0 + 1] - x[p1 + 1];
        const cr = x[p2] + x[p3], ci = x[p2 + 1] + x[p3 + 1];
        const dr = x[p2] - x[p3], di = x[p2 + 1] - x[p3 + 1];
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
    }
    // Radix-4 passes: four sub-transforms of length h (at a, b, c, d in bit-reversed order: the
    // residues 0, 2, 1, 3 mod 4) combine with twiddles w^j, w^2j, w^3j (w = exp(-2 pi i / 4h)):
    // three complex multiplications per four points instead of radix-2's four.
    const { r4Cos1, r4Sin1, r4Cos2, r4Sin2, r4Cos3, r4Sin3 } = this;
    let tw = 0;
    while (span < m) {
      const h = span;
      const block = 4 * h;
      for (let j = 0; j < h; j++, tw++) {
        const w1r = r4Cos1[tw], w1i = r4Sin1[tw];
        const w2r = r4Cos2[tw], w2i = r4Sin2[tw];
        const w3r = r4Cos3[tw], w3i = r4Sin3[tw];
        for (let a = j; a < m; a += block) {
          const b = a + h, c = b + h, d = c + h;
          const t0r = re[a], t0i = im[a];
          // T1 = w^j * C (residue 1), T2 = w^2j * B (residue 2), T3 = w^3j * D (residue 3).
          let xr = re[c], xi = im[c];
          const t1r = xr * w1r - xi * w1i, t1i = xr * w1i + xi * w1r;
          xr = re[b];
          xi = im[b];
          const t2r = xr * w2r - xi * w2i, t2i = xr * w2i + xi * w2r;
          xr = re[d];
          xi = im[d];
          const t3r = xr * w3r - xi * w3i, t3i = xr * w3i + xi * w3r;
          const s02r = t0r + t2r, s02i = t0i + t2i, d02r = t0r - t2r, d02i = t0i - t2i;
          const s13r = t1r + t3r, s13i = t1i + t3i, d13r = t1r - t3r, d13i = t1i - t3i;
          re[a] = s02r + s13r;
          im[a] = s02i + s13i;
          re[c] = s02r - s13r;
          im[c] = s02i - s13i;
          // X[j + h] = d02 - i d13, X[j + 3h] = d02 + i d13.
          re[b] = d02r + d13i;
          im[b] = d02i - d13r;
          re[d] = d02r - d13i;
          im[d] = d02i + d13r;
        }
      }
      span = block;
    }
  }

  /**
   * Power spectrum |X[k]|^2, k = 0..N/2 (N/2 + 1 values, like Kaldi's ComputePowerSpectrum), of
   * the real frame `x` (its first N values; zero-pad it yourself), written into `out`.
   */
  powerOf(x: Float64Array, out: Float64Array): void {
    if (this.wasmPower) {
      if (x !== this.input) this.input.set(x.subarray(0, this.size));
      this.wasmPower(...this.wasmArgs);
      if (out !== this.output) out.set(this.output);
      return;
    }
    this.transformHalf(x);
    this.untangle(out);
  }

  /** |X[k]|^2 for k = 0..N/2 from the transformed work buffers (two-for-one untangling). */
  private untangle(out: Float64Array): void {
    const { re, im, postCos, postSin } = this;
    const m = this.half;
    // k = 0 and k = N/2 come from Z[0] alone: X[0] = Re Z0 + Im Z0, X[N/2] = Re Z0 - Im Z0.
    const r0 = re[0], i0 = im[0];
    out[0] = (r0 + i0) * (r0 + i0);
    out[m] = (r0 - i0) * (r0 - i0);
    // Bins k and N/2 - k share Z[k] and Z[N/2 - k]: untangle both from one pair of loads.
    // E = (Z[k] + conj Z[N/2-k]) / 2, O = (Z[k] - conj Z[N/2-k]) / 2i, X[k] = E + W^k O.
    for (let k = 1, q = m - 1; k <= q; k++, q--) {
      const ar = re[k], ai = im[k], br = re[q], bi = im[q];
      const er = 0.5 * (ar + br), ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi), oi = -0.5 * (ar - br);
      const wr = postCos[k], wi = postSin[k];
      const pr = wr * or - wi * oi, pi = wr * oi + wi * or;
      let xr = er + pr, xi = ei + pi;
      out[k] = xr * xr + xi * xi;
      // Bin q: E_q = conj(E), O_q = conj(O), W^q = -conj(W^k), so X[q] = conj(E - W^k O).
      xr = er - pr;
      xi = -ei + pi;
      out[q] = xr * xr + xi * xi;
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
