import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VIBTrainer } from '@tfjs-compress/vib';

export interface PlainTrainingOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

/**
 * Trains a model without gates (the plain baseline, and the pre-trained
 * model of the second route): Adam at `lr`, seeded batch order.
 */
export function trainPlain(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, o: PlainTrainingOptions): void {
  const trainer = new VIBTrainer(model, { lr: o.lr });
  const count = x.shape[0];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = tf.tidy(() => tf.topk(tf.randomUniform([count], 0, 1, 'float32', o.seed * 1000 + epoch), count).indices.dataSync());
    let loss = 0;
    let batches = 0;
    for (let start = 0; start < count; start += o.batchSize) {
      const indices = tf.tensor1d(order.slice(start, start + o.batchSize), 'int32');
      const xb = tf.gather(x, indices);
      const yb = tf.gather(y, indices);
      loss += trainer.trainOnBatch(xb, yb);
      batches++;
      tf.dispose([indices, xb, yb]);
    }
    o.onEpoch?.(epoch + 1, loss / batches);
  }
  trainer.dispose();
}

