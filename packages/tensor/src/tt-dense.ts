import * as tf from '@tensorflow/tfjs-core';
import { TensorizedDense, type TensorizedDenseArgs } from './tensorized-dense.js';

export type TTDenseArgs = TensorizedDenseArgs;

/**
 * Drop-in replacement for `tf.layers.dense` whose kernel is a tensor-train
 * matrix (Novikov et al. 2015; Yang et al. 2017): cores
 * [r_k, m_k, n_k, r_{k+1}] with r_0 = r_d = 1.
 */
export class TTDense extends TensorizedDense {
  static className = 'TTDense';
  constructor(args: TTDenseArgs) {
    super(args, 'tensor-train');
  }
}

tf.serialization.registerClass(TTDense);
