import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';

/**
 * The activations tfjs-layers accepts by name. tfjs keeps its lookup private,
 * so the cells resolve names here; formulas match tfjs-layers 4.22 exactly
 * (hardSigmoid is clip(0.2 x + 0.5, 0, 1)).
 */
const ACTIVATIONS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  hardSigmoid: (x) => tf.clipByValue(tf.add(tf.mul(0.2, x), 0.5), 0, 1),
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.clipByValue(tf.relu(x), 0, 6),
  linear: (x) => x,
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  softsign: (x) => tf.div(x, tf.add(1, tf.abs(x))),
  softplus: (x) => tf.softplus(x),
  swish: (x) => tf.mul(x, tf.sigmoid(x)),
};

export type ActivationName = keyof typeof ACTIVATIONS;
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS);

export function resolveActivation(name: string, option: string): (x: tf.Tensor) => tf.Tensor {
  const fn = ACTIVATIONS[name];
  if (fn == null) throw new InvalidArgumentError(option, name, `one of ${ACTIVATION_NAMES.join(', ')}`);
  return fn;
}
