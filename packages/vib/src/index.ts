export { InvalidArgumentError } from './errors.js';
export {
  assertBoolean,
  assertFiniteNumber,
  assertNonNegative,
  assertOneOf,
  assertPositive,
  assertPositiveInteger,
  assertRate,
} from './validation.js';
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
  setFrozenMask,
  setKlFac,
  splitTrainableWeights,
  totalKl,
  type HasVIBGates,
} from './gated-layers.js';
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

import { VIBLayer, type VIBLayerArgs } from './vib-layer.js';

/** Factory in the style of `tf.layers.*`. */
export function vibLayer(args?: VIBLayerArgs): VIBLayer {
  return new VIBLayer(args);
}
