import { join, resolve } from 'node:path';
import { runSweep, type SweepRunOptions } from '@tfjs-compress/app-kit';
import { compress } from './compress.js';
import type { TrainOptions } from './options.js';
import { train } from './train.js';

/**
 * `sweep`: one training run per klFac (app-kit's `runSweep`), all reading
 * one frame cache (<out>/frame-cache unless --cache-dir), so each clip is
 * decoded once for the whole sweep.
 */
export function sweepE2e(options: TrainOptions, klFacs: readonly number[], log: (line: string) => void = console.log, sharding: Pick<SweepRunOptions, 'shard' | 'merge'> = {}) {
  const cacheDir = options.cacheDir ?? join(resolve(options.out), 'frame-cache');
  return runSweep({
    out: options.out,
    values: klFacs,
    title: `UCF11 end-to-end: accuracy against LSTM compression (VIB-LSTM(${options.units}), ${options.frames} frames of ${options.width}x${options.height})`,
    trainAndCompress: async (klFac, runDir) => {
      // A sweep over klFac means the fixed ramp: the other policies set klFac themselves.
      const outcome = await train({ ...options, out: runDir, klFac, policy: 'fixed', cacheDir }, log);
      outcome.model.dispose();
      return compress({ out: runDir, backend: options.backend }, log);
    },
    log,
    ...sharding,
  });
}
