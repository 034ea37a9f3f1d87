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
 * The resampling of a paired bootstrap over utterances (Bisani & Ney 2004): `replications` times,
 * draw the n utterances with replacement and sum every column (per-utterance counts, all of
 * length n) over the draw; a draw that `accept` rejects is redrawn. Returns, per column, its sum in
 * each replication. The generator is the seeded stream `stream` of `options.seed`.
 */
export function bootstrapSums(columns: ArrayLike<number>[], stream: string, options: BootstrapOptions = {}, accept: (sums: Float64Array) => boolean = () => true): Float64Array[] {
  const R = options.replications ?? 10000;
  if (!Number.isInteger(R) || R < 1) throw new InputError(`--replications ${R}: expected a positive integer`);
  const n = columns[0]?.length ?? 0;
  if (columns.some((c) => c.length !== n)) throw new Error('bootstrapSums: columns differ in length');
  const rng = makeRng(options.seed ?? 0, stream);
  const out = columns.map(() => new Float64Array(R));
  const sums = new Float64Array(columns.length);
  for (let r = 0; r < R; r++) {
    do {
      sums.fill(0);
      for (let j = 0; j < n; j++) {
        const k = Math.floor(rng() * n);
        for (let c = 0; c < columns.length; c++) sums[c] += columns[c][k];
      }
    } while (!accept(sums));
    for (let c = 0; c < columns.length; c++) out[c][r] = sums[c];
  }
  return out;
}

/** The q-quantile (0..1) of `x`, nearest rank on the sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/**
 * Paired bootstrap over utterances (Bisani & Ney 2004, as Kaldi's compute-wer-bootci): draw the
 * test set's utterances with replacement `replications` times; each draw gives both systems'
 * WER on the same utterances. `errsA[i]`, `errsB[i]`: word errors of utterance i; `words[i]`:
 * its reference words. Draws with no reference word are redrawn.
 */
