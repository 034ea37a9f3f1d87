// The "newbob" learning-rate schedule of hybrid DNN-HMM training (ICSI QuickNet; Kaldi
// steps/nnet/train_scheduler.sh): keep the rate while held-out accuracy improves enough, then halve
// it every epoch, and stop when the gain after halving falls below a second threshold.

/** Thresholds are absolute gains in held-out frame accuracy (a fraction: 0.005 = 0.5 points). */
export interface NewbobConfig {
  halveWhenGainBelow: number;
  stopWhenGainBelow: number;
  maxHalvings: number;
}

/** Schedule state after some epochs (JSON-serialisable; stored in checkpoints). */
export interface NewbobState {
  learningRate: number;
  /** True once the rate is being halved every epoch. */
  halving: boolean;
  halvings: number;
  /** Held-out accuracy of the previous epoch (undefined before the first). */
  lastAcc?: number;
  stopped: boolean;
  /** Why training stopped, for the log. */
  reason?: string;
}

/** The state before the first epoch. */
export function newbobStart(learningRate: number): NewbobState {
  return { learningRate, halving: false, halvings: 0, stopped: false };
}

/**
 * Update the schedule with the held-out accuracy of the epoch just finished; returns a new state
 * whose `learningRate` is the one for the next epoch.
 * @example newbobNext(newbobStart(0.1), 0.40, cfg) // first epoch: keep 0.1
 */
export function newbobNext(state: NewbobState, devAcc: number, cfg: NewbobConfig): NewbobState {
  const s: NewbobState = { ...state, lastAcc: devAcc };
  if (state.stopped) return { ...state };
  if (state.lastAcc === undefined) return s;
  const gain = devAcc - state.lastAcc;
  if (s.halving && gain < cfg.stopWhenGainBelow) {
    return { ...s, stopped: true, reason: `held-out accuracy gain ${gain.toFixed(4)} < ${cfg.stopWhenGainBelow} after halving` };
  }
  if (!s.halving && gain < cfg.halveWhenGainBelow) s.halving = true;
  if (s.halving) {
    if (s.halvings >= cfg.maxHalvings) return { ...s, stopped: true, reason: `reached ${cfg.maxHalvings} halvings of the learning rate` };
    s.halvings++;
    s.learningRate = state.learningRate / 2;
  }
  return s;
}
