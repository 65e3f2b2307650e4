import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Copies of a model's weights, keyed by variable: freezing gates moves them between lists, reordering `weights`. */
export type WeightSnapshot = Array<{ variable: tfl.LayerVariable; value: tf.Tensor }>;

export function takeSnapshot(model: { weights: tfl.LayerVariable[] }): WeightSnapshot {
  return model.weights.map((variable) => ({ variable, value: tf.clone(variable.read()) }));
}

/** Writes the snapshot back into the variables it was taken from (the snapshot stays valid). */
export function restoreSnapshot(snapshot: WeightSnapshot): void {
  for (const { variable, value } of snapshot) variable.write(value);
}

export function disposeSnapshot(snapshot: WeightSnapshot | null): void {
  if (snapshot) tf.dispose(snapshot.map((w) => w.value));
}
