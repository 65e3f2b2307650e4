import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { gatedLayers, hasVIBGates, type HasVIBGates } from './gated-layers.js';
import type { VIBGate } from './vib-gate.js';

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

/**
 * The tfjs built-in cell a gated recurrent layer computes once every gate is
 * a hard 0/1 mask, and so the layer `compact` (packages/prune) rebuilds it as:
 * 'lstm' is `LSTMCell`, 'gru' is `GRUCell` (reset applied before the
 * recurrent matmul), 'simple' is `SimpleRNNCell`.
 */
export type RecurrentKind = 'lstm' | 'gru' | 'simple';

/** Column blocks of each kind's kernels, in tfjs order: LSTM i, f, c, o; GRU z, r, h; SimpleRNN one. */
export const RECURRENT_KIND_GATES: Readonly<Record<RecurrentKind, number>> = { lstm: 4, gru: 3, simple: 1 };

/** How a recurrent layer's weights line up with its tfjs built-in cell. */
export interface RecurrentLayout {
  kind: RecurrentKind;
  /** Column blocks G of the kernel [F, G*H], recurrent kernel [H, G*H] and bias [G*H]: `RECURRENT_KIND_GATES[kind]`. */
  gates: number;
  /** Hidden units H the model sees (units removed in place included). */
  units: number;
}

/**
 * What a gated recurrent layer declares of itself so that packages/prune
 * compacts, counts and prunes it without knowing its class: VIBLSTM and
 * VIBGRU (vib-rnn) meet it, and so can a layer from any other package.
 * Its `getConfig()` carries the built-in's options prune copies into the
 * compact layer (`activation`, `recurrentActivation`, `useBias`,
 * `returnSequences`, `goBackwards`, `dropout`, `recurrentDropout`).
 */
export interface GatedRecurrentLayer extends HasVIBGates {
  readonly recurrentLayout: RecurrentLayout;
  /**
   * Its VIB gates by position, once built: `input` on the F input features,
   * `blocks[b]` on the activation of kernel column block b (`gates` entries,
   * tfjs order); null where there is none.
   */
  recurrentGates(): { input: VIBGate | null; blocks: readonly (VIBGate | null)[] };
  /**
   * `[kernel, recurrentKernel, bias]` in the built-in layer's layout at the
   * sizes the model sees (a bias of zeros when the layer has none). Caller disposes.
   */
  plainWeights(): tf.Tensor[];
}

export function isGatedRecurrentLayer(layer: unknown): layer is GatedRecurrentLayer {
  if (!hasVIBGates(layer)) return false;
  const candidate = layer as Partial<GatedRecurrentLayer>;
  return candidate.recurrentLayout != null && typeof candidate.recurrentGates === 'function' && typeof candidate.plainWeights === 'function';
}

/** Refuses a layout whose kind is unknown, whose gate count disagrees with its kind, or whose units are not a positive integer. */
export function assertRecurrentLayout(layout: unknown, layerName: string): asserts layout is RecurrentLayout {
  const { kind, gates, units } = (layout ?? {}) as Partial<RecurrentLayout>;
  const option = `recurrentLayout of layer '${layerName}'`;
  if (kind == null || !Object.hasOwn(RECURRENT_KIND_GATES, kind)) {
    throw new InvalidArgumentError(option, layout, `kind one of ${Object.keys(RECURRENT_KIND_GATES).join(', ')}`);
  }
  if (gates !== RECURRENT_KIND_GATES[kind]) {
    throw new InvalidArgumentError(option, layout, `gates = ${RECURRENT_KIND_GATES[kind]} for kind '${kind}'`);
  }
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) {
    throw new InvalidArgumentError(option, layout, 'units a positive integer');
  }
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

