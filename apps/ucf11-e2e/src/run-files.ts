import {
  readJson,
  readRun as readAnyRun,
  runPaths,
  writeRun as writeAnyRun,
  type RunRecord as AnyRunRecord,
} from '@tfjs-compress/app-kit';
import type { VideoClip } from '@tfjs-compress/video';
import type { TrainOptions } from './options.js';

export { readJson, runPaths };

/** What `train` records for the later commands (app-kit's RunRecord with this app's options). */
export type RunRecord = AnyRunRecord<TrainOptions, VideoClip>;

export const writeRun = (out: string, record: RunRecord): Promise<void> => writeAnyRun(out, record);
export const readRun = (out: string): RunRecord => readAnyRun<TrainOptions, VideoClip>(out);
