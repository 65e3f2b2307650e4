export { InvalidArgumentError } from '@tfjs-compress/common';
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
export { MISSING_FEATURES, missingFeaturesOf, splitOnCache, type MissingFeatures } from './cached-split.js';
export { DEFAULT_TRAIN_SAMPLINGS, FRAME_COUNTS_FILE, ClipFeatures, type CacheCounts, type ClipFeaturesOptions } from './clip-features.js';
export { CNN_LSTM_BN_MOMENTUM, buildCnnLstmModel, buildPlainCnnLstmModel, toVibCnnLstm, type CnnLstmModelOptions } from './cnn-lstm-model.js';
export { extractorFromOptions, normalizationOf } from './extractor-from-options.js';
export { DEFAULT_TRAIN_OPTIONS, NORMALIZATIONS, RANDOM_EXTRACTOR, SPLITS, type CnnLstmTrainOptions, type NormalizationChoice, type SplitKind } from './options.js';
export { cacheDirOf, effectiveOptions, readCnnLstmRun, type CnnLstmRun } from './run-files.js';
export { clipFeaturesOf, modelOptionsOf, splitOf, train, type CnnLstmTrainOutcome } from './train.js';
export { compress, evaluateRun, report, type RunCommandOptions } from './run-commands.js';
export { INFER_MODELS, infer, type InferModel, type InferOptions, type InferResult, type Prediction } from './infer.js';
export { BENCH_EDGE_DEFAULTS, JS_TIMED_RUNS, JS_WARMUP_RUNS, benchEdge, formatEdgeBench, timeIt, type BenchEdgeOptions, type EdgeBench, type Timing } from './bench-edge.js';
export { compactLstmRunner, type CompactEngine, type CompactLstmRunner, type CompactLstmRunnerOptions } from './compact-lstm-runner.js';
export { sweepCnnLstm } from './sweep.js';
export { COMPLETE_MARKER, generateSet } from './synthetic-set.js';
export { DEMO_DEFAULTS, runDemo, type DemoOutcome } from './demo.js';
export { program, toTrainOptions } from './cli.js';
