import { assertNonNegative } from '@tfjs-compress/common';

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
