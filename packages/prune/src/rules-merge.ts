import { sortedUnion, type FeatureState } from './feature-state.js';
import { isLastAxis, layerError, type LayerRule } from './layer-rules.js';
import { cloneLayer } from './layer-clone.js';
import { genericRule } from './rule-generic.js';

/** Concatenate on the last axis: input i's feature j is output feature offset_i + j. */
export const concatenateRule: LayerRule = {
  analyse(node) {
    if (!isLastAxis(node.layer.getConfig().axis, node.outputShape.length)) return genericRule.analyse(node);
    const offsets = node.inputs.map((_, i) => node.inputs.slice(0, i).reduce((sum, s) => sum + s.dim, 0));
    const dim = node.inputs.reduce((sum, s) => sum + s.dim, 0);
    const out: FeatureState = { dim, physical: [], live: new Set(), constants: new Float32Array(dim) };
    node.inputs.forEach((state, i) => {
      for (let j = 0; j < state.dim; j++) {
        out.physical.push(offsets[i] + j);
        if (state.live.has(j)) out.live.add(offsets[i] + j);
        else out.constants[offsets[i] + j] = state.constants[j];
      }
    });
    const shift = (lists: readonly Iterable<number>[]) => lists.flatMap((list, i) => [...list].map((j) => offsets[i] + j));
    return {
      out,
      needs: (asked) => node.inputs.map((state, i) => [...asked].filter((o) => o >= offsets[i] && o < offsets[i] + state.dim).map((o) => o - offsets[i])),
      emits: (_asked, inputs) => shift(inputs),
      inexact: (inputs) => shift(inputs.map((s) => s.inexact ?? [])),
      build: () => ({ layer: cloneLayer(node.layer), weights: [] }),
    };
  },
};

type Combine = (values: number[]) => number;

const COMBINE: Record<string, Combine> = {
  Add: (v) => v.reduce((a, b) => a + b, 0),
  Subtract: (v) => v[0] - v[1],
  Multiply: (v) => v.reduce((a, b) => a * b, 1),
  Average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  Maximum: (v) => Math.max(...v),
  Minimum: (v) => Math.min(...v),
};

/**
 * Add, Subtract, Multiply, Average, Maximum, Minimum: feature j of every
 * input meets feature j of the others, so all inputs carry the same
 * features: a feature leaves only where it is pruned on every input (for
 * Multiply, also where one input holds it at exactly 0).
 */
export const elementwiseMergeRule: LayerRule = {
  analyse(node) {
    const className = node.layer.getClassName();
    const dim = node.inputs[0].dim;
    if (node.inputs.some((s) => s.dim !== dim)) return genericRule.analyse(node);
    const combine = COMBINE[className];
    const out: FeatureState = { dim, physical: [], live: new Set(), constants: new Float32Array(dim) };
    for (let j = 0; j < dim; j++) {
      const dead = node.inputs.filter((s) => !s.live.has(j));
      const zeroFactor = className === 'Multiply' && dead.some((s) => s.constants[j] === 0);
      if (dead.length === node.inputs.length) out.constants[j] = combine(node.inputs.map((s) => s.constants[j]));
      else if (!zeroFactor) out.live.add(j);
      out.physical.push(j);
    }
    return {
      out,
      needs: (asked, inputs) => node.inputs.map(() => sortedUnion(asked, ...inputs)),
      emits: (asked, inputs) => sortedUnion(asked, ...inputs),
      inexact: (inputs) => sortedUnion(...inputs.map((s) => s.inexact ?? [])),
      build(inputs, emitted) {
        inputs.forEach((state, i) => {
          if (state.physical.length !== emitted.length || state.physical.some((j, p) => j !== emitted[p])) {
            throw layerError(node.layer, `inputs carrying the same features (input ${i} carries ${state.physical.length} of ${emitted.length})`);
          }
          const wrong = [...(state.inexact ?? [])].filter((j) => out.live.has(j));
          if (wrong.length > 0) {
            throw layerError(
              node.layer,
              `a coupling compact can shrink exactly: features ${wrong.join(', ')} of input ${i} are zeroed by a VIB gate that the compact model drops, ` +
                `while they are live on another input of this ${className} (gate the units that produce them instead)`,
            );
          }
        });
        return { layer: cloneLayer(node.layer), weights: [] };
      },
    };
  },
};
