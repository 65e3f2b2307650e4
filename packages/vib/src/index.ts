export { VIB_DEFAULTS } from './defaults.js';
export { NoiseStream } from './noise-stream.js';
export {
  VIBGate,
  defaultLogDInitializer,
  defaultMuInitializer,
  type AddWeightFn,
  type InferenceMode,
  type VIBGateSettings,
} from './vib-gate.js';
export {
  VIBLayer,
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
  silenceGates,
  totalKl,
  type HasVIBGates,
  type SilencePlan,
} from './gated-layers.js';
export { LeanAdam } from './lean-adam.js';
export {
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
  measureCompression,
  recurrentParams,
  type CompressionMeasure,
  type LayerCompression,
} from './compression-measure.js';
export type { FitPhase, FitRecord } from './fit-record.js';
export { paretoFront, sweep, type SweepPoint, type SweepResult, type SweepRun } from './sweep.js';
export { chanceAccuracy, evaluateAccuracy, setInferenceMode, type LabelledData, type Predictor } from './evaluate-accuracy.js';
