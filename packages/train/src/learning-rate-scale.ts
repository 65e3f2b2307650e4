import type * as tf from '@tensorflow/tfjs-core';
import { VIBOptimizer } from './vib-optimizer.js';

type RatedOptimizer = tf.Optimizer & { learningRate?: unknown; setLearningRate?: (rate: number) => void };

/**
 * Scales the learning rate of whatever optimizer a model was compiled with:
 * `VIBOptimizer` (both rates), tfjs's SGD and momentum (`setLearningRate`,
 * which also rebuilds their cached step scalar) and the optimizers that read
 * their `learningRate` field at every step (Adam, Adamax, RMSProp, Adagrad,
 * Adadelta). The first call remembers the rate that scale 1 means.
 */
export class LearningRateScaler {
  private base = new WeakMap<tf.Optimizer, number>();

  /** False for an optimizer without a numeric learning rate (left as it is). */
  apply(optimizer: tf.Optimizer | undefined, scale: number): boolean {
    if (optimizer == null) return false;
    if (optimizer instanceof VIBOptimizer) {
      optimizer.setLearningRateScale(scale);
      return true;
    }
    const rated = optimizer as RatedOptimizer;
    if (typeof rated.learningRate !== 'number') return false;
    if (!this.base.has(optimizer)) this.base.set(optimizer, rated.learningRate);
    const rate = this.base.get(optimizer)! * scale;
    if (typeof rated.setLearningRate === 'function') rated.setLearningRate(rate);
    else rated.learningRate = rate;
    return true;
  }
}
