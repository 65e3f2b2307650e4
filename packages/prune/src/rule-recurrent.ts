import type * as tfl from '@tensorflow/tfjs-layers';
import type { RecurrentKind } from '@tfjs-compress/vib';
import { recurrentFlopsPerStep } from './counting.js';
import { keptState, sortedUnion } from './feature-state.js';
import { layerError, type CountContext, type LayerCounts, type LayerRule, type RuleLayerKind } from './layer-rules.js';
import { RECURRENT_EXPECTED, recurrentLayoutOf } from './recurrent-layout.js';
import { planRecurrent, recurrentWeightList } from './recurrent-plan.js';

/** The report's name for each kind of cell. */
const REPORT_KIND: Readonly<Record<RecurrentKind, RuleLayerKind>> = { lstm: 'lstm', gru: 'gru', simple: 'rnn' };

/** Kernel, recurrent kernel and bias shapes of a (dense-projection) recurrent layer at its built sizes. */
function builtShapes(layer: tfl.layers.Layer, gates: number): number[][] {
  const cell = (layer as unknown as { cell: { inputDim: number; units: number; useBias: boolean } }).cell;
  const width = gates * cell.units;
  return [[cell.inputDim, width], [cell.units, width], ...(cell.useBias ? [[width]] : [])];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Report counts of a recurrent layer: FLOPs per sequence, the paper's two-bias parameter count, in-place shrinking. */
export function countRecurrent(layer: tfl.layers.Layer, context: CountContext): LayerCounts {
  const layout = recurrentLayoutOf(layer);
  if (layout == null) throw layerError(layer, RECURRENT_EXPECTED);
  const { gates, units: H } = layout;
  const config = layer.getConfig();
  const cell = (layer as unknown as { cell?: { projection?: { flopsPerRow(): number } } }).cell;
  // A recurrent layer shrunk in place is reported at the sizes it was built with: the "before" of a compression.
  const inPlace = config.keptInputs != null || config.keptUnits != null;
  const weightShapes = inPlace ? builtShapes(layer, gates) : context.weightShapes;
  const params = weightShapes.reduce((sum, shape) => sum + size(shape), 0);
  const useBias = config.useBias !== false;
  const projectionFlops = inPlace ? undefined : cell?.projection?.flopsPerRow();
  return {
    kind: REPORT_KIND[layout.kind],
    units: H,
    params,
    weightShapes,
    paperParams: params + (useBias ? gates * H : 0),
    flops: context.timesteps * recurrentFlopsPerStep(context.inputs ?? 0, H, gates, { useBias, projectionFlops }),
  };
}

/**
 * Every recurrent layer `recurrentLayoutOf` knows (LSTM, GRU, SimpleRNN and
 * any layer declaring `recurrentLayout`: VIBLSTM, VIBGRU, a user's gated
 * cell): input features that are pruned or read with zero rows drop kernel
 * rows; units that are pruned drop their gate columns and recurrent row;
 * closed gates of kept units are pinned.
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
