import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Per axis, the positions to keep (null: the whole axis): how a weight, its
 * optimizer moments and any copy of it shrink together when units go.
 */
export type AxisIndices = Array<number[] | null>;

/**
 * `values` gathered along each axis that has an index list. A new tensor
 * (the caller disposes it), also when nothing is sliced.
 */
export function sliceWeight(values: tf.Tensor, indices: AxisIndices): tf.Tensor {
  return tf.tidy(() => {
    let out = values;
    indices.forEach((list, axis) => {
      if (list != null) out = tf.gather(out, tf.tensor1d(list, 'int32'), axis);
    });
    return out === values ? tf.clone(values) : out;
  });
}

/** The parts of tfjs-layers' `LayerVariable` that hold its value and shape (private in its typings). */
interface LayerVariableInternals {
  val: tf.Variable;
  shape: number[];
  name: string;
  trainable: boolean;
}

/**
 * Gives `variable` a value of another shape, in place: the same
 * `LayerVariable` object (held by the layer, the compiled model's
 * `collectedTrainableWeights` and the user's references) and the same
 * variable name (the key of optimizer state), only smaller. `LayerVariable.write`
 * refuses a new shape, so the backing `tf.Variable` is replaced: the old one
 * is disposed first, which frees its name in the engine's registry.
 */
export function resizeVariable(variable: tfl.LayerVariable, value: tf.Tensor): void {
  const internals = variable as unknown as LayerVariableInternals;
  const { name, trainable } = internals;
  internals.val.dispose();
  internals.val = tf.variable(value, trainable, name, 'float32');
  internals.shape = [...value.shape];
}

/** `variable` sliced in place along the axes that have index lists (see `resizeVariable`). */
export function sliceVariable(variable: tfl.LayerVariable, indices: AxisIndices): void {
  const sliced = sliceWeight(variable.read(), indices);
  resizeVariable(variable, sliced);
  sliced.dispose();
}
