// Optimizers that update tf.Variables in place (variable.assign; no new variables per step) with a
// handful of elementwise ops each: on wasm an elementwise op over 1M floats costs ~0.25 ms, so an
// update of a 4M-parameter net costs a few ms per step. State is exported as Float32Arrays for
// checkpoints, so a resumed run continues bit-exactly.
import * as tf from '@tensorflow/tfjs';
import { averageDecayAt, DEFAULT_MOMENTUM, type OptimizerKind, type OptimizerOptions, type OptimizerState } from '../optimizer-state.js';

/** An optimizer bound to a fixed list of parameters. */
export interface Optimizer {
  readonly kind: OptimizerKind;
  /** Apply one update with gradients `grads[p]` (same shapes as the params) at `learningRate`. */
  apply(grads: tf.Tensor[], learningRate: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
  /** With averageDecay: the moving averages of the parameters (same order and shapes). */
  readonly averages?: readonly tf.Variable[];
  dispose(): void;
}

/** A non-trainable zero variable shaped like `p` (tidy releases the temporary zeros tensor). */
function zerosVariable(p: tf.Variable): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zerosLike(p), false));
}

class Sgd implements Optimizer {
  readonly kind = 'sgd' as const;
  private step = 0;
  private readonly velocity: tf.Variable[];
  constructor(private readonly params: tf.Variable[], private readonly momentum: number) {
    this.velocity = momentum > 0 ? params.map((p) => zerosVariable(p)) : [];
  }
  apply(grads: tf.Tensor[], learningRate: number): void {
    this.step++;
    tf.tidy(() => {
      const lr = tf.scalar(-learningRate);
      if (this.momentum === 0) {
        this.params.forEach((p, i) => p.assign(tf.add(p, tf.mul(grads[i], lr))));
        return;
      }
      // Classic momentum (Sutskever et al. 2013): v <- mu v - lr g; w <- w + v. The learning rate
      // scales each new gradient only, so newbob's halving does not rescale the velocity.
      const mu = tf.scalar(this.momentum);
      this.params.forEach((p, i) => {
        const v = this.velocity[i];
        v.assign(tf.add(tf.mul(v, mu), tf.mul(grads[i], lr)));
        p.assign(tf.add(p, v));
      });
    });
  }
  getState(): OptimizerState {
    return { kind: 'sgd', step: this.step, slots: this.velocity.map((v) => [v.dataSync().slice() as Float32Array]) };
  }
  setState(state: OptimizerState): void {
    checkState(state, 'sgd', this.params, this.momentum > 0 ? 1 : 0);
    this.step = state.step;
    tf.tidy(() => this.velocity.forEach((v, i) => v.assign(tf.tensor(state.slots[i][0], v.shape))));
  }
  dispose(): void {
    tf.dispose(this.velocity);
  }
}

class Adam implements Optimizer {
  readonly kind = 'adam' as const;
  private step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  constructor(
    private readonly params: tf.Variable[],
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {
    this.m = params.map((p) => zerosVariable(p));
    this.v = params.map((p) => zerosVariable(p));
  }
  apply(grads: tf.Tensor[], learningRate: number): void {
    this.step++;
    const t = this.step;
    // Kingma & Ba 2015, sec. 2 (the "more efficient" ordering, as tf.train.adam): bias correction
    // folded into the step size, epsilon added to sqrt(v).
    const stepSize = (learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    tf.tidy(() => {
      const b1 = tf.scalar(this.beta1);
      const c1 = tf.scalar(1 - this.beta1);
      const b2 = tf.scalar(this.beta2);
      const c2 = tf.scalar(1 - this.beta2);
      const eps = tf.scalar(this.epsilon);
      const a = tf.scalar(-stepSize);
      this.params.forEach((p, i) => {
        const g = grads[i];
        const m = this.m[i];
        const v = this.v[i];
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, c1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), c2)));
        p.assign(tf.add(p, tf.mul(a, tf.div(m, tf.add(tf.sqrt(v), eps)))));
      });
    });
  }
  getState(): OptimizerState {
    return {
      kind: 'adam',
      step: this.step,
      slots: this.m.map((m, i) => [m.dataSync().slice() as Float32Array, this.v[i].dataSync().slice() as Float32Array]),
    };
  }
  setState(state: OptimizerState): void {
    checkState(state, 'adam', this.params, 2);
    this.step = state.step;
    tf.tidy(() => {
      this.m.forEach((m, i) => m.assign(tf.tensor(state.slots[i][0], m.shape)));
      this.v.forEach((v, i) => v.assign(tf.tensor(state.slots[i][1], v.shape)));
    });
  }
  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/**
 * Wraps an optimizer and keeps a moving average of the parameters after each update (as TensorFlow
 * Addons' MovingAverage optimizer wrapper): the averages are an extra slot per parameter, so
 * checkpoints and newbob's rejected epochs carry them with no format change.
 */
