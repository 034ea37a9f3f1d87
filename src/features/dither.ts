// Dither noise (Kaldi feature-window.cc Dither: each sample += dither * RandGauss()). Kaldi seeds
// from the process; we seed per (ditherSeed, utterance) so results are reproducible and do not
// depend on how utterances are sharded over jobs.
import { makeRng } from '../data/random.js';

/**
 * A seeded standard-normal generator fast enough for one draw per sample: xoshiro128** seeded
 * from `makeRng(seed, stream)`, and Marsaglia's polar method (two normals per accepted pair, no
 * trigonometry). Same seed and stream, same sequence.
 */
export class GaussianNoise {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number | string, stream = '') {
    const rng = makeRng(seed, stream);
    const word = () => Math.floor(rng() * 4294967296) >>> 0;
    this.s0 = word();
    this.s1 = word();
    this.s2 = word();
    this.s3 = word();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Uniform on [0, 1) with 32 random bits (xoshiro128**). */
  uniform(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result / 4294967296;
  }

  /** A standard normal draw. */
  next(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