export function bootstrapWerComparison(errsA: ArrayLike<number>, errsB: ArrayLike<number>, words: ArrayLike<number>, options: BootstrapOptions = {}): WerComparison {
  const n = words.length;
  if (errsA.length !== n || errsB.length !== n) throw new Error('bootstrapWerComparison: arrays differ in length');
  let totalWords = 0;
  let totalA = 0;
  let totalB = 0;
  for (let i = 0; i < n; i++) {
    totalWords += words[i];
    totalA += errsA[i];
    totalB += errsB[i];
  }
  if (n === 0 || totalWords === 0) throw new InputError('wer-compare: the reference has no words, so WER is undefined; nothing to compare');
  const [w, ea, eb] = bootstrapSums([words, errsA, errsB], 'wer-bootstrap', options, (sums) => sums[0] > 0);
  const R = w.length;
  const werA = new Float64Array(R);
  const werB = new Float64Array(R);
  const delta = new Float64Array(R);
  let better = 0;
  for (let r = 0; r < R; r++) {
    werA[r] = (100 * ea[r]) / w[r];
    werB[r] = (100 * eb[r]) / w[r];
    delta[r] = werB[r] - werA[r];
    if (ea[r] - eb[r] > 0) better++;
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
  const pct = (q: number) => quantile(sorted, q);
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

/** Per-utterance frame counts of the three systems of Table 1 on one test set (same utterances). */
export interface RecoveryCounts {
  numFrames: ArrayLike<number>;
  baselineCorrect: ArrayLike<number>;
  ensembleCorrect: ArrayLike<number>;
  studentCorrect: ArrayLike<number>;
}

/** The recovered fraction of the ensemble's gain with its bootstrap uncertainty. */
export interface RecoveryInterval {
  /** (student - baseline) / (ensemble - baseline) frame accuracy on the full set (NaN if the ensemble does not gain). */
  recovered: number;
  /** 2.5 and 97.5 percentiles over the resamples (a resample where the ensemble does not gain counts as recovering nothing). */
  low: number;
  high: number;
  /** Share of resamples in which the student recovers at least `threshold` of the gain. */
  probAtLeast: number;
  threshold: number;
  replications: number;
}

/**
 * How sure the recovered fraction of Table 1 is: a paired bootstrap over test utterances (the
 * three systems scored on the same draw), since a few hundred utterances from a few speakers give
 * frame accuracies whose differences move by tenths of a point with the draw.
 */
export function bootstrapRecoveredFraction(c: RecoveryCounts, options: BootstrapOptions & { threshold?: number } = {}): RecoveryInterval {
  return bootstrapPooledRecoveredFraction([c], options);
}

/**
 * The recovered fraction of the mean gain over several test sets (e.g. leave-one-speaker-out
 * folds, each with its own three systems): mean over sets of the student's frame-accuracy gain
 * over the mean of the ensemble's (a mean of per-set ratios would explode on a set whose ensemble
 * barely gains). Its interval: every set's utterances resampled with replacement, paired across
 * its three systems, independently per set (each its own seeded stream; one set draws as
 * bootstrapRecoveredFraction). A resample whose mean ensemble gain is not positive counts as
 * recovering nothing; NaN on the full sets when the mean ensemble gain is not positive.
 */
export function bootstrapPooledRecoveredFraction(sets: RecoveryCounts[], options: BootstrapOptions & { threshold?: number } = {}): RecoveryInterval {
  if (sets.length === 0) throw new InputError('bootstrapPooledRecoveredFraction: no test sets');
  for (const c of sets) {
    const n = c.numFrames.length;
    if ([c.baselineCorrect, c.ensembleCorrect, c.studentCorrect].some((a) => a.length !== n)) throw new Error('bootstrapRecoveredFraction: arrays differ in length');
  }
  const threshold = options.threshold ?? 0.8;
  const total = (a: ArrayLike<number>) => {
    let t = 0;
    for (let i = 0; i < a.length; i++) t += a[i];
    return t;
  };
  // Mean gains over the sets, each set's accuracies of its own frame count; with one set, (s - b) / (e - b).
  const fraction = (f: ArrayLike<number>, b: ArrayLike<number>, e: ArrayLike<number>, s: ArrayLike<number>) => {
    if (f.length === 1) return e[0] > b[0] ? (s[0] - b[0]) / (e[0] - b[0]) : NaN;
    let ens = 0;
    let stu = 0;
    for (let i = 0; i < f.length; i++) {
      ens += (e[i] - b[i]) / f[i];
      stu += (s[i] - b[i]) / f[i];
    }
    return ens > 0 ? stu / ens : NaN;
  };
  const recovered = fraction(
    sets.map((c) => total(c.numFrames)),
    sets.map((c) => total(c.baselineCorrect)),
    sets.map((c) => total(c.ensembleCorrect)),
    sets.map((c) => total(c.studentCorrect)),
  );
  const draws = sets.map((c, i) =>
    bootstrapSums([c.numFrames, c.baselineCorrect, c.ensembleCorrect, c.studentCorrect], i === 0 ? 'recovery-bootstrap' : `recovery-bootstrap-${i}`, options, (sums) => sums[0] > 0),
  );
  const R = draws[0][0].length;
  const rec = new Float64Array(R);
  const [f, b, e, s] = [0, 1, 2, 3].map(() => new Float64Array(sets.length));
  let atLeast = 0;
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < sets.length; i++) [f[i], b[i], e[i], s[i]] = draws[i].map((col) => col[r]);
    const x = fraction(f, b, e, s);
    rec[r] = Number.isNaN(x) ? 0 : x;
    if (rec[r] >= threshold) atLeast++;
  }
  rec.sort();
  return { recovered, low: quantile(rec, 0.025), high: quantile(rec, 0.975), probAtLeast: atLeast / R, threshold, replications: R };
}
