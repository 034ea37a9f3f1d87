import { InputError } from '../errors.js';
import { makeRng } from '../data/random.js';

export interface BootstrapOptions {
  /** Bootstrap replications (Kaldi compute-wer-bootci --replications, default 10000). */
  replications?: number;
  /** Seed of the resampling (same seed, same numbers). */
  seed?: number | string;
}

/** A WER (percent) with its 95% bootstrap interval. */
export interface WerInterval {
  mean: number;
  low: number;
  high: number;
}

export interface WerComparison {
  numUtts: number;
  numWords: number;
  /** WER of each system on the full set, percent. */
  werA: number;
  werB: number;
  /** Bootstrap mean +- 1.96 standard deviations, as compute-wer-bootci prints for each set. */
  a: WerInterval;
  b: WerInterval;
  /** WER(B) - WER(A) in points: bootstrap mean and 2.5 / 97.5 percentiles (paired resamples). */
  delta: WerInterval;
  /** Fraction of resamples where B makes fewer errors than A (compute-wer-bootci's "probability of Set2 improving Set1"). */
  probBBetter: number;
  replications: number;
}

/**
 * Paired bootstrap over utterances (Bisani & Ney 2004, as Kaldi's compute-wer-bootci): draw the
 * test set's utterances with replacement `replications` times; each draw gives both systems'
 * WER on the same utterances. `errsA[i]`, `errsB[i]`: word errors of utterance i; `words[i]`:
 * its reference words. Draws with no reference word are redrawn.
 */
export function bootstrapWerComparison(errsA: ArrayLike<number>, errsB: ArrayLike<number>, words: ArrayLike<number>, options: BootstrapOptions = {}): WerComparison {
  const n = words.length;
  const R = options.replications ?? 10000;
  if (errsA.length !== n || errsB.length !== n) throw new Error('bootstrapWerComparison: arrays differ in length');
  if (!Number.isInteger(R) || R < 1) throw new InputError(`--replications ${R}: expected a positive integer`);
  let totalWords = 0;
  let totalA = 0;
  let totalB = 0;
  for (let i = 0; i < n; i++) {
    totalWords += words[i];
    totalA += errsA[i];
    totalB += errsB[i];
  }
  if (n === 0 || totalWords === 0) throw new InputError('wer-compare: the reference has no words, so WER is undefined; nothing to compare');
  const rng = makeRng(options.seed ?? 0, 'wer-bootstrap');
  const werA = new Float64Array(R);
  const werB = new Float64Array(R);
  const delta = new Float64Array(R);
  let better = 0;
  for (let r = 0; r < R; r++) {
    let w = 0;
    let ea = 0;
    let eb = 0;
    do {
      w = 0;
      ea = 0;
      eb = 0;
      for (let j = 0; j < n; j++) {
        const k = Math.floor(rng() * n);
        w += words[k];
        ea += errsA[k];
        eb += errsB[k];
      }
    } while (w === 0);
    werA[r] = (100 * ea) / w;
    werB[r] = (100 * eb) / w;
    delta[r] = werB[r] - werA[r];
    if (ea - eb > 0) better++;
  }
  const meanSd = (x: Float64Array): WerInterval => {
    let s = 0;
    let s2 = 0;
    for (const v of x) {
      s += v;
      s2 += v * v;
    }
    const mean = s / R;
    const sd = Math.sqrt(Math.max(0, s2 / R - mean * mean));
    return { mean, low: mean - 1.96 * sd, high: mean + 1.96 * sd };
  };
  const sorted = Float64Array.from(delta).sort();
  const pct = (q: number) => sorted[Math.min(R - 1, Math.max(0, Math.round(q * (R - 1))))];
  return {
    numUtts: n,
    numWords: totalWords,
    werA: (100 * totalA) / totalWords,
    werB: (100 * totalB) / totalWords,
    a: meanSd(werA),
    b: meanSd(werB),
    delta: { mean: delta.reduce((s, v) => s + v, 0) / R, low: pct(0.025), high: pct(0.975) },
    probBBetter: better / R,
    replications: R,
  };
}

/**
 * compute-wer-bootci's lines plus the difference:
 * `Set1: %WER 12.34 95% Conf Interval [ 11.00, 13.68 ]`, `Set2: ...`,
 * `Delta (Set2 - Set1): %WER -0.44 95% Conf Interval [ -0.90, 0.02 ]`,
 * `Probability of Set2 improving Set1: 96.30`.
 */
export function formatWerComparison(c: WerComparison): string {
  const f = (x: number) => x.toFixed(2);
  return (
    `Set1: %WER ${f(c.a.mean)} 95% Conf Interval [ ${f(c.a.low)}, ${f(c.a.high)} ]\n` +
    `Set2: %WER ${f(c.b.mean)} 95% Conf Interval [ ${f(c.b.low)}, ${f(c.b.high)} ]\n` +
    `Delta (Set2 - Set1): %WER ${f(c.delta.mean)} 95% Conf Interval [ ${f(c.delta.low)}, ${f(c.delta.high)} ]\n` +
    `Probability of Set2 improving Set1: ${f(100 * c.probBBetter)}\n`
  );
}
