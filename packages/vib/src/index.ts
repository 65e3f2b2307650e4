export { VIB_EPSILON, logAlphaOf, maskOf, vibKl } from './kl.js';
export { NoiseStream } from './noise-stream.js';
export {
  resolveConstraint,
  resolveInitializer,
  resolveRegularizer,
  serializeObject,
  type ConstraintSpec,
  type InitializerSpec,
  type RegularizerSpec,
  type SerializedObject,
} from './serialization.js';
export {
  DEFAULT_INFERENCE_MODE,
  DEFAULT_INIT_STDDEV,
  DEFAULT_KL_FAC,
  DEFAULT_KL_MULT,
  DEFAULT_LOG_D_MEAN,
  DEFAULT_MU_MEAN,
  DEFAULT_THRESHOLD,
  INFERENCE_MODES,
  LOG_D_WEIGHT_SUFFIX,
  MU_WEIGHT_SUFFIX,
  VIBGate,
  defaultLogDInitializer,
  defaultMuInitializer,
  type AddWeightFn,
  type InferenceMode,
  type VIBGateSettings,
} from './vib-gate.js';
export {
  DEFAULT_AXIS,
  VIBLayer,
  gateConfig,
  offsetSeed,
  resolveGateSettings,
  type VIBGateArgs,
  type VIBLayerArgs,
} from './vib-layer.js';
export {
  gatedLayers,
  hasVIBGates,
  isGateWeight,
  noisePositions,
  seekNoise,
  setFrozenMask,
  setKlFac,
  silenceGates,
  splitTrainableWeights,
  totalKl,
  type HasVIBGates,
  type SilencePlan,
} from './gated-layers.js';
export { resizeVariable, sliceVariable, sliceWeight, type AxisIndices } from './weight-slicing.js';
export { selectColumns, spreadColumns, spreadMap, spreadWeight } from './column-selection.js';
export { DEFAULT_ADAM_EPSILON, DEFAULT_BETA1, DEFAULT_BETA2, LeanAdam } from './lean-adam.js';
export {
  DEFAULT_IB_LR,
  DEFAULT_LR,
  DEFAULT_WEIGHT_DECAY,
  VIBTrainer,
  categoricalCrossentropy,
  type OptimizerFactory,
  type TrainableModel,
  type VIBTrainerArgs,
} from './vib-trainer.js';
export {
  applyVibUpdate,
  vibLossAndGrads,
  type LayerLossSource,
  type VibLossAndGrads,
  type VibLossAndGradsOptions,
  type VibUpdate,
} from './vib-step.js';

import { VIBLayer, type VIBLayerArgs } from './vib-layer.js';

/** Factory in the style of `tf.layers.*`. */
export function vibLayer(args?: VIBLayerArgs): VIBLayer {
  return new VIBLayer(args);
}
export { klSchedule, type KlScheduleArgs } from './kl-schedule.js';
export {
  RECURRENT_KIND_GATES,
  assertRecurrentLayout,
  isGatedRecurrentLayer,
  type GatedRecurrentLayer,
  type RecurrentKind,
  type RecurrentLayout,
} from './compression-measure.js';
export {
  isPrunableLayer,
  measureCompression,
  recurrentParams,
  type CompressionMeasure,
  type LayerCompression,
  type PrunableLayer,
} from './compression-measure.js';
export type { FitPhase, FitRecord } from './fit-record.js';
export { paretoFront, sweep, type SweepPoint, type SweepResult, type SweepRun } from './sweep.js';
export { chanceAccuracy, evaluateAccuracy, setInferenceMode, type LabelledData, type Predictor } from './evaluate-accuracy.js';
