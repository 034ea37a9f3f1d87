// Seeded dropout masks and seed mixing, shared by both engines (tfjs/train-step.ts uploads the masks,
// ort/train-step.ts feeds them to its step graph), so both draw the same masks for a (seed, batch).

/**
 * A seeded inverted-dropout mask, `rows x cols` values of 0 (prob. `rate`) or 1 / (1 - rate).
 * Hand-written mulberry32 generator (public domain, T. Ettinger) rather than seedrandom: it is
 * ~10x faster, and a mask depends only on (seed) so a resumed run draws the same masks.
 * Written into `out` when given (a trainer's buffer reused every step), else into a new array.
 */
export function dropoutMask(rows: number, cols: number, rate: number, seed: number, out: Float32Array = new Float32Array(rows * cols)): Float32Array {
  if (out.length !== rows * cols) throw new Error(`dropoutMask: out has ${out.length} values, not ${rows} x ${cols}`);
  const keep = 1 - rate;
  const scale = 1 / keep;
  let a = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = u < keep ? scale : 0;
  }
  return out;
}

/** Mix integers into a 32-bit seed (for per-epoch/batch/layer dropout seeds). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ Math.floor(p / 4294967296), 0x01000193) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}
