import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { InvalidArgumentError, assertPositiveInteger, seededRandom } from '@tfjs-compress/common';

export interface ShuffledBatches {
  /** `{xs, ys}` batches, a new seeded order every epoch, without end: fit it with `batchesPerEpoch`. */
  dataset: tfd.Dataset<tf.TensorContainer>;
  batchesPerEpoch: number;
}

/**
 * Mini-batches of in-memory tensors for `model.fitDataset`, in an order that
 * depends only on `seed` and the epoch: `model.fit`'s own shuffle draws from
 * `Math.random`, so two runs never see the same batches. The stream goes on
 * across epochs (fitDataset with `batchesPerEpoch` does not restart it), and
 * fitDataset disposes each batch after its step. `mapLabels` turns a batch's
 * labels into what the loss wants (e.g. one-hot).
 */
export function shuffledBatches(
  x: tf.Tensor,
  y: tf.Tensor,
  options: { batchSize: number; seed: number; mapLabels?: (y: tf.Tensor) => tf.Tensor },
): ShuffledBatches {
  const { batchSize, seed, mapLabels } = options;
  assertPositiveInteger(batchSize, 'batchSize');
  const count = x.shape[0];
  if (y.shape[0] !== count) throw new InvalidArgumentError('y', `${y.shape[0]} samples`, `as many samples as x (${count})`);
  const dataset = tfd.generator(function* () {
    for (let epoch = 0; ; epoch++) {
      const random = seededRandom(seed * 7919 + epoch);
      const order = Int32Array.from({ length: count }, (_, i) => i);
      for (let i = count - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let start = 0; start < count; start += batchSize) {
        yield tf.tidy(() => {
          const indices = tf.tensor1d(order.subarray(start, start + batchSize), 'int32');
          const ys = tf.gather(y, indices);
          return { xs: tf.gather(x, indices), ys: mapLabels ? mapLabels(ys) : ys };
        });
      }
    }
  });
  return { dataset, batchesPerEpoch: Math.ceil(count / batchSize) };
}
