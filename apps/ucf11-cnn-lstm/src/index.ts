export { InvalidArgumentError } from '@tfjs-compress/vib';
export {
  SYMMETRIC_NORMALIZATION,
  assertFrameBatch,
  normalizationId,
  type FrameFeatureExtractor,
  type Normalization,
} from './frame-feature-extractor.js';
export {
  MODEL_JSON_FILE,
  MODEL_KINDS,
  expectedWeightBytes,
  fileModelHandler,
  modelKindOf,
  parseModelJson,
  resolveModelJsonPath,
  type ModelKind,
} from './file-model-handler.js';
export { MAX_LISTED_NAMES, loadFeatureExtractor, type LoadFeatureExtractorOptions } from './load-feature-extractor.js';
export {
  DEFAULT_RANDOM_CHANNELS,
  DEFAULT_RANDOM_FEATURE_SIZE,
  DEFAULT_RANDOM_INPUT_HEIGHT,
  DEFAULT_RANDOM_INPUT_WIDTH,
  DEFAULT_RANDOM_SEED,
  RandomConvFeatures,
  type RandomConvFeaturesOptions,
} from './random-conv-features.js';
export { DEFAULT_FEATURISE_BATCH_SIZE, featuriseClip, type FeaturiseClipOptions } from './featurise-clip.js';
export {
  FEATURE_FILE_EXTENSION,
  FEATURE_FILE_MAGIC,
  FEATURE_FILE_VERSION,
  FeatureCache,
  cacheBytesPerClip,
  clipIdentity,
  featureFileBytes,
  temporaryPath,
  type CachedFeatures,
  type ClipIdentity,
  type FeatureCacheStats,
  type FeatureKey,
  type SamplingSpec,
} from './feature-cache.js';
