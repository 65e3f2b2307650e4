export { TRAIN_DEFAULTS } from './defaults.js';
export { VIBOptimizer, isGateVariableName, vibOptimizer, type VIBOptimizerArgs } from './vib-optimizer.js';
export { VIBCallback, vibCallback, type VIBCallbackOptions, type VIBCallbackState } from './vib-callback.js';
export {
  InPlaceShrinker,
  dueRemovals,
  expandLayersInPlace,
  shrinkLayersInPlace,
  sliceSnapshot,
  type InPlaceShrinkSettings,
  type ShrinkOutcome,
} from './in-place-shrinker.js';
export { sliceOptimizerMoments, type VariableSlice } from './optimizer-slicing.js';
export type { RemovalPlans, ShrinkStreaks } from './removal-plans.js';
export {
  type SavedSchedule,
  type ScheduleHooks,
  type ScheduleStage,
  type SelectedState,
  type VIBScheduleOptions,
  type VIBScheduleState,
} from './schedule-options.js';
export { VIBSchedule } from './vib-schedule.js';
export type { VIBCandidate } from './held-states.js';
export type { ControlSignal, KlPolicy, PolicyAction, PolicyKind, PolicyStart } from './kl-policy.js';
export { FixedRampPolicy, type FixedRampArgs } from './fixed-ramp-policy.js';
export { TargetCompressionPolicy, type TargetCompressionArgs } from './target-compression-policy.js';
export { AccuracyBudgetPolicy, type AccuracyBudgetArgs } from './accuracy-budget-policy.js';
export {
  AccuracyBudgetLadder,
  type AccuracyBudget,
  type AccuracyBudgetLadderArgs,
  type AccuracyBudgetLadderState,
  type LadderPhase,
  type LadderVerdict,
} from './accuracy-budget-ladder.js';
export {
  TargetCompressionController,
  type TargetControllerArgs,
  type TargetControllerState,
} from './target-compression-controller.js';
export { type KlStepArgs, type StateNumber } from './controller-shared.js';
export { chanceAccuracy, evaluateAccuracy, setInferenceMode, type FitPhase, type FitRecord, type LabelledData, type Predictor } from '@tfjs-compress/vib';
export { disposeSnapshot, restoreSnapshot, takeSnapshot, type WeightSnapshot } from './weight-snapshot.js';
export { fitVIB, type FitVIBOptions, type FitVIBResult } from './fit-vib.js';
export { shuffledBatches, type ShuffledBatches } from './shuffled-batches.js';
export { TrainingDivergedError, assertFiniteLoss, assertFiniteWeights, type DivergedAt } from './training-diverged.js';
