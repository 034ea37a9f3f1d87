// A perturbed transfer set for distillation. Hinton et al. (2015, sec. 2) let the transfer set be
// any data the teacher can label; on the training frames themselves an ensemble that fits them
// (our members reach 93% train vs 85% held-out accuracy) gives soft targets close to the hard
// labels, so little of what makes the ensemble generalise reaches the student. Adding fresh
// Gaussian noise to every transfer frame each epoch, and computing the teacher's targets on the
// noisy frame (teacher and student see the same input: "function matching", Beyer et al. 2022,
// "Knowledge distillation: A good teacher is patient and consistent"), shows the student the
// teacher's function around the training frames instead of only at them.
import { InputError } from '../errors.js';
import { makeRng, randNormal } from '../data/random.js';
import { corpusFrames, type FrameCorpus } from './batches.js';

/** Size of the table of standard normals that noise rows are read from (4 MiB of float32). */
export const NOISE_TABLE_SIZE = 1 << 20;

/**
 * Per-dimension standard deviation of a corpus' (normalised) features, float64 accumulation: the
 * noise is relative to it, so `--transfer-noise 0.5` means the same thing for any features.
 *
 * @example featureStd(corpus) // Float32Array(40) [1.9, 2.1, ...]
 */
export function featureStd(c: FrameCorpus): Float32Array {
  const m = new FeatureMoments(c.dim);
  m.add(c);
  return m.std();
}

/** featureStd accumulated over corpora added one by one (a streamed corpus, window by window). */
export class FeatureMoments {
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  private n = 0;
  constructor(readonly dim: number) {
    this.sum = new Float64Array(dim);
    this.sq = new Float64Array(dim);
  }
  add(c: FrameCorpus): void {
    const n = corpusFrames(c);
    const d = this.dim;
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < d; j++) {
        const v = c.feats[t * d + j];
        this.sum[j] += v;
        this.sq[j] += v * v;
      }
    }
    this.n += n;
  }
  std(): Float32Array {
    const out = new Float32Array(this.dim);
    for (let j = 0; j < this.dim; j++) {
      const mean = this.sum[j] / Math.max(1, this.n);
      out[j] = Math.sqrt(Math.max(0, this.sq[j] / Math.max(1, this.n) - mean * mean));
    }
    return out;
  }
}

/**
 * Gaussian noise for spliced rows, deterministic in (seed, epoch, batch) so that a resumed run sees
 * the same perturbations. A standard normal per element costs ~250 ns with the seeded generator
 * (a 440-dim row: 0.1 ms, longer than the student's training step on it), so each row reads a
 * window of a fixed table of normals at a random offset: one generator call per row.
 */
export class TransferNoise {
  private readonly table: Float32Array;
  constructor(
    /** Noise standard deviation as a fraction of each feature dimension's standard deviation. */
    readonly relStd: number,
    /** Per-dimension standard deviation of the (unspliced) features: featureStd(). */
    readonly featStd: Float32Array,
    readonly seed: number,
    /**
     * Fraction of rows perturbed (default 1): the others stay clean, so the student also learns the
     * teacher's function on the frames as they are, which is what it is tested on.
     */
    readonly rowFraction = 1,
  ) {
    if (!(relStd > 0) || !Number.isFinite(relStd)) throw new InputError(`--transfer-noise ${relStd}: must be a positive number (e.g. 0.5), or leave it out`);
    if (!(rowFraction > 0 && rowFraction <= 1)) throw new InputError(`--transfer-noise-frames ${rowFraction}: must be a fraction in (0, 1] (e.g. 0.5)`);
    const rng = makeRng(seed, 'transfer-noise-table');
    this.table = new Float32Array(NOISE_TABLE_SIZE);
    for (let i = 0; i < NOISE_TABLE_SIZE; i++) this.table[i] = randNormal(rng);
  }

  /**
   * Add noise in place to the first `rows` rows of `x` (row-major, `inputDim` = frames x featDim,
   * frame-major as splice.ts lays them out): element j gets relStd * featStd[j % featDim] * n.
   */
  apply(x: Float32Array, rows: number, inputDim: number, epoch: number, batch: number): void {
    const d = this.featStd.length;
    if (inputDim % d !== 0) throw new Error(`transfer noise: input dim ${inputDim} is not a multiple of the feature dim ${d}`);
    if (inputDim > NOISE_TABLE_SIZE) throw new Error(`transfer noise: input dim ${inputDim} exceeds the noise table (${NOISE_TABLE_SIZE})`);
    const scale = new Float32Array(inputDim);
    for (let j = 0; j < inputDim; j++) scale[j] = this.relStd * this.featStd[j % d];
    const rng = makeRng(this.seed, `transfer-noise-${epoch}-${batch}`);
    const span = NOISE_TABLE_SIZE - inputDim;
    for (let r = 0; r < rows; r++) {
      const off = Math.floor(rng() * (span + 1));
      if (this.rowFraction < 1 && rng() >= this.rowFraction) continue;
      const o = r * inputDim;
      for (let j = 0; j < inputDim; j++) x[o + j] += scale[j] * this.table[off + j];
    }
  }
}
