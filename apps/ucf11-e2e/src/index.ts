export { buildE2eModel, buildPlainModel, toVibModel, HEAD_BN_MOMENTUM, type E2eModelOptions } from './e2e-model.js';
export { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from './options.js';
export { SPLITS, ensureSyntheticSet, loadSplit, videoSource, type DatasetSplit, type SplitKind } from './dataset.js';
export { train, modelOptions, type TrainOutcome } from './train.js';
export { compress, formatResults, keepInputs, type CompressOptions, type CompressResults, type ModelFigures } from './compress.js';
export { evaluateRun, type EvalResults } from './evaluate-run.js';
export { INFER_MODELS, infer, type InferModel, type InferOptions, type InferResult, type Prediction } from './infer.js';
export {
  CompactClipPredictor,
  DEFAULT_PREDICTOR_ENGINE,
  PREDICTOR_ENGINES,
  type ClipPrediction,
  type CompactClipPredictorOptions,
  type PredictorEngine,
  type StageTimes,
} from './compact-predictor.js';
export { CompactForward } from '@tfjs-compress/prune';
export { report } from './report.js';
export { DEMO_DEFAULTS, runDemo, type DemoOptions, type DemoOutcome } from './demo.js';
export { program, toTrainOptions } from './cli.js';
export { runPaths, readRun, type RunRecord } from './run-files.js';
export { sweepE2e } from './sweep.js';