class Averaged implements Optimizer {
  readonly averages: tf.Variable[];
  private updates = 0;
  constructor(
    private readonly inner: Optimizer,
    private readonly params: tf.Variable[],
    private readonly decay: number,
  ) {
    this.averages = params.map((p) => tf.tidy(() => tf.variable(p.clone(), false)));
  }
  get kind(): OptimizerKind {
    return this.inner.kind;
  }
  apply(grads: tf.Tensor[], learningRate: number): void {
    this.inner.apply(grads, learningRate);
    this.updates++;
    const d = averageDecayAt(this.decay, this.updates);
    tf.tidy(() => {
      const keep = tf.scalar(d);
      const take = tf.scalar(1 - d);
      this.averages.forEach((a, i) => a.assign(tf.add(tf.mul(a, keep), tf.mul(this.params[i], take))));
    });
  }
  getState(): OptimizerState {
    const s = this.inner.getState();
    // SGD without momentum has no slots at all: start each parameter's list empty.
    return { ...s, slots: this.averages.map((a, i) => [...(s.slots[i] ?? []), a.dataSync().slice() as Float32Array]) };
  }
  setState(state: OptimizerState): void {
    if (state.slots.length !== this.params.length || state.slots.some((s) => s.length < 1)) {
      throw new Error('optimizer state has no moving averages of the weights; it was written without averaging');
    }
    this.inner.setState({ ...state, slots: state.slots.map((s) => s.slice(0, -1)) });
    checkState({ ...state, slots: state.slots.map((s) => s.slice(-1)) }, state.kind, this.params, 1);
    this.updates = state.step;
    tf.tidy(() => this.averages.forEach((a, i) => a.assign(tf.tensor(state.slots[i][state.slots[i].length - 1], a.shape))));
  }
  dispose(): void {
    this.inner.dispose();
    tf.dispose(this.averages);
  }
}

function checkState(state: OptimizerState, kind: OptimizerKind, params: tf.Variable[], numSlots: number): void {
  if (state.kind !== kind) throw new Error(`optimizer state is for ${state.kind}, this optimizer is ${kind}`);
  if (state.slots.length !== params.length && numSlots > 0) {
    throw new Error(`optimizer state has ${state.slots.length} parameters, expected ${params.length}`);
  }
  state.slots.forEach((s, i) => {
    if (s.length !== numSlots || s.some((a) => a.length !== params[i].size)) {
      throw new Error(`optimizer state for parameter ${i} does not match its shape [${params[i].shape}]`);
    }
  });
}

/**
 * Create an optimizer over `params` (updated in place with `assign`).
 * @example const opt = createOptimizer('sgd', vars, { momentum: 0.9 }); opt.apply(grads, 0.01);
 */
export function createOptimizer(kind: OptimizerKind, params: tf.Variable[], opts: OptimizerOptions = {}): Optimizer {
  const inner = kind === 'sgd' ? new Sgd(params, opts.momentum ?? DEFAULT_MOMENTUM) : new Adam(params, opts.beta1 ?? 0.9, opts.beta2 ?? 0.999, opts.epsilon ?? 1e-8);
  if (opts.averageDecay === undefined) return inner;
  if (!(opts.averageDecay > 0 && opts.averageDecay < 1)) throw new Error(`averageDecay must be between 0 and 1, got ${opts.averageDecay}`);
  return new Averaged(inner, params, opts.averageDecay);
}
