import * as tf from '@tensorflow/tfjs-core';
import { activationName, applyActivation } from './activation.js';
import { deadFeatures, fullState, range, sortedUnion } from './feature-state.js';
import { isLastAxis, layerError, type LayerRule, type RuleNode } from './layer-rules.js';
import { cloneLayer, readWeights } from './layer-clone.js';
import { gatheredCopy, perFeatureRule } from './per-feature-rule.js';

const rank = (node: RuleNode) => node.inputShapes[0].length;

function lastAxisOnly(what: string) {
  return (node: RuleNode) => {
    const axis = node.layer.getConfig().axis ?? (node.layer as unknown as { axis?: unknown }).axis;
    if (!isLastAxis(axis, rank(node))) throw layerError(node.layer, `${what} on the last (feature) axis (axis ${JSON.stringify(axis)})`);
  };
}

/** Identity at inference: dropout and noise layers. */
export const identityRule = perFeatureRule();

/** Element-wise activations; softmax normalises across the features and is treated like layer normalization. */
const elementwiseActivation = perFeatureRule({
  constants: (node, _dead, values) => applyActivation(activationName(node.layer.getConfig().activation, 'linear'), values),
});

/**
 * A layer that reads every feature of its input together (LayerNormalization,
 * softmax): its input keeps every feature with its original value, pruned
 * ones included (pruned units computing exactly 0), or it is refused.
 */
export function wholeAxisRule(what: string, check?: (node: RuleNode) => void): LayerRule {
  return {
    analyse(node) {
      check?.(node);
      const dim = node.inputs[0].dim;
      return {
        out: fullState(dim),
        needs: () => [range(dim)],
        emits: (_asked, inputs) => inputs[0],
        build(inputs) {
          const [input] = inputs;
          const wrong = [...(input.inexact ?? [])];
          if (input.physical.length !== dim || wrong.length > 0) {
            throw layerError(
              node.layer,
              `the original value of every input feature, as ${what} reads all of them together; features ${wrong.join(', ')} are zeroed by a VIB gate ` +
                'that the compact model drops (prune the units that feed it instead, or remove the gate)',
            );
          }
          return { layer: cloneLayer(node.layer), weights: node.layer.getWeights().map((w) => w.clone()) };
        },
      };
    },
  };
}

const softmaxRule = wholeAxisRule('softmax');

export const activationRule: LayerRule = {
  analyse: (node) => (activationName(node.layer.getConfig().activation, 'linear') === 'softmax' ? softmaxRule : elementwiseActivation).analyse(node),
};

export const layerNormalizationRule = wholeAxisRule('layer normalization', lastAxisOnly('layer normalization'));

/** Inference-mode batch normalization on the last axis: constants through the moving statistics; 4 FLOPs a feature. */
export const batchNormalizationRule: LayerRule = {
  ...perFeatureRule({
    check: lastAxisOnly('batch normalization'),
    constants(node, dead, values) {
      const weights = readWeights(node.layer);
      const byName = (suffix: string) => weights.find((w) => w.name.endsWith(suffix))?.values ?? null;
      const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(byName);
      const epsilon = (node.layer.getConfig().epsilon as number) ?? 1e-3;
      return dead.map((j, i) => ((values[i] - mean![j]) / Math.sqrt(variance![j] + epsilon)) * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0));
    },
  }),
  count: (_layer, c) => ({ flops: c.rows * 2 * (c.inputs ?? 0) }),
};

/** A VIBLayer on the last axis: its mask prunes features; it leaves the compact model. */
export const vibLayerRule: LayerRule = {
  ...perFeatureRule({
    check(node) {
      const axis = (node.layer as unknown as { axis: number }).axis;
      if (!isLastAxis(axis, rank(node))) throw layerError(node.layer, `VIBLayers on the last (feature) axis (axis ${axis})`);
    },
    mask: (node) => tf.tidy(() => ((node.layer as unknown as { mask(t?: number): tf.Tensor }).mask(node.threshold).dataSync() as Float32Array).slice()),
    dropped: true,
  }),
  count: (_layer, c) => ({ kind: 'gate', flops: c.rows * (c.inputs ?? 0) }),
};

/**
 * Masking: a step is masked when every feature equals `maskValue`. A pruned
 * feature stays out only when it is 0 with `maskValue` 0 (it changes no
 * step's mask and stays 0); any other pruned feature is kept with its
 * constant, so every step's mask stays what it was.
 */
export const maskingRule: LayerRule = {
  analyse(node) {
    const input = node.inputs[0];
    const maskValue = (node.layer.getConfig().maskValue as number) ?? 0;
    const kept = deadFeatures(input).filter((j) => !(input.constants[j] === 0 && maskValue === 0));
    const base = identityRule.analyse(node);
    return {
      ...base,
      out: { ...base.out, live: new Set([...input.live, ...kept]) },
      needs: (asked) => [sortedUnion(asked, kept)],
      build: (inputs) => gatheredCopy(node, inputs[0].physical),
    };
  },
};

/** Layers that keep feature j as feature j, whatever they do to the other axes. */
export const featureMappingRule = perFeatureRule();
