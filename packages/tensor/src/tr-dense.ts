import * as tf from '@tensorflow/tfjs-core';
import { TensorizedDense, registerTensorizedDense, type TensorizedDenseArgs } from './tensorized-dense.js';
import { TENSOR_RING } from './tr-format.js';

export type TRDenseArgs = TensorizedDenseArgs;

/**
 * Drop-in replacement for `tf.layers.dense` whose kernel is a tensor-ring
 * matrix (Zhao et al. 2016; Pan et al. 2019): cores [r_k, m_k, n_k, r_{k+1}]
 * with r_0 = r_d = R, closed by a trace. Needs at least 2 cores.
 */
export class TRDense extends TensorizedDense {
  static className = 'TRDense';
  constructor(args: TRDenseArgs) {
    super(args, TENSOR_RING.name);
  }
}

tf.serialization.registerClass(TRDense);
registerTensorizedDense(TENSOR_RING.name, (args) => new TRDense(args));
