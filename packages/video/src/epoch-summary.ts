import type { BadClip } from './clip-reports.js';

export interface EpochSummary {
  epoch: number;
  /** Clips in the list. */
  clips: number;
  /** Clips that made it into a batch. */
  used: number;
  /** Clips skipped as unreadable this epoch. */
  bad: number;
  badClips: BadClip[];
  /** Clips left out because the last batch was incomplete (dropRemainder). */
  dropped: number;
  batches: number;
  /** Clips read from the frame cache. */
  cacheHits: number;
  /** Clips that went through the decoder (ffmpeg unless replaced). */
  decoded: number;
  /** Sum of decoder (or cache read) wall time over clips, in ms; clips overlap, so this can exceed the epoch time. */
  loadMs: number;
  /** Time next() spent waiting for data, in ms: near 0 means decoding kept up with training. */
  waitMs: number;
  /** False when the consumer stopped early. */
  complete: boolean;
}

/** The counters of an epoch that has not started. */
export function emptyEpochSummary(epoch: number, clips: number): EpochSummary {
  return {
    epoch, clips, used: 0, bad: 0, badClips: [], dropped: 0, batches: 0,
    cacheHits: 0, decoded: 0, loadMs: 0, waitMs: 0, complete: false,
  };
}
