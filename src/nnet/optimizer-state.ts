// The optimizers' settings and their state as plain Float32Arrays: the checkpoint format, the same
// for both engines (tfjs/optimizer.ts, ort/train-graph.ts), so a checkpoint moves between them.

export type OptimizerKind = 'sgd' | 'adam';

/** Default learning rates: SGD with momentum 0.9, and Adam's usual 1e-3 (Kingma & Ba 2015). */
export const DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerKind, number>> = { sgd: 0.01, adam: 0.001 };
/** Default SGD momentum (classic momentum, Sutskever et al. 2013). */
export const DEFAULT_MOMENTUM = 0.9;

export interface OptimizerOptions {
  /** SGD momentum (default 0.9; 0 = plain SGD). */
  momentum?: number;
  /** Adam (Kingma & Ba 2015) defaults: beta1 0.9, beta2 0.999, epsilon 1e-8. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /**
   * Also keep an exponential moving average of the parameters with this decay per step (0 < D < 1;
   * absent = none): Polyak averaging as tf.train.ExponentialMovingAverage with num_updates, i.e.
   * decay min(D, (1 + n) / (10 + n)) at update n so that the random init is forgotten early.
   */
  averageDecay?: number;
}

/** Serialisable optimizer state: the step count and one list of slot arrays per parameter. */
export interface OptimizerState {
  kind: OptimizerKind;
  step: number;
  /** slots[p][k]: slot k of parameter p (SGD: [velocity]; Adam: [m, v]; with averageDecay the average last). */
  slots: Float32Array[][];
  /**
   * slotScale[k]: slot k is held divided by this (the ORT engine keeps Adam's moments scaled,
   * ort/update.ts adamSlotScales); absent means 1. Kept as is in checkpoints, so an engine
   * resumes its own state bit for bit; another engine converts (unscaledSlots).
   */
  slotScale?: number[];
}

/** The slots of `s` at the scale `want` (per slot k; 1 = optimizer.ts's own m, v, velocity, average). */
export function rescaledSlots(s: OptimizerState, want: number[]): Float32Array[][] {
  return s.slots.map((slots) =>
    slots.map((a, k) => {
      const f = (s.slotScale?.[k] ?? 1) / (want[k] ?? 1);
      return f === 1 ? a : a.map((x) => x * f);
    }),
  );
}

/** The decay of update n (1-based) for a moving average with decay `d` (tf.train.ExponentialMovingAverage). */
export function averageDecayAt(d: number, n: number): number {
  return Math.min(d, (1 + n) / (10 + n));
}
