import { join, resolve } from 'node:path';
import { runSweep, type SweepRunOptions } from '@tfjs-compress/app-kit';
import { missingFeaturesOf } from './cached-split.js';
import type { CnnLstmTrainOptions } from './options.js';
import { compress } from './run-commands.js';
import { train } from './train.js';

/**
 * `sweep`: one training run per klFac (app-kit's `runSweep`), all reading
 * one feature cache (<out>/feature-cache unless --cache-dir), so the CNN
 * runs once for the whole sweep.
 */
export function sweepCnnLstm(options: CnnLstmTrainOptions, klFacs: readonly number[], log: (line: string) => void = console.log, sharding: Pick<SweepRunOptions, 'shard' | 'merge'> = {}) {
  const cacheDir = options.cacheDir ?? join(resolve(options.out), 'feature-cache');
  const spec: SweepRunOptions = {
    out: options.out,
    values: klFacs,
    title: `UCF11 CNN-LSTM: accuracy against LSTM compression (VIB-LSTM(${options.units}), ${options.frames} frames)`,
    trainAndCompress: async (klFac, runDir) => {
      // A sweep over klFac means the fixed ramp: the other policies set klFac themselves.
      const outcome = await train({ ...options, out: runDir, klFac, policy: 'fixed', cacheDir, missingFeatures: missingFeaturesOf(options) }, log);
      outcome.model.dispose();
      return compress({ out: runDir, backend: options.backend }, log);
    },
    log,
    ...sharding,
  };
  return runSweep(spec);
}
