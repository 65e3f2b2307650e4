import { AccuracyBudgetPolicy, FixedRampPolicy, TargetCompressionPolicy } from '@tfjs-compress/train';
import { assertNonNegative } from '@tfjs-compress/common';
import type { BatchSource } from './evaluate.js';
import type { RunSchedule } from './training-session.js';

/**
 * The fixed schedule: klFac 0 with frozen gates for `warmupEpochs`, then a
 * linear ramp to `klFac` over `rampEpochs`, then constant. Nothing watches
 * the accuracy. Without the warm-up the gates collapse in the first epoch,
 * before the task loss has shaped the features.
 */
export function fixedRamp(klFac: number, warmupEpochs: number, rampEpochs: number): RunSchedule {
  assertNonNegative(klFac, 'klFac');
  assertNonNegative(warmupEpochs, 'warmupEpochs');
  assertNonNegative(rampEpochs, 'rampEpochs');
  return { policy: () => new FixedRampPolicy({ klFac, rampEpochs }), warmupEpochs };
}

/**
 * Compress as far as `validation` accuracy allows: at most `maxAccuracyDrop`
 * (a fraction) below the uncompressed model, judged after a recovery of one
 * epoch per rung (`AccuracyBudgetPolicy`).
 */
export function accuracyBudget(
  maxAccuracyDrop: number,
  warmupEpochs: number,
  validation: BatchSource,
  extra: Pick<RunSchedule, 'chanceAccuracy' | 'controlsPerEpoch'> = {},
): RunSchedule {
  return { policy: () => new AccuracyBudgetPolicy({ maxAccuracyDrop }), warmupEpochs, validation, ...extra };
}

/** Steer klFac to `targetCompression` of the gated recurrent layers (`TargetCompressionPolicy`). */
export function targetCompression(target: number, warmupEpochs: number, extra: Pick<RunSchedule, 'validation' | 'controlsPerEpoch'> = {}): RunSchedule {
  return { policy: () => new TargetCompressionPolicy({ targetCompression: target }), warmupEpochs, ...extra };
}
