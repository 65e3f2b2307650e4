/**
 * `@tfjs-compress/vib/internal`: what the sibling packages (vib-rnn, tensor,
 * train, prune, parallel) build on and a user of the gates does not need:
 * slicing and spreading weights and columns, option resolvers, the two halves
 * of a training step, noise-stream positions and the gate weights' names.
 * It follows the packages' versions, not semver on its own.
 */
export { maskOf, vibKl } from './kl.js';
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
export { LOG_D_WEIGHT_SUFFIX, MU_WEIGHT_SUFFIX, type AddWeightFn } from './vib-gate.js';
export { gateConfig, offsetSeed } from './vib-layer.js';
export { noisePositions, seekNoise, splitTrainableWeights } from './gated-layers.js';
export { resizeVariable, sliceVariable, sliceWeight, type AxisIndices } from './weight-slicing.js';
export { selectColumns, spreadColumns, spreadMap, spreadWeight } from './column-selection.js';
export { applyVibUpdate, vibLossAndGrads, type LayerLossSource, type VibLossAndGrads, type VibLossAndGradsOptions, type VibUpdate } from './vib-step.js';
export { isPrunableLayer, type PrunableLayer } from './compression-measure.js';
