import * as tf from '@tensorflow/tfjs-core';
import type { NamedWireTensor, WireTensor } from './protocol.js';

/** A tensor from what crossed the thread boundary. */
export function toTensor(wire: WireTensor): tf.Tensor {
  return tf.tensor(wire.data, wire.shape, wire.dtype);
}

/** A tensor's contents under a name, ready to cross the thread boundary. */
export function toWire(name: string, tensor: tf.Tensor): NamedWireTensor {
  return { name, data: tensor.dataSync() as WireTensor['data'], shape: tensor.shape, dtype: tensor.dtype };
}
