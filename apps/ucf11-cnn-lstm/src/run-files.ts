import { join } from 'node:path';
import { readRun, resumedTrainOptions, runPaths, type RunRecord } from '@tfjs-compress/app-kit';
import type { VideoClip } from '@tfjs-compress/video';
import type { CnnLstmTrainOptions } from './options.js';

/** A run of this app: app-kit's RunRecord with this app's options. */
export type CnnLstmRun = RunRecord<CnnLstmTrainOptions, VideoClip>;

export const readCnnLstmRun = (out: string): CnnLstmRun => readRun<CnnLstmTrainOptions, VideoClip>(out);

/** The run's options as they will be used: those it was started with when resuming an existing run. */
export const effectiveOptions = (options: CnnLstmTrainOptions): CnnLstmTrainOptions => resumedTrainOptions(options);

/** The feature cache of a run. */
export function cacheDirOf(options: Pick<CnnLstmTrainOptions, 'out' | 'cacheDir'>): string {
  return options.cacheDir ?? join(runPaths(options.out).dir, 'feature-cache');
}
