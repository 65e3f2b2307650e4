export { PRUNE_DEFAULTS } from './defaults.js';
export {
  denseFlopsPerRow,
  denseParamCount,
  gruParamCount,
  lstmParamCount,
  recurrentFlopsPerStep,
  recurrentParamCount,
  type BiasConvention,
} from './counting.js';
export {
  compressionReport,
  formatReport,
  recurrentSummary,
  summarizeLayer,
  summarizeModel,
  type CompressionReport,
  type LayerComparison,
  type LayerKind,
  type LayerSummary,
  type SummaryOptions,
} from './report.js';
export { compact, type CompactOptions, type CompactResult, type CompactedLayer } from './compact.js';
export type { InputSelection } from './compact-inputs.js';
export {
  layerError,
  layerRule,
  registerLayerRule,
  registeredLayerRules,
  ruleForLayer,
  type CompactPart,
  type CountContext,
  type LayerCounts,
  type LayerRule,
  type RuleAnalysis,
  type RuleLayerKind,
  type RuleNode,
  type Shape,
} from './layer-rules.js';
export { BUILT_IN_RULES } from './builtin-rules.js';
export { recurrentLayoutOf } from './recurrent-layout.js';
export { gatheredCopy, perFeatureRule, type PerFeatureOptions } from './per-feature-rule.js';
export { wholeAxisRule } from './rules-feature-wise.js';
export { pruningGraph, type GraphInput, type GraphNode, type PruningGraph } from './pruning-graph.js';
export { deadFeatures, fullState, keptState, liveFeatures, type FeatureState } from './feature-state.js';
export { CompactForward } from './compact-forward.js';
export { composeShrinkOrigin, expandVIB, type ShrinkOrigin } from './expand.js';
export { FeatureSelect, featureSelect, type FeatureSelectArgs } from './feature-select.js';
export {
  planShrink,
  shrinkVIB,
  sliceOptimizerState,
  type ShrinkOptions,
  type ShrinkPlan,
  type ShrinkResult,
  type ShrunkLayer,
  type SliceableOptimizer,
  type WeightSlice,
} from './shrink.js';
export {
  insertBottlenecks,
  type InputBottleneckPlacement,
  type InsertBottlenecksOptions,
} from './insert-bottlenecks.js';
export {
  GroupLasso,
  groupLasso,
  zeroUnits,
  type GroupLassoOptions,
  type UnitSplit,
} from './group-lasso.js';
export {
  constantSparsity,
  polynomialDecay,
  type ConstantSparsityArgs,
  type PolynomialDecayArgs,
  type PruningSchedule,
} from './schedules.js';
export {
  MagnitudePruning,
  pruneLowMagnitude,
  stripPruning,
  type PruneLowMagnitudeArgs,
} from './magnitude-pruning.js';
export { pruneUnitsByMagnitude, type PruneUnitsArgs } from './structured-pruning.js';
/** The format of `compression.json`; reading and writing it (Node) is in `@tfjs-compress/prune/node`. */
export type { CompressionRecord } from './save.js';
export { QUANTIZE_DTYPES, quantize, type QuantizeDtype, type QuantizeResult } from './quantize.js';
