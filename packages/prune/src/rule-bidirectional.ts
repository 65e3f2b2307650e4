import * as tfl from '@tensorflow/tfjs-layers';
import { isGateWeight } from '@tfjs-compress/vib';
import { range, sortedUnion, type FeatureState } from './feature-state.js';
import { layerError, type CountContext, type LayerCounts, type LayerRule } from './layer-rules.js';
import { noUnitsLeft, planRecurrent, recurrentWeightList } from './recurrent-plan.js';
import { RECURRENT_EXPECTED, isRecurrentLayer } from './recurrent-layout.js';
import { countRecurrent } from './rule-recurrent.js';

interface BidirectionalLike extends tfl.layers.Layer {
  forwardLayer: tfl.layers.Layer;
  backwardLayer: tfl.layers.Layer;
  /** The layer it was given (named without the forward_/backward_ prefix). */
  layer: tfl.layers.Layer;
  mergeMode: string | null;
}

/** Pads the shorter of two unit lists with pruned units (they compute exactly 0), so both directions have one size. */
function padded(units: number[], size: number): number[] {
  const have = new Set(units);
  const out = [...units];
  for (let k = 0; out.length < size; k++) if (!have.has(k)) out.push(k);
  return out.sort((a, b) => a - b);
}

/** The output's live features from each direction's kept units. */
function mergedState(mode: string, H: number, forward: number[], backward: number[]): FeatureState {
  const dim = mode === 'concat' ? 2 * H : H;
  const both = new Set(forward.filter((k) => backward.includes(k)));
  const live = mode === 'concat' ? [...forward, ...backward.map((k) => H + k)] : mode === 'mul' ? [...both] : sortedUnion(forward, backward);
  // Pruned units output 0: a sum / mean with a pruned side is the other side, a product with one is 0.
  return { dim, physical: range(dim), live: new Set(live), constants: new Float32Array(dim) };
}

/**
 * Bidirectional around any recurrent layer `recurrentLayoutOf` knows (LSTM,
 * GRU, SimpleRNN, VIBLSTM, VIBGRU, ...): each direction keeps its own units; the
 * compact layer is a plain `tf.layers.bidirectional`, whose two directions
 * share one size, so the smaller is padded with pruned units computing
 * exactly 0. 'concat' outputs forward units then backward units;
 * 'sum' / 'ave' / 'mul' combine unit k of both directions, so a unit kept on
 * either side is kept on both.
 */
export const bidirectionalRule: LayerRule = {
  analyse(node) {
    const layer = node.layer as BidirectionalLike;
    const mode = layer.mergeMode;
    if (mode == null) throw layerError(layer, "a merge mode ('concat', 'sum', 'ave' or 'mul'; null returns two outputs)");
    if (!isRecurrentLayer(layer.forwardLayer)) {
      throw layerError(layer, `a Bidirectional around ${RECURRENT_EXPECTED} (it wraps ${layer.forwardLayer.getClassName()})`);
    }
    // One direction may lose every unit: the other still carries the input (the empty one is padded with pruned units, exactly 0).
    const forward = planRecurrent(layer.forwardLayer, node.inputs[0], node.threshold, true);
    const backward = planRecurrent(layer.backwardLayer, node.inputs[0], node.threshold, true);
    if (forward.kept.length === 0 && backward.kept.length === 0) throw noUnitsLeft(layer, node.threshold);
    const H = forward.source.units;
    const split = (emitted: number[]): [number[], number[]] =>
      mode === 'concat' ? [emitted.filter((j) => j < H), emitted.filter((j) => j >= H).map((j) => j - H)] : [emitted, emitted];
    return {
      out: mergedState(mode, H, forward.kept, backward.kept),
      needs: () => [sortedUnion(forward.read, backward.read)],
      emits(asked) {
        const [askedF, askedB] = split([...asked]);
        if (mode !== 'concat') return sortedUnion(forward.kept, backward.kept, asked);
        const f = sortedUnion(forward.kept, askedF);
        const b = sortedUnion(backward.kept, askedB);
        const n = Math.max(f.length, b.length);
        return [...padded(f, n), ...padded(b, n).map((k) => H + k)];
      },
      build(inputs, emitted) {
        const [unitsF, unitsB] = split(emitted);
        const wF = forward.weights(inputs[0], unitsF);
        const wB = backward.weights(inputs[0], unitsB);
        const useBias = wF.needsBias || wB.needsBias;
        const template = forward.layer(unitsF.length, useBias, layer.layer.name);
        return {
          layer: tfl.layers.bidirectional({ layer: template as never, mergeMode: mode as never, name: layer.name }),
          weights: [...recurrentWeightList(wF, useBias), ...recurrentWeightList(wB, useBias)],
          keptUnits: emitted,
        };
      },
    };
  },
  count(layer, context: CountContext): LayerCounts {
    const { forwardLayer, backwardLayer } = layer as BidirectionalLike;
    const [f, b] = [forwardLayer, backwardLayer].map((direction) =>
      countRecurrent(direction, { ...context, weightShapes: direction.weights.filter((w) => !isGateWeight(w)).map((w) => [...(w.shape as number[])]) }),
    );
    return {
      kind: f.kind,
      units: context.units,
      params: f.params! + b.params!,
      paperParams: f.paperParams! + b.paperParams!,
      flops: f.flops! + b.flops!,
      weightShapes: [...f.weightShapes!, ...b.weightShapes!],
    };
  },
};
