import seedrandom from 'seedrandom';

/** A seeded uniform generator on [0, 1). Same seed, same sequence, on every platform. */
export type Rng = () => number;

/** Create a seeded generator (seedrandom's ARC4-based default). `stream` derives independent sub-streams. */
export function makeRng(seed: number | string, stream = ''): Rng {
  const prng = seedrandom(`${seed}${stream ? `/${stream}` : ''}`);
  return () => prng.quick();
}

/** Uniform integer in [lo, hi] inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Uniform real in [lo, hi). */
export function randUniform(rng: Rng, lo: number, hi: number): number {
  return lo + rng() * (hi - lo);
}

/** Standard normal sample (Box-Muller). */
export function randNormal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Fisher-Yates shuffle in place; works on plain and typed arrays. */
export function shuffleInPlace<T extends { length: number; [i: number]: any }>(rng: Rng, a: T): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