/** What the masks of one prunable recurrent layer keep, as counted. */
function recurrentCounts(layer: PrunableLayer, threshold: number | undefined) {
  const { inputs, units } = layer.prunableUnits(threshold);
  const gates = isGatedRecurrentLayer(layer) ? layer.recurrentLayout.gates : (layer.cell?.gateNames?.length ?? 4);
  return {
    name: layer.name ?? 'layer',
    gates,
    bias: layer.cell?.useBias ?? true,
    inputs: inputs.kept.length + inputs.removed.length,
    units: units.kept.length + units.removed.length,
    keptInputs: inputs.kept,
    keptUnits: units.kept.length,
  };
}

function recurrentCompression(c: ReturnType<typeof recurrentCounts>, keptInputs: number, keptUnits: number): LayerCompression {
  // A layer with no units left still reads nothing: it keeps no inputs either.
  const keptL = keptUnits === 0 ? 0 : keptInputs;
  return {
    name: c.name,
    inputs: c.inputs,
    keptInputs,
    units: c.units,
    keptUnits,
    paramsBefore: recurrentParams(c.gates, c.inputs, c.units, c.bias),
    paramsAfter: recurrentParams(c.gates, keptL, keptUnits, c.bias),
  };
}

/** A Bidirectional's two directions when both are prunable recurrent layers (they share the input and one `units`). */
function directionsOf(layer: object): [PrunableLayer, PrunableLayer] | null {
  const { forwardLayer, backwardLayer } = layer as { forwardLayer?: HasVIBGates; backwardLayer?: HasVIBGates };
  if (!hasVIBGates(forwardLayer) || !hasVIBGates(backwardLayer)) return null;
  return isPrunableLayer(forwardLayer) && isPrunableLayer(backwardLayer) ? [forwardLayer, backwardLayer] : null;
}

/**
 * How much the current masks compress the model's gated recurrent layers,
 * computed from the masks alone (no compaction): an LSTM of H units on L
 * inputs counts 4H(L+H)+4H parameters and 4H'(L'+H')+4H' once pruned. Layers
 * that only gate features (VIBLayer) count their kept units. The two
 * directions of a Bidirectional read one input and share one `units`, so
 * each counts the inputs either keeps and the larger of their kept units,
 * as its compact layer has. The exact figure after `compact`
 * (packages/prune) also shrinks the layer that reads the pruned units; this
 * measure is the recurrent part only.
 */
export function measureCompression(model: object, threshold?: number): CompressionMeasure {
  // What each direction of a Bidirectional counts: the inputs either keeps, the larger kept units.
  const shared = new Map<object, { inputs: number; units: number }>();
  const visit = (layer: object) => {
    const pair = directionsOf(layer);
    if (pair) {
      const counts = pair.map((direction) => recurrentCounts(direction, threshold));
      const kept = { inputs: new Set(counts.flatMap((c) => c.keptInputs)).size, units: Math.max(...counts.map((c) => c.keptUnits)) };
      pair.forEach((direction) => shared.set(direction, kept));
    }
    for (const child of (layer as { layers?: object[] }).layers ?? []) visit(child);
  };
  visit(model);
  const layers: LayerCompression[] = [];
  for (const layer of gatedLayers(model)) {
    if (isPrunableLayer(layer)) {
      const c = recurrentCounts(layer, threshold);
      const kept = shared.get(layer) ?? { inputs: c.keptInputs.length, units: c.keptUnits };
      layers.push(recurrentCompression(c, kept.inputs, kept.units));
    } else {
      let size = 0;
      let kept = 0;
      for (const gate of layer.vibGates) {
        size += gate.size;
        kept += gate.keptUnits().length;
      }
      const name = (layer as { name?: string }).name ?? 'layer';
      layers.push({ name, inputs: size, keptInputs: kept, units: size, keptUnits: kept, paramsBefore: size, paramsAfter: kept });
    }
  }
  const paramsBefore = layers.reduce((n, l) => n + l.paramsBefore, 0);
  const paramsAfter = layers.reduce((n, l) => n + l.paramsAfter, 0);
  return { paramsBefore, paramsAfter, ratio: paramsAfter === 0 ? Infinity : paramsBefore / paramsAfter, layers };
}
