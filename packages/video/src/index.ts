// The public surface: what the README documents and the apps use. Option
// lists and most defaults stay internal; the README's tables give the values.
export { InvalidArgumentError } from '@tfjs-compress/common';
export { FfmpegNotFoundError, FfmpegWorkerError, VideoDecodeError } from './errors.js';
export { findFfmpeg, type FfmpegInfo, type FfmpegSource, type FindFfmpegOptions } from './find-ffmpeg.js';
export { runFfmpeg, type RunFfmpegOptions, type RunFfmpegResult } from './run-ffmpeg.js';
// decodeClip's `worker` option takes one.
export { FfmpegWorker, type FfmpegWorkerOptions } from './ffmpeg-worker.js';
export {
  DEFAULT_SCALE_FLAGS,
  SCALE_FLAGS,
  decodeClip,
  ffmpegDecoder,
  type ClipDecoder,
  type DecodeClipOptions,
  type DecodeSpec,
  type DecodedClip,
  type DecodeThread,
  type ScaleFlags,
} from './decode-clip.js';
export { deriveSeed, mulberry32, shuffled, type Rng } from '@tfjs-compress/common';
// Frame sampling, normalisation and FeatureGather: the browser-safe part, also its own entry.
export * from './frames.js';
export { toBatchTensors, type BatchLayout, type BatchTensorOptions, type LabelEncoding } from './batch-tensors.js';
export {
  formatDatasetSummary,
  printDatasetSummary,
  summarizeDataset,
  type ClassSummary,
  type DatasetIndex,
  type DatasetLayout,
  type DatasetSummary,
  type VideoClip,
} from './dataset-index.js';
export { UCF11_CLASSES } from './ucf11-classes.js';
export { readUcf11, type ReadUcf11Options } from './ucf11-reader.js';
export { readClassFolders, type ReadClassFoldersOptions } from './folder-reader.js';
export { readUcf101, type ReadUcf101Options, type SplitDataset } from './ucf101-reader.js';
export { READ_LAYOUTS, readDataset, readOfficialSplit, type ReadDatasetOptions, type ReadLayout } from './read-dataset.js';
export { SPLIT_KINDS, splitDataset, type DatasetSplitOptions, type SplitKind, type TrainTestSplit } from './dataset-split.js';
export { readHmdb51, type MissingClips, type ReadHmdb51Options } from './hmdb51-reader.js';
export { groupSplit, randomSplit, type ClipSplit, type GroupKey, type GroupSplitOptions, type RandomSplitOptions } from './splits.js';
export { FrameCache, cachedDecoder, type FrameCacheStats } from './frame-cache.js';
export { VideoBatchStream, videoBatches } from './video-batch-stream.js';
export type { VideoBatchStreamOptions } from './stream-options.js';
// A type only: epoch() makes them.
export type { EpochIterator, VideoBatch } from './epoch-iterator.js';
export type { EpochSummary } from './epoch-summary.js';
export type { BadClip } from './clip-reports.js';
export { encodeVideo, type EncodeVideoOptions, type VideoCodec, type VideoFormat } from './encode-video.js';
export {
  SYNTHETIC_DIFFICULTIES,
  SYNTHETIC_MOTIONS,
  renderSyntheticClip,
  syntheticTrajectory,
  type SyntheticClipSpec,
  type SyntheticDifficulty,
  type SyntheticMotion,
} from './synthetic-clip.js';
export {
  generateSyntheticDataset,
  type SyntheticClipFile,
  type SyntheticDataset,
  type SyntheticDatasetOptions,
} from './synthetic-dataset.js';
