import { klSchedule } from '@tfjs-compress/vib';

/**
 * KL warm-up: klFac 0 for the first `warmupEpochs` epochs (1-based), then a
 * linear ramp to `target` over `rampEpochs`. Without it the gates collapse
 * in the first epoch, before the task loss has shaped the features.
 */
export function klWarmup(target: number, warmupEpochs: number, rampEpochs: number): (epoch: number) => number {
  const schedule = klSchedule({ klFac: target, warmupEpochs, rampEpochs });
  // Epochs are 1-based here: epochs 1..warmupEpochs train without KL, and epoch e ends at progress e.
  return (epoch) => (epoch <= warmupEpochs ? 0 : schedule(epoch));
}
