// The "newbob" learning-rate schedule of hybrid DNN-HMM training (ICSI QuickNet; Kaldi
// steps/nnet/train_scheduler.sh): keep the rate while held-out accuracy improves enough, then halve
// it every epoch, and stop when the gain after halving falls below a second threshold.

/** Thresholds are absolute gains in held-out frame accuracy (a fraction: 0.005 = 0.5 points). */
export interface NewbobConfig {
  halveWhenGainBelow: number;
  stopWhenGainBelow: number;
  maxHalvings: number;
  /**
   * Reject an epoch that lowers held-out accuracy: training goes on from the last accepted
   * weights, and the result is the best accepted model (Kaldi nnet1 train_scheduler.sh's
   * "nnet rejected"). Off when absent, so that older checkpoints keep their fingerprint.
   */
  rejectWorse?: boolean;
  /**
   * Do not stop before this many epochs: a stall after halving keeps the rate for that epoch and
   * training goes on (Kaldi nnet1 train_scheduler.sh --min-iters). Absent: no minimum.
   */
  minEpochs?: number;
}

/** Newbob thresholds in held-out accuracy (Kaldi train_scheduler.sh start/end_halving_impr, on accuracy). */
export const DEFAULT_NEWBOB: Readonly<NewbobConfig> = { halveWhenGainBelow: 0.005, stopWhenGainBelow: 0.001, maxHalvings: 6 };

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
 * Update the schedule with the held-out accuracy of the epoch just finished (the `epochsDone`-th,
 * which `minEpochs` needs); returns a new state whose `learningRate` is the one for the next epoch.
 * @example newbobNext(newbobStart(0.1), 0.40, cfg, 1) // first epoch: keep 0.1
 */
export function newbobNext(state: NewbobState, devAcc: number, cfg: NewbobConfig, epochsDone?: number): NewbobState {
  if (state.stopped) return { ...state };
  const rejected = newbobRejects(state, devAcc, cfg);
  // A rejected epoch leaves the accepted accuracy in place (its gain counts as 0, as in Kaldi).
  const s: NewbobState = { ...state, lastAcc: rejected ? state.lastAcc : devAcc };
  if (state.lastAcc === undefined) return s;
  const gain = rejected ? 0 : devAcc - state.lastAcc;
  if (s.halving && gain < cfg.stopWhenGainBelow) {
    // train_scheduler.sh: "we were supposed to finish, but we continue as min_iters" (rate kept).
    if (cfg.minEpochs !== undefined && epochsDone !== undefined && epochsDone < cfg.minEpochs) return s;
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

/**
 * Whether the epoch just finished (held-out accuracy `devAcc`) is rejected: `rejectWorse` is set
 * and the accuracy fell below the last accepted epoch's.
 * @example newbobRejects({ ...newbobStart(0.1), lastAcc: 0.80 }, 0.79, { ...cfg, rejectWorse: true }) // true
 */
export function newbobRejects(state: NewbobState, devAcc: number, cfg: NewbobConfig): boolean {
  return cfg.rejectWorse === true && state.lastAcc !== undefined && devAcc < state.lastAcc;
}
