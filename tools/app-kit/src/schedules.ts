import { assertNonNegative } from '@tfjs-compress/vib';

/**
 * KL warm-up: klFac 0 for the first `warmupEpochs` epochs (1-based), then a
 * linear ramp to `target` over `rampEpochs`. Without it the gates collapse
 * in the first epoch, before the task loss has shaped the features.
 */
export function klWarmup(target: number, warmupEpochs: number, rampEpochs: number): (epoch: number) => number {
  assertNonNegative(target, 'klFac');
  assertNonNegative(warmupEpochs, 'warmupEpochs');
  assertNonNegative(rampEpochs, 'rampEpochs');
  return (epoch) => {
    if (epoch <= warmupEpochs) return 0;
    if (rampEpochs <= 0) return target;
    return target * Math.min(1, (epoch - warmupEpochs) / rampEpochs);
  };
}
