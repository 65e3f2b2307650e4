export { PREVIOUS_SUFFIX, existingDir, replaceDirAtomic, toJson, writeFileAtomic, writeJsonAtomic } from './atomic-files.js';
export { OPTIMIZER_FILE, STATE_FILE, hasCheckpoint, loadCheckpoint, restoreOptimizer, saveCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
export { KILL_AT_VARIABLE, KILL_POINTS, killPoint, type KillPoint } from './kill-points.js';
export { choiceOption, fractionOption, integerOption, nonNegativeOption, positiveOption } from './cli-options.js';
export { setDropoutSeeds } from './dropout-seeds.js';
export { evaluate, labelsOf, measureLatency, type Batch, type BatchSource, type Evaluation, type Latency } from './evaluate.js';
export { chartJsSource, pixelKeepCounts, renderReport, writeReport, type PixelMaskImage, type ReportData } from './html-report.js';
export { MetricsLog, readMetrics } from './metrics-log.js';
export { epochProgress, type EpochProgress } from './progress.js';
export { accuracyBudget, fixedRamp, targetCompression } from './schedules.js';
export { carveValidation, majorityShare } from './validation-split.js';
export {
  DEFAULT_SHRINK_MODE,
  DEFAULT_SHRINK_PATIENCE,
  SHRINK_MODES,
  initialShrinkState,
  midEpochCheckAfter,
  resolveShrinkSettings,
  shrinkCheck,
  type ShrinkCheck,
  type ShrinkMode,
  type ShrinkSettings,
  type ShrinkState,
  type ShrinkStreaks,
} from './shrink-check.js';
export {
  CHECKPOINT_DIR,
  METRICS_FILE,
  PHASES,
  formatEpoch,
  runTraining,
  type EpochRecord,
  type Phase,
  type RunSchedule,
  type SessionState,
  type TrainingResult,
  type TrainingSessionOptions,
} from './training-session.js';
export { findRecurrentLayer, freezeMasks, histogram, inputMask, keptCounts, logAlphas, resetGateNoise } from './vib-model.js';
export {
  DEFAULT_CONTROLS_PER_EPOCH,
  DEFAULT_MAX_ACCURACY_DROP,
  DEFAULT_TARGET_COMPRESSION,
  DEFAULT_VALIDATION_FRACTION,
  POLICY_NAMES,
  SHARED_TRAIN_DEFAULTS,
  addCommonTrainFlags,
  backendFlag,
  exitOnError,
  outFlag,
  quantizeFlag,
  toCommonTrainOptions,
  type CommonTrainOptions,
  type PolicyName,
  type RawTrainFlags,
  type TrainFlagChoices,
} from './train-cli.js';
export { readFinishedRun, readJson, readRun, resumedTrainOptions, runModelDir, runPaths, unfinishedRun, writeRun, type RunPaths, type RunRecord } from './run-files.js';
export {
  compressRun,
  firstExample,
  formatResults,
  keepInputs,
  resultsTable,
  type ClosableSource,
  type CompressResults,
  type CompressRunOptions,
  type ModelFigures,
} from './compress-run.js';
export { evaluateRunModels, type EvalResults } from './evaluate-run.js';
export { MAX_RECORDED_VALUES, TEST_PREDICTIONS_FILE, recordTestPredictions, type TestPredictions } from './test-predictions.js';
export { runReportData } from './run-report.js';
export {
  DEFAULT_WORKER_IMPORTS,
  parallelSettings,
  policyOf,
  referenceAccuracies,
  runSchedule,
  shrinkSettings,
  trainRun,
  type RunSplit,
  type TrainRunOptions,
  type TrainRunOutcome,
} from './train-run.js';
export { BEFORE_GROUP_LASSO_DIR, GROUP_LASSO_DIR, groupLassoStage, type GroupLassoStageOptions, type GroupLassoOutcome } from './group-lasso-stage.js';
export { sweepHtml, sweepSvg, writeSweep, type ChartOptions } from './sweep-chart.js';
export { DEFAULT_SWEEP_KL_FACS, SWEEP_PARAMETER, formatSweep, numberListOption, runSweep, sweepCommand, sweepRunDir, sweepRunDone, type SweepRunOptions } from './sweep-run.js';
export { topPredictions, type Prediction } from './predictions.js';
export { LOCK_FILE, acquireRunLock, type RunLock } from './run-lock.js';
export { shardOf, takeShard, type Shard } from './shards.js';
export { WASM_HEAP_BUDGET, WASM_HEAP_BYTES, assertStepFitsWasm, estimateStepBytes, isWasmOutOfMemory, trainingStep, type StepShape } from './wasm-memory.js';
export { isWriteError, writeFailure } from './write-failure.js';
