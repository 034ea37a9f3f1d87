// A mixup transfer set for distillation (Zhang et al. 2018, "mixup"; as a transfer set for
// function matching, Beyer et al. 2022, "Knowledge distillation: A good teacher is patient and
// consistent", sec. 4): each row is mixed with another row of its batch, x = (1 - l) x_a + l x_b,
// and the teacher labels the mix, so the student sees the teacher's function between training
// frames, not only at them. l stays below 1/2, so the hard label of x_a remains the dominant one
// (Medennikov et al. 2018 found such mild mixup helps hybrid acoustic models).
import { InputError } from '../errors.js';
import { makeRng } from '../data/random.js';

/**
 * Per-row mixing with a random partner row of the same batch, deterministic in (seed, epoch,
 * batch) so that a resumed run sees the same mixes; the partner weight is uniform in [0, maxWeight].
 */
export class TransferMixup {
  constructor(
    /** Largest weight of the partner row, in (0, 0.5]. */
    readonly maxWeight: number,
    readonly seed: number,
  ) {
    if (!(maxWeight > 0 && maxWeight <= 0.5)) throw new InputError(`--transfer-mixup ${maxWeight}: must be a weight in (0, 0.5] (e.g. 0.3), or leave it out`);
  }

  /** Mix in place the first `rows` rows of `x` (partners are read from the unmixed rows). */
  apply(x: Float32Array, rows: number, inputDim: number, epoch: number, batch: number): void {
    if (rows < 2) return;
    const rng = makeRng(this.seed, `transfer-mixup-${epoch}-${batch}`);
    const clean = x.slice(0, rows * inputDim);
    for (let r = 0; r < rows; r++) {
      // A partner other than the row itself: draw from the rows - 1 others.
      let p = Math.floor(rng() * (rows - 1));
      if (p >= r) p++;
      const l = this.maxWeight * rng();
      const o = r * inputDim;
      const q = p * inputDim;
      for (let j = 0; j < inputDim; j++) x[o + j] = (1 - l) * clean[o + j] + l * clean[q + j];
    }
  }
}
