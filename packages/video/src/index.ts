export { InvalidArgumentError } from '@tfjs-compress/common';
export { FfmpegNotFoundError, FfmpegWorkerError, VideoDecodeError } from './errors.js';
export { findFfmpeg, listEncoders, type FfmpegInfo, type FfmpegSource, type FindFfmpegOptions } from './find-ffmpeg.js';
export { DEFAULT_CONCURRENCY, runFfmpeg, STDERR_TAIL_BYTES, type RunFfmpegOptions, type RunFfmpegResult } from './run-ffmpeg.js';
export { FfmpegWorker, sharedFfmpegWorker, type FfmpegWorkerOptions } from './ffmpeg-worker.js';
export {
  DECODE_THREADS,
  DEFAULT_DECODE_TIMEOUT_MS,
  DEFAULT_SCALE_FLAGS,
  SCALE_FLAGS,
  decodeClip,
  ffmpegDecoder,
  validateDecodeSpec,
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
export {
  BATCH_LAYOUTS,
  DEFAULT_BATCH_LAYOUT,
  DEFAULT_LABEL_ENCODING,
  LABEL_ENCODINGS,
  toBatchTensors,
  type BatchLayout,
  type BatchTensorOptions,
  type LabelEncoding,
} from './batch-tensors.js';
export {
  DATASET_LAYOUTS,
  DEFAULT_VIDEO_EXTENSIONS,
  foldersWithoutClipsNote,
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
export { MISSING_CLIPS, readHmdb51, type MissingClips, type ReadHmdb51Options } from './hmdb51-reader.js';
export {
  DEFAULT_SPLIT_SEED,
  DEFAULT_TEST_FRACTION,
  GROUP_KEYS,
  groupSplit,
  randomSplit,
  type ClipSplit,
  type GroupKey,
  type GroupSplitOptions,
  type RandomSplitOptions,
} from './splits.js';
export { FrameCache, cachedDecoder, type FrameCacheStats } from './frame-cache.js';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FRAMES_PER_CLIP,
  DEFAULT_HEIGHT,
  DEFAULT_PREFETCH_BATCHES,
  DEFAULT_SEED,
  DEFAULT_WIDTH,
  EpochIterator,
  VideoBatchStream,
  videoBatches,
  type BadClip,
  type EpochSummary,
  type VideoBatch,
  type VideoBatchStreamOptions,
} from './video-batch-stream.js';
export {
  DEFAULT_CODECS,
  DEFAULT_QUALITY,
  MPEG_FRAME_RATES,
  VIDEO_CODECS,
  VIDEO_FORMATS,
  assertEncoderAvailable,
  encodeVideo,
  type EncodeVideoOptions,
  type VideoCodec,
  type VideoFormat,
} from './encode-video.js';
export {
  DEFAULT_SYNTHETIC_DIFFICULTY,
  SYNTHETIC_DIFFICULTIES,
  SYNTHETIC_MOTIONS,
  renderSyntheticClip,
  syntheticTrajectory,
  type SyntheticClipSpec,
  type SyntheticDifficulty,
  type SyntheticMotion,
} from './synthetic-clip.js';
export {
  DEFAULT_SYNTHETIC_CLIPS_PER_GROUP,
  DEFAULT_SYNTHETIC_FORMAT,
  DEFAULT_SYNTHETIC_FPS,
  DEFAULT_SYNTHETIC_FRAMES,
  DEFAULT_SYNTHETIC_GROUPS,
  generateSyntheticDataset,
  type SyntheticClipFile,
  type SyntheticDataset,
  type SyntheticDatasetOptions,
} from './synthetic-dataset.js';
