import type * as tfl from '@tensorflow/tfjs-layers';
import { RECURRENT_KIND_GATES, assertRecurrentLayout, isGatedRecurrentLayer, type RecurrentKind, type RecurrentLayout } from '@tfjs-compress/vib';

/**
 * tfjs's own recurrent layers, known by class name because they cannot
 * declare a layout. Every other recurrent layer (VIBLSTM, VIBGRU, a user's
 * gated cell) declares one: `GatedRecurrentLayer` in @tfjs-compress/vib.
 */
const BUILT_IN_RECURRENT: Readonly<Record<string, RecurrentKind>> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'simple' };

/** Class names of tfjs's built-in recurrent layers. */
export const BUILT_IN_RECURRENT_CLASSES: readonly string[] = Object.keys(BUILT_IN_RECURRENT);

/** The kind of a tfjs built-in recurrent layer; null for any other class. */
export function builtInRecurrentKind(layer: tfl.layers.Layer): RecurrentKind | null {
  return BUILT_IN_RECURRENT[layer.getClassName()] ?? null;
}

/** The tfjs class of a kind: what `compact` rebuilds a recurrent layer as. */
export function builtInRecurrentClass(kind: RecurrentKind): string {
  return Object.keys(BUILT_IN_RECURRENT).find((className) => BUILT_IN_RECURRENT[className] === kind)!;
}

/**
 * The one answer to "is this a recurrent layer prune understands, and how
 * are its weights laid out": the layer's own `recurrentLayout` when it
 * declares one (checked), else tfjs's built-ins by class name; null for any
 * other layer.
 */
export function recurrentLayoutOf(layer: tfl.layers.Layer): RecurrentLayout | null {
  if (isGatedRecurrentLayer(layer)) {
    const layout = layer.recurrentLayout;
    assertRecurrentLayout(layout, layer.name);
    return layout;
  }
  const kind = builtInRecurrentKind(layer);
  if (kind == null) return null;
  return { kind, gates: RECURRENT_KIND_GATES[kind], units: (layer as unknown as { cell: { units: number } }).cell.units };
}

export function isRecurrentLayer(layer: tfl.layers.Layer): boolean {
  return recurrentLayoutOf(layer) != null;
}

/** What a refusal of a non-recurrent layer says was expected. */
export const RECURRENT_EXPECTED = 'an LSTM, GRU or SimpleRNN, or a layer declaring recurrentLayout (GatedRecurrentLayer, e.g. VIBLSTM, VIBGRU)';
