import * as tfl from '@tensorflow/tfjs-layers';
import type { FeatureState } from './feature-state.js';
import { layerError, type LayerRule, type RuleAnalysis, type RuleNode } from './layer-rules.js';
import { cloneLayer } from './layer-clone.js';
import { featureMappingRule } from './rules-feature-wise.js';
import { genericRule } from './rule-generic.js';

/**
 * A layer whose output feature `to(j)` is input feature `from(p)`: `out`
 * lists, per output feature, the input feature it copies.
 */
function copyingAnalysis(node: RuleNode, source: number[], build: RuleAnalysis['build']): RuleAnalysis {
  const input = node.inputs[0];
  const dim = source.length;
  const targets = new Map<number, number[]>();
  source.forEach((j, o) => targets.set(j, [...(targets.get(j) ?? []), o]));
  const live = new Set(source.flatMap((j, o) => (input.live.has(j) ? [o] : [])));
  const constants = Float32Array.from(source, (j) => (input.live.has(j) ? 0 : input.constants[j]));
  const out: FeatureState = { dim, physical: source.map((_, o) => o), live, constants };
  const outputsOf = (features: Iterable<number>) => [...features].flatMap((j) => targets.get(j) ?? []).sort((a, b) => a - b);
  return {
    out,
    needs: (asked) => [[...asked].map((o) => source[o])],
    emits: (_asked, inputs) => outputsOf(inputs[0]),
    inexact: (inputs) => outputsOf(inputs[0].inexact ?? []),
    build,
  };
}

/** Flatten: [T, F] -> T*F keeps feature j of step t at t*F + j (every step's inner axes must be known). */
export const flattenRule: LayerRule = {
  analyse(node) {
    const shape = node.inputShapes[0];
    if (shape.length <= 2) return featureMappingRule.analyse(node);
    const inner = shape.slice(1, -1);
    if (inner.some((d) => d == null)) return genericRule.analyse(node);
    const repeats = (inner as number[]).reduce((a, b) => a * b, 1);
    const F = node.inputs[0].dim;
    const source = Array.from({ length: repeats * F }, (_, o) => o % F);
    return copyingAnalysis(node, source, () => ({ layer: cloneLayer(node.layer), weights: [] }));
  },
};

/** Reshape keeping the last axis maps features through; any other reshape needs every feature live. */
export const reshapeRule: LayerRule = {
  analyse(node) {
    const target = node.layer.getConfig().targetShape as number[];
    const F = node.inputs[0].dim;
    if (target[target.length - 1] !== F) return genericRule.analyse(node);
    const base = featureMappingRule.analyse(node);
    return {
      ...base,
      build: (inputs) => ({
        layer: tfl.layers.reshape({ name: node.layer.name, targetShape: [...target.slice(0, -1), inputs[0].physical.length] }),
        weights: [],
      }),
    };
  },
};

/** FeatureSelect (what shrinkVIB puts in front): its indices compose into what the compact model reads; it leaves the model. */
export const featureSelectRule: LayerRule = {
  analyse(node) {
    const indices = (node.layer as unknown as { indices: number[] }).indices;
    return copyingAnalysis(node, [...indices], (inputs, emitted) => {
      const carried = inputs[0].physical;
      if (carried.length !== emitted.length || emitted.some((o, p) => indices[o] !== carried[p])) {
        throw layerError(node.layer, 'a FeatureSelect whose input is read by nothing else (compact folds it into the features the model reads)');
      }
      return { layer: null, weights: [] };
    });
  },
};
