import { registerContractRule, registerLayerRule, type LayerRule } from './layer-rules.js';
import { bidirectionalRule } from './rule-bidirectional.js';
import { conv1dRule } from './rule-conv1d.js';
import { denseRule } from './rule-dense.js';
import { embeddingRule } from './rule-embedding.js';
import { BUILT_IN_RECURRENT_CLASSES, isRecurrentLayer } from './recurrent-layout.js';
import { recurrentRule } from './rule-recurrent.js';
import { timeDistributedRule } from './rule-time-distributed.js';
import {
  activationRule,
  batchNormalizationRule,
  featureMappingRule,
  identityRule,
  layerNormalizationRule,
  maskingRule,
  vibLayerRule,
} from './rules-feature-wise.js';
import { concatenateRule, elementwiseMergeRule } from './rules-merge.js';
import { featureSelectRule, flattenRule, reshapeRule } from './rules-shape.js';

const BUILT_IN: Record<string, LayerRule> = {
  Dense: denseRule,
  Embedding: embeddingRule,
  Conv1D: conv1dRule,
  Bidirectional: bidirectionalRule,
  TimeDistributed: timeDistributedRule,
  VIBLayer: vibLayerRule,
  Activation: activationRule,
  BatchNormalization: batchNormalizationRule,
  LayerNormalization: layerNormalizationRule,
  Masking: maskingRule,
  Flatten: flattenRule,
  Reshape: reshapeRule,
  FeatureSelect: featureSelectRule,
  Concatenate: concatenateRule,
  GlobalAveragePooling1D: featureMappingRule,
  GlobalMaxPooling1D: featureMappingRule,
  RepeatVector: featureMappingRule,
};
for (const className of BUILT_IN_RECURRENT_CLASSES) BUILT_IN[className] = recurrentRule;
for (const className of ['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']) BUILT_IN[className] = identityRule;
for (const className of ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']) BUILT_IN[className] = elementwiseMergeRule;

for (const [className, rule] of Object.entries(BUILT_IN)) registerLayerRule(className, rule);
// Gated recurrent layers of any class (VIBLSTM, VIBGRU, a user's cell) declare their layout instead of being named here.
registerContractRule(isRecurrentLayer, recurrentRule);

/** Class names of the built-in rules. */
export const BUILT_IN_RULES: readonly string[] = Object.keys(BUILT_IN).sort();
