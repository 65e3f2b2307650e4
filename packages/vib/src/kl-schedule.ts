import { assertNonNegative } from './validation.js';

/**
 * Default share of the VIB epochs trained with klFac = 0 before the KL term
 * starts. From scratch, the gates otherwise collapse in the first epoch: the
 * task gradient is still weak and the KL term (about 9 per unit at init) wins.
 */
export const DEFAULT_WARMUP_FRACTION = 0.25;
/** Default share of the VIB epochs over which klFac rises linearly from 0 to its target. */
export const DEFAULT_RAMP_FRACTION = 0.25;

export interface KlScheduleArgs {
  /** klFac reached after the ramp, >= 0. */
  klFac: number;
  /** Epochs (fractions allowed) trained with klFac = 0, >= 0. */
  warmupEpochs: number;
  /** Epochs (fractions allowed) of the linear ramp from 0 to `klFac`, >= 0. */
  rampEpochs: number;
}

/**
 * Warm-up then linear ramp: `klFacAt(progress)` with `progress` in epochs
 * (fractions allowed, 0 at the start of training). 0 through the warm-up,
 * `klFac` once the ramp is over.
 */
export function klSchedule(args: KlScheduleArgs): (progress: number) => number {
  const { klFac, warmupEpochs, rampEpochs } = args;
  assertNonNegative(klFac, 'klFac');
  assertNonNegative(warmupEpochs, 'warmupEpochs');
  assertNonNegative(rampEpochs, 'rampEpochs');
  return (progress) => {
    if (progress < warmupEpochs) return 0;
    if (rampEpochs === 0) return klFac;
    return klFac * Math.min(1, (progress - warmupEpochs) / rampEpochs);
  };
}
