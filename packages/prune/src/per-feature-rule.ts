import * as tf from '@tensorflow/tfjs-core';
import { deadFeatures, sortedUnion } from './feature-state.js';
import type { CompactPart, LayerRule, RuleNode } from './layer-rules.js';
import { cloneLayer } from './layer-clone.js';

/** How a layer that treats each feature on its own (output feature j from input feature j alone) maps features. */
export interface PerFeatureOptions {
  /** Throws (`layerError`) when this layer cannot be treated feature by feature (another axis, ...). */
  check?(node: RuleNode): void;
  /** Output constants of the pruned input features `dead`, whose constants are `values` (default: unchanged). */
  constants?(node: RuleNode, dead: number[], values: number[]): ArrayLike<number>;
  /** Per feature, 0 where the layer zeroes it (a VIB gate's mask); default: none zeroed. */
  mask?(node: RuleNode): Float32Array;
  /** The layer leaves the compact model (a VIB gate: its zeroed features are dropped or weighted 0 downstream). */
  dropped?: boolean;
  /** The compact layer for the features `physical` (default: a copy, each 1-D weight of the feature size gathered at `physical`). */
  build?(node: RuleNode, physical: number[]): CompactPart;
}

/** A copy of the layer, each 1-D weight of `dim` entries gathered at `physical`, the others copied. */
export function gatheredCopy(node: RuleNode, physical: number[]): CompactPart {
  const dim = node.inputs[0].dim;
  const index = tf.tensor1d(physical, 'int32');
  const weights = node.layer.getWeights().map((w) => (w.rank === 1 && w.shape[0] === dim ? tf.gather(w, index) : w.clone()));
  index.dispose();
  return { layer: cloneLayer(node.layer), weights };
}

/**
 * The rule of a layer whose output feature j depends on input feature j
 * alone (activations, dropout, batch norm, pooling over time, ...): it
 * carries whatever features its input carries, and maps the constants of
 * pruned ones. Register it for a custom layer with
 * `registerLayerRule('MyLayer', perFeatureRule({constants: ...}))`.
 */
export function perFeatureRule(options: PerFeatureOptions = {}): LayerRule {
  return {
    analyse(node) {
      options.check?.(node);
      const input = node.inputs[0];
      const mask = options.mask?.(node);
      const dead = deadFeatures(input);
      const mapped = options.constants ? options.constants(node, dead, dead.map((j) => input.constants[j])) : null;
      const constants = new Float32Array(input.dim);
      dead.forEach((j, i) => (constants[j] = (mapped ? mapped[i] : input.constants[j]) * (mask ? mask[j] : 1)));
      const live = new Set([...input.live].filter((j) => mask == null || mask[j] !== 0));
      return {
        out: { dim: input.dim, physical: input.physical, live, constants },
        needs: (asked) => [asked],
        emits: (_asked, inputs) => inputs[0],
        inexact(inputs, emitted) {
          // A dropped gate leaves the features it zeroes holding their input values.
          const zeroed = mask == null ? [] : emitted.filter((j) => mask[j] === 0 && (input.live.has(j) || input.constants[j] !== 0));
          return sortedUnion(inputs[0].inexact ?? [], zeroed);
        },
        build: (inputs) =>
          options.dropped ? { layer: null, weights: [] } : (options.build ?? gatheredCopy)(node, inputs[0].physical),
      };
    },
  };
}
