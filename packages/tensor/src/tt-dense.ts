import * as tf from '@tensorflow/tfjs-core';
import { TensorizedDense, registerTensorizedDense, type TensorizedDenseArgs } from './tensorized-dense.js';
import { TENSOR_TRAIN } from './tt-format.js';

export type TTDenseArgs = TensorizedDenseArgs;

/**
 * Drop-in replacement for `tf.layers.dense` whose kernel is a tensor-train
 * matrix (Novikov et al. 2015; Yang et al. 2017): cores
 * [r_k, m_k, n_k, r_{k+1}] with r_0 = r_d = 1.
 */
export class TTDense extends TensorizedDense {
  static className = 'TTDense';
  constructor(args: TTDenseArgs) {
    super(args, TENSOR_TRAIN.name);
  }
}

tf.serialization.registerClass(TTDense);
registerTensorizedDense(TENSOR_TRAIN.name, (args) => new TTDense(args));
