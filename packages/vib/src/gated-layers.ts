import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LOG_D_WEIGHT_SUFFIX, MU_WEIGHT_SUFFIX, type VIBGate } from './vib-gate.js';
import { InvalidArgumentError, assertNonNegative } from '@tfjs-compress/common';

/** Input features and hidden units (or a VIBLayer's features) of one layer, by index. */
export interface SilencePlan {
  inputs?: number[];
  units?: number[];
}

/** What every layer holding VIB gates exposes (VIBLayer, VIBLSTM, VIBGRU, ...). */
export interface HasVIBGates {
  readonly vibGates: VIBGate[];
  readonly name: string;
  setFrozenMask(frozen: boolean): void;
  setKlFac(klFac: number): void;
  /** Holds the planned features and units at 0 from now on (optional for layers from elsewhere). */
  silence?(plan: SilencePlan): void;
  /** Positions of the layer's seeded random streams (optional for layers from elsewhere). */
  noisePositions?(): number[];
  seekNoise?(positions: number[]): void;
}

/** A model, a layer or anything holding `layers`. */
type LayerLike = object;

export function hasVIBGates(layer: unknown): layer is HasVIBGates {
  return layer != null && typeof layer === 'object' && Array.isArray((layer as HasVIBGates).vibGates);
}

/** The layers inside a wrapper: Bidirectional's two directions, or TimeDistributed's layer. */
function wrappedLayers(layer: LayerLike): LayerLike[] {
  const { forwardLayer, backwardLayer, layer: inner } = layer as { forwardLayer?: LayerLike; backwardLayer?: LayerLike; layer?: LayerLike };
  // Bidirectional also holds the layer it was given (`layer`), a never-built template: its directions are the real ones.
  if (forwardLayer != null && backwardLayer != null) return [forwardLayer, backwardLayer];
  return inner != null && typeof inner === 'object' ? [inner] : [];
}

/** Every layer with VIB gates in a model, nested models and wrapped layers (Bidirectional, TimeDistributed) included, in order. */
export function gatedLayers(model: LayerLike): HasVIBGates[] {
  const found: HasVIBGates[] = [];
  const visit = (layer: LayerLike) => {
    if (hasVIBGates(layer)) found.push(layer);
    for (const child of (layer as { layers?: LayerLike[] }).layers ?? []) visit(child);
    for (const child of wrappedLayers(layer)) visit(child);
  };
  visit(model);
  return found;
}

/** Sets klFac on every gated layer of a model (e.g. for annealing). */
export function setKlFac(model: LayerLike, klFac: number): void {
  assertNonNegative(klFac, 'klFac');
  for (const layer of gatedLayers(model)) layer.setKlFac(klFac);
}

/** Freezes (or unfreezes) every gate's mask for the fine-tuning stage. */
export function setFrozenMask(model: LayerLike, frozen: boolean): void {
  for (const layer of gatedLayers(model)) layer.setFrozenMask(frozen);
}

/**
 * Silences, per layer name, the planned input features and units
 * (`HasVIBGates.silence`): the masked twin of physically removing them.
 * Cumulative, and safe to repeat with the same plan.
 */
export function silenceGates(model: LayerLike, plan: Record<string, SilencePlan>): void {
  const layers = new Map(gatedLayers(model).map((l) => [l.name, l]));
  for (const [name, entry] of Object.entries(plan)) {
    const layer = layers.get(name);
    if (layer == null) throw new InvalidArgumentError('silence plan layer', name, `a gated layer of the model (${[...layers.keys()].join(', ')})`);
    if (layer.silence == null) throw new InvalidArgumentError('silence plan layer', name, 'a layer that can silence units (VIBLayer, VIBLSTM, VIBGRU)');
    layer.silence(entry);
  }
}

/** Sum of the unscaled KL terms of every gate in a model. */
export function totalKl(model: LayerLike): tf.Scalar {
  return tf.tidy(() => {
    let sum: tf.Scalar = tf.scalar(0);
    for (const layer of gatedLayers(model)) for (const gate of layer.vibGates) sum = tf.add(sum, gate.kl());
    return sum;
  });
}

/** True for the `mu` / `logD` weights of VIB gates. */
export function isGateWeight(weight: tfl.LayerVariable): boolean {
  const name = weight.originalName ?? weight.name;
  return name.endsWith(MU_WEIGHT_SUFFIX) || name.endsWith(LOG_D_WEIGHT_SUFFIX);
}

/** The trainable weights split into gate parameters (trained at ibLr) and the rest (at lr). */
export function splitTrainableWeights(model: { trainableWeights: tfl.LayerVariable[] }): {
  gate: tfl.LayerVariable[];
  rest: tfl.LayerVariable[];
} {
  const gate: tfl.LayerVariable[] = [];
  const rest: tfl.LayerVariable[] = [];
  for (const weight of model.trainableWeights) {
    // A Sequential that has not run yet lists its layers' weights unfiltered: skip frozen ones here.
    if (weight.trainable === false) continue;
    (isGateWeight(weight) ? gate : rest).push(weight);
  }
  return { gate, rest };
}

/** Positions of every gated layer's random streams, in `gatedLayers` order (for a checkpoint). */
export function noisePositions(model: LayerLike): number[][] {
  return gatedLayers(model).map((layer) => layer.noisePositions?.() ?? []);
}

/** Moves every gated layer's random streams to `noisePositions`' result, so a resumed run draws what an uninterrupted one would. */
export function seekNoise(model: LayerLike, positions: number[][]): void {
  const layers = gatedLayers(model);
  if (!Array.isArray(positions) || positions.length !== layers.length) {
    throw new InvalidArgumentError('positions', positions, `one list of stream positions per gated layer (${layers.length})`);
  }
  layers.forEach((layer, i) => {
    if (positions[i].length > 0) layer.seekNoise?.(positions[i]);
  });
}
