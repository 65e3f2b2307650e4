import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';

export const T = 4;
export const F = 5;
export const H = 6;
export const CLASSES = 3;

/**
 * A small VIBLSTM classifier. logD = -60 makes the gate noise about 1e-13
 * (numerically none) while the gates still train at ibLr and add a KL term:
 * runs with differently seeded workers can then be compared exactly. Pass
 * `logD: -3` for real noise (sigma about 0.2).
 */
export function smallModel(options: { klFac?: number; seed?: number; logD?: number; batchNorm?: boolean } = {}): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    new VIBLSTM({
      units: H,
      inputShape: [T, F],
      inputBottleneck: true,
      klFac: options.klFac ?? 1e-2,
      seed: options.seed ?? 5,
      logDInitializer: { className: 'Constant', config: { value: options.logD ?? -60 } },
    }),
  );
  if (options.batchNorm) model.add(tfl.layers.batchNormalization({ momentum: 0.9 }));
  model.add(tfl.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  model.build([null, T, F]);
  return model;
}

/** A batch of `batch` rows: inputs and one-hot labels (or integer labels). */
export function batchOf(batch: number, seed: number, integerLabels = false): { xs: tf.Tensor; ys: tf.Tensor } {
  return tf.tidy(() => {
    const xs = tf.randomNormal([batch, T, F], 0, 1, 'float32', seed);
    const labels = tf.cast(tf.mul(tf.randomUniform([batch], 0, 0.999, 'float32', seed + 1), CLASSES), 'int32');
    return { xs, ys: integerLabels ? labels : tf.oneHot(labels, CLASSES) };
  });
}
