import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';

/** Config keys that pin a layer to its old input shape. */
const SHAPE_KEYS = ['batchInputShape', 'inputShape', 'batchSize', 'inputDim', 'inputLength'];
/** Classes whose `inputDim` / `inputLength` are options of their own (an Embedding's vocabulary and sequence length). */
const OWN_INPUT_KEYS = new Set(['Embedding']);

/** A layer of a registered class from a config (shape keys removed). */
export function layerFromConfig(className: string, config: tf.serialization.ConfigDict): tfl.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry == null) {
    throw new InvalidArgumentError('layer class', className, 'a class registered with tf.serialization.registerClass');
  }
  const clean: tf.serialization.ConfigDict = { ...config };
  for (const key of SHAPE_KEYS) if (!(OWN_INPUT_KEYS.has(className) && (key === 'inputDim' || key === 'inputLength'))) delete clean[key];
  const [cls, fromConfig] = entry;
  return fromConfig(cls, clean) as unknown as tfl.layers.Layer;
}

/** A fresh, unbuilt copy of a layer (same class and options, same name). */
export function cloneLayer(layer: tfl.layers.Layer, overrides: tf.serialization.ConfigDict = {}): tfl.layers.Layer {
  return layerFromConfig(layer.getClassName(), { ...layer.getConfig(), ...overrides });
}

/** The current values of a layer's weights as plain arrays, in weight order. */
export function readWeights(layer: tfl.layers.Layer): { name: string; shape: number[]; values: Float32Array }[] {
  return layer.weights.map((w) => ({
    name: w.originalName ?? w.name,
    shape: [...(w.shape as number[])],
    values: (w.read().dataSync() as Float32Array).slice(),
  }));
}
