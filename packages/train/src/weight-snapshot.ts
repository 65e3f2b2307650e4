import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';

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

/**
 * Copies of the snapshot's values named `prefix` + the weight's saved name
 * (`layer/weight`, as `model.save` writes it): variable names get `_N`
 * suffixes when a model is loaded again, saved names do not.
 */
export function snapshotTensors(snapshot: WeightSnapshot, prefix: string): tf.NamedTensorMap {
  return Object.fromEntries(snapshot.map(({ variable, value }) => [prefix + variable.originalName, tf.clone(value)]));
}

/** The snapshot `snapshotTensors` wrote, bound to `model`'s variables (copies; `tensors` stay the caller's). */
export function snapshotFromTensors(model: { weights: tfl.LayerVariable[] }, tensors: tf.NamedTensorMap, prefix: string): WeightSnapshot {
  return model.weights.map((variable) => {
    const value = tensors[prefix + variable.originalName];
    if (value == null || !tf.util.arraysEqual(value.shape, variable.shape as number[])) {
      throw new InvalidArgumentError(`tensors['${prefix}${variable.originalName}']`, value?.shape ?? value, `a saved weight of shape [${variable.shape}]`);
    }
    return { variable, value: tf.clone(value) };
  });
}
