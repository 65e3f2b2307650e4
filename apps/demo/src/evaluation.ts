import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { gatedLayers } from '@tfjs-compress/vib';
import type { VIBRecurrentLayer } from '@tfjs-compress/vib-rnn';

/** Accuracy of a model's argmax against int labels, in batches. */
export function accuracy(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor1D, batchSize = 256): number {
  let correct = 0;
  for (let start = 0; start < x.shape[0]; start += batchSize) {
    const size = Math.min(batchSize, x.shape[0] - start);
    correct += tf.tidy(() => {
      const xb = tf.slice(x, start, size);
      const predicted = tf.argMax(model.predict(xb) as tf.Tensor, -1);
      return tf.sum(tf.cast(tf.equal(predicted, tf.slice(y, start, size)), 'int32')).dataSync()[0];
    });
  }
  return correct / x.shape[0];
}

export function recurrentLayer(model: tfl.LayersModel): VIBRecurrentLayer {
  const layer = gatedLayers(model).find((l) => 'prunableUnits' in l);
  if (layer == null) throw new Error('the model has no VIB recurrent layer');
  return layer as unknown as VIBRecurrentLayer;
}
