// Named distillation setups (`distill --setup NAME`). `paper` is Hinton, Vinyals & Dean 2015, sec. 4
// as published: soft targets at temperature T from the ensemble on the training frames as they are,
// plus the hard labels with weight 0.5, and nothing else (no transfer-frame perturbation, no extra
// unlabeled frames, no second phase started from another model). It is the baseline the recipe's
// own student (noisy transfer frames, then a clean phase) is measured against.
import { InputError } from '../errors.js';
import { DEFAULT_SOFT_TARGETS, type SoftTargetMode } from './targets.js';
import { DEFAULT_DISTILL_LOSS, DEFAULT_HARD_WEIGHT } from './distill-loss.js';

/** Setup names `distill --setup` accepts. */
export const DISTILL_SETUPS = ['paper'] as const;
export type DistillSetupName = (typeof DISTILL_SETUPS)[number];

/** The options a setup decides: given explicitly they must agree with it; left out they take its value. */
export interface SetupOptions {
  hardWeight?: number;
  loss?: 'soft-ce' | 'logit-mse';
  softTargets?: SoftTargetMode;
  transferNoise?: number;
  transferWarp?: number;
  transferMixup?: number;
  transferExtra?: string[];
  initFrom?: string;
}

/** What the paper's setup fixes: the transfer set is the labeled training frames, unchanged. */
const PAPER_FORBIDS: [keyof SetupOptions, string][] = [
  ['transferNoise', '--transfer-noise'],
  ['transferWarp', '--transfer-warp'],
  ['transferMixup', '--transfer-mixup'],
  ['transferExtra', '--transfer-extra'],
  ['initFrom', '--init-from'],
];

/**
 * Resolve a setup against the options given: the setup's defaults fill what was left out (hard
 * weight 0.5 as distill's default, soft-ce, full targets), and options
 * that would change what the setup is (a perturbed or extended transfer set, a start model) are
 * an InputError. Loss, hard weight and soft-target mode stay open: sec. 2.1 varies them on this setup.
 *
 * @example applyDistillSetup('paper', { hardWeight: 0.1 }) // { hardWeight: 0.1, loss: 'soft-ce', softTargets: { kind: 'full' }, transferNoise: 0, ... }
 */
export function applyDistillSetup(name: DistillSetupName, given: SetupOptions): Required<Omit<SetupOptions, 'initFrom'>> & { initFrom?: undefined } {
  for (const [key, flag] of PAPER_FORBIDS) {
    const v = given[key];
    const off = v === undefined || v === 0 || (Array.isArray(v) && v.length === 0);
    if (!off) {
      throw new InputError(`--setup ${name}: ${flag} is not part of the paper's setup (soft targets on the training frames as they are, plus the hard labels); leave it out, or drop --setup`);
    }
  }
  return {
    hardWeight: given.hardWeight ?? DEFAULT_HARD_WEIGHT,
    loss: given.loss ?? DEFAULT_DISTILL_LOSS,
    softTargets: given.softTargets ?? DEFAULT_SOFT_TARGETS,
    transferNoise: 0,
    transferWarp: 0,
    transferMixup: 0,
    transferExtra: [],
  };
}

/**
 * Parse `--setup`.
 * @example parseDistillSetup('paper') // 'paper'
 */
export function parseDistillSetup(spec: string): DistillSetupName {
  if (!(DISTILL_SETUPS as readonly string[]).includes(spec)) throw new InputError(`--setup ${spec}: expected one of ${DISTILL_SETUPS.join(', ')}`);
  return spec as DistillSetupName;
}
