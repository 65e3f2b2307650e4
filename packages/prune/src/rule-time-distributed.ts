import * as tfl from '@tensorflow/tfjs-layers';
import { ruleForLayer, type LayerRule } from './layer-rules.js';
import { genericRule } from './rule-generic.js';

/** The inner layer's rule (or the untouched pass-through). */
function innerRule(layer: tfl.layers.Layer): { inner: tfl.layers.Layer; rule: LayerRule } {
  const inner = (layer as unknown as { layer: tfl.layers.Layer }).layer;
  return { inner, rule: ruleForLayer(inner) ?? genericRule };
}

/**
 * TimeDistributed: the wrapped layer's rule, step by step (a Dense reads the
 * features of every step as it reads those of one); the compact layer wraps
 * the wrapped layer's compact layer.
 */
export const timeDistributedRule: LayerRule = {
  analyse(node) {
    const { inner, rule } = innerRule(node.layer);
    const step = (shape: (number | null)[]) => [shape[0], ...shape.slice(2)];
    const analysis = rule.analyse({ ...node, layer: inner, inputShapes: node.inputShapes.map(step), outputShape: step(node.outputShape) });
    return {
      ...analysis,
      build(inputs, emitted) {
        const part = analysis.build(inputs, emitted);
        if (part.layer == null) return part;
        return { ...part, layer: tfl.layers.timeDistributed({ layer: part.layer, name: node.layer.name }) };
      },
    };
  },
  count(layer, context) {
    const { inner, rule } = innerRule(layer);
    return rule.count?.(inner, context) ?? {};
  },
};
