import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';

/** The features that decide the class in `summedTask`. */
export const DECIDING = [1, 6, 10, 13];

/**
 * Gaussian sequences [samples, 8, 16]; the class is the deciding feature
 * (of four) with the largest sum over time. Twelve features are noise, so an
 * input bottleneck can drop three quarters of the inputs. Seeded.
 */
export function summedTask(samples: number, seed: number): { x: tf.Tensor3D; y: tf.Tensor1D; oneHot: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([samples, 8, 16], 0, 1, 'float32', seed) as tf.Tensor3D;
    const y = tf.argMax(tf.sum(tf.gather(x, DECIDING, 2), 1), 1) as tf.Tensor1D;
    return { x, y, oneHot: tf.oneHot(y, DECIDING.length) as tf.Tensor2D };
  });
}

/** VIBLSTM(units) with an input gate -> softmax head, seeded. */
export function gatedLstm(seed: number, units = 24): tfl.Sequential {
  return tfl.sequential({
    layers: [
      new VIBLSTM({ units, inputShape: [8, 16], inputBottleneck: true, seed }),
      tfl.layers.dense({ units: DECIDING.length, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}
