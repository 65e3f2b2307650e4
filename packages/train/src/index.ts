export { DEFAULT_IB_LR, VIBOptimizer, isGateVariableName, vibOptimizer, type VIBOptimizerArgs } from './vib-optimizer.js';
export { VIBCallback, klPolicyFrom, vibCallback, type VIBCallbackOptions, type VIBCallbackState } from './vib-callback.js';
export {
  DEFAULT_SHRINK_PATIENCE,
  InPlaceShrinker,
  dueRemovals,
  expandLayersInPlace,
  planInPlace,
  shrinkLayersInPlace,
  sliceSnapshot,
  type InPlaceShrinkSettings,
  type ShrinkOutcome,
} from './in-place-shrinker.js';
export { sliceOptimizerMoments, type VariableSlice } from './optimizer-slicing.js';
export { eligibleRemovals, intersectPlans, nextStreaks, plansOfCopies, type RemovalPlans, type ShrinkStreaks } from './removal-plans.js';
export {
  DEFAULT_CONTROLS_PER_EPOCH,
  DEFAULT_FINE_TUNE_FINAL_LR_SCALE,
  DEFAULT_RECOVERY_FINAL_LR_SCALE,
  DEFAULT_FINE_TUNE_FRACTION,
  DEFAULT_MAX_CANDIDATES,
  DEFAULT_TRAINED_FRACTION,
  DEFAULT_WARMUP_FRACTION,
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
export { DEFAULT_FIXED_KL_FAC, FixedRampPolicy, type FixedRampArgs } from './fixed-ramp-policy.js';
export { TargetCompressionPolicy, type TargetCompressionArgs } from './target-compression-policy.js';
export { AccuracyBudgetPolicy, DEFAULT_MAX_ACCURACY_DROP, type AccuracyBudgetArgs } from './accuracy-budget-policy.js';
export {
  AccuracyBudgetLadder,
  DEFAULT_BUDGET_RUNG,
  DEFAULT_MAX_REJECTIONS,
  DEFAULT_RECOVERY_STEPS,
  EXTENSION_MARGIN,
  MIN_BUDGET_RUNG,
  type AccuracyBudget,
  type AccuracyBudgetLadderArgs,
  type AccuracyBudgetLadderState,
  type LadderPhase,
  type LadderVerdict,
} from './accuracy-budget-ladder.js';
export {
  DEFAULT_CONTROLLER_DAMPING,
  DEFAULT_CONTROLLER_GAIN,
  DEFAULT_TARGET_TOLERANCE,
  TargetCompressionController,
  type TargetControllerArgs,
  type TargetControllerState,
} from './target-compression-controller.js';
export { CONTROLLER_KL_FAC_RANGE, DEFAULT_CONTROLLER_GROWTH, DEFAULT_CONTROLLER_START_KL_FAC, type KlStepArgs, type StateNumber } from './controller-shared.js';
export { chanceAccuracy, evaluateAccuracy, setInferenceMode, type FitPhase, type FitRecord, type LabelledData, type Predictor } from '@tfjs-compress/vib';
export { disposeSnapshot, restoreSnapshot, snapshotFromTensors, snapshotTensors, takeSnapshot, type WeightSnapshot } from './weight-snapshot.js';
export { DEFAULT_FIT_BATCH_SIZE, DEFAULT_FIT_EPOCHS, fitVIB, type FitVIBOptions, type FitVIBResult } from './fit-vib.js';
export { shuffledBatches, type ShuffledBatches } from './shuffled-batches.js';
export { TrainingDivergedError, assertFiniteLoss, assertFiniteWeights, type DivergedAt } from './training-diverged.js';
