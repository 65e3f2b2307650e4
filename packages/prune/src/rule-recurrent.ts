import type * as tfl from '@tensorflow/tfjs-layers';
import { GRU_GATES, LSTM_GATE_COUNT, recurrentFlopsPerStep } from './counting.js';
import { keptState, sortedUnion } from './feature-state.js';
import type { CountContext, LayerCounts, LayerRule } from './layer-rules.js';
import { planRecurrent, recurrentWeightList } from './recurrent-plan.js';

/** Gate blocks per recurrent class. */
export const RECURRENT_GATES: Record<string, number> = {
  LSTM: LSTM_GATE_COUNT,
  VIBLSTM: LSTM_GATE_COUNT,
  GRU: GRU_GATES,
  VIBGRU: GRU_GATES,
  SimpleRNN: 1,
};

/** Kernel, recurrent kernel and bias shapes of a (dense-projection) recurrent layer at its built sizes. */
function builtShapes(layer: tfl.layers.Layer, gates: number): number[][] {
  const cell = (layer as unknown as { cell: { inputDim: number; units: number; useBias: boolean } }).cell;
  const width = gates * cell.units;
  return [[cell.inputDim, width], [cell.units, width], ...(cell.useBias ? [[width]] : [])];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Report counts of a recurrent layer: FLOPs per sequence, the paper's two-bias parameter count, in-place shrinking. */
export function countRecurrent(layer: tfl.layers.Layer, context: CountContext): LayerCounts {
  const gates = RECURRENT_GATES[layer.getClassName()];
  const config = layer.getConfig();
  const cell = (layer as unknown as { cell: { units: number; projection?: { flopsPerRow(): number } } }).cell;
  // A recurrent layer shrunk in place is reported at the sizes it was built with: the "before" of a compression.
  const inPlace = config.keptInputs != null || config.keptUnits != null;
  const weightShapes = inPlace ? builtShapes(layer, gates) : context.weightShapes;
  const params = weightShapes.reduce((sum, shape) => sum + size(shape), 0);
  const useBias = config.useBias !== false;
  const H = cell.units;
  const projectionFlops = inPlace ? undefined : cell.projection?.flopsPerRow();
  return {
    kind: gates === LSTM_GATE_COUNT ? 'lstm' : gates === GRU_GATES ? 'gru' : 'rnn',
    units: H,
    params,
    weightShapes,
    paperParams: params + (useBias ? gates * H : 0),
    flops: context.timesteps * recurrentFlopsPerStep(context.inputs ?? 0, H, gates, { useBias, projectionFlops }),
  };
}

/**
 * LSTM, GRU, SimpleRNN and their VIB forms: input features that are pruned
 * or read with zero rows drop kernel rows; units that are pruned drop their
 * gate columns and recurrent row; closed gates of kept units are pinned.
 * Units asked for although pruned (a coupling needs them) stay, computing
 * exactly 0.
 */
export const recurrentRule: LayerRule = {
  analyse(node) {
    const plan = planRecurrent(node.layer, node.inputs[0], node.threshold);
    return {
      out: keptState(plan.source.units, plan.kept),
      needs: () => [plan.read],
      emits: (asked) => sortedUnion(plan.kept, asked),
      build(inputs, emitted) {
        const w = plan.weights(inputs[0], emitted);
        return {
          layer: plan.layer(emitted.length, w.needsBias, node.layer.name),
          weights: recurrentWeightList(w, w.needsBias),
          keptUnits: emitted,
        };
      },
    };
  },
  count: countRecurrent,
};
