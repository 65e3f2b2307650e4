export { PREVIOUS_SUFFIX, existingDir, replaceDirAtomic, toJson, writeFileAtomic, writeJsonAtomic } from './atomic-files.js';
export { OPTIMIZER_FILE, STATE_FILE, hasCheckpoint, loadCheckpoint, restoreOptimizer, saveCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
export { choiceOption, integerOption, nonNegativeOption, positiveOption } from './cli-options.js';
export { setDropoutSeeds } from './dropout-seeds.js';
export { evaluate, labelsOf, measureLatency, type Batch, type BatchSource, type Evaluation, type Latency } from './evaluate.js';
export { chartJsSource, pixelKeepCounts, renderReport, writeReport, type PixelMaskImage, type ReportData } from './html-report.js';
export { MetricsLog, readMetrics } from './metrics-log.js';
export { epochProgress, type EpochProgress } from './progress.js';
export { klWarmup } from './schedules.js';
export {
  CHECKPOINT_DIR,
  METRICS_FILE,
  PHASES,
  formatEpoch,
  runTraining,
  type EpochRecord,
  type Phase,
  type SessionState,
  type TrainingResult,
  type TrainingSessionOptions,
} from './training-session.js';
export { findRecurrentLayer, freezeMasks, histogram, inputMask, keptCounts, logAlphas, resetGateNoise } from './vib-model.js';
