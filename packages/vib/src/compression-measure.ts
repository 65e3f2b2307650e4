import { gatedLayers, type HasVIBGates } from './gated-layers.js';

/**
 * The contract a recurrent VIB layer (VIBLSTM / VIBGRU in vib-rnn) meets so
 * that compression is measured per input and per hidden unit: which inputs
 * and units its masks keep. Declared here, implemented by the package above.
 */
export interface PrunableLayer extends HasVIBGates {
  prunableUnits(threshold?: number): {
    inputs: { kept: number[]; removed: number[] };
    units: { kept: number[]; removed: number[] };
  };
  /** 4 for an LSTM, 3 for a GRU (its cell's `gateNames`). */
  cell?: { gateNames?: readonly string[]; useBias?: boolean };
}

export function isPrunableLayer(layer: HasVIBGates): layer is PrunableLayer {
  return typeof (layer as Partial<PrunableLayer>).prunableUnits === 'function';
}

export interface LayerCompression {
  name: string;
  inputs: number;
  keptInputs: number;
  units: number;
  keptUnits: number;
  paramsBefore: number;
  paramsAfter: number;
}

export interface CompressionMeasure {
  /** Parameters of the gated layers before and after removing what the masks prune. */
  paramsBefore: number;
  paramsAfter: number;
  /** paramsBefore / paramsAfter (Infinity when everything is pruned). */
  ratio: number;
  layers: LayerCompression[];
}

/** Parameters of a recurrent layer with `gates` gate blocks: G*H*(L+H) + G*H (one bias). */
export function recurrentParams(gates: number, inputs: number, units: number, bias = true): number {
  return gates * units * (inputs + units) + (bias ? gates * units : 0);
}

/**
 * How much the current masks compress the model's gated recurrent layers,
 * computed from the masks alone (no compaction): an LSTM of H units on L
 * inputs counts 4H(L+H)+4H parameters and 4H'(L'+H')+4H' once pruned. Layers
 * that only gate features (VIBLayer) count their kept units. The exact
 * figure after `compact` (packages/prune) also shrinks the layer that reads
 * the pruned units; this measure is the recurrent part only.
 */
export function measureCompression(model: object, threshold?: number): CompressionMeasure {
  const layers: LayerCompression[] = [];
  for (const layer of gatedLayers(model)) {
    const name = (layer as { name?: string }).name ?? 'layer';
    if (isPrunableLayer(layer)) {
      const { inputs, units } = layer.prunableUnits(threshold);
      const gates = layer.cell?.gateNames?.length ?? 4;
      const bias = layer.cell?.useBias ?? true;
      const L = inputs.kept.length + inputs.removed.length;
      const H = units.kept.length + units.removed.length;
      // A layer with no units left still reads nothing: it keeps no inputs either.
      const keptL = units.kept.length === 0 ? 0 : inputs.kept.length;
      layers.push({
        name,
        inputs: L,
        keptInputs: inputs.kept.length,
        units: H,
        keptUnits: units.kept.length,
        paramsBefore: recurrentParams(gates, L, H, bias),
        paramsAfter: recurrentParams(gates, keptL, units.kept.length, bias),
      });
    } else {
      let size = 0;
      let kept = 0;
      for (const gate of layer.vibGates) {
        size += gate.size;
        kept += gate.keptUnits().length;
      }
      layers.push({ name, inputs: size, keptInputs: kept, units: size, keptUnits: kept, paramsBefore: size, paramsAfter: kept });
    }
  }
  const paramsBefore = layers.reduce((n, l) => n + l.paramsBefore, 0);
  const paramsAfter = layers.reduce((n, l) => n + l.paramsAfter, 0);
  return { paramsBefore, paramsAfter, ratio: paramsAfter === 0 ? Infinity : paramsBefore / paramsAfter, layers };
}
