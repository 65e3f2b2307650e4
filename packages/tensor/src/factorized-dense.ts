import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_FORMAT } from './factorized-matrix.js';
import type { TensorFormat } from './ranks.js';
import { TensorizedDense, type TensorizedDenseArgs } from './tensorized-dense.js';

export interface FactorizedDenseArgs extends TensorizedDenseArgs {
  /** A registered format's name. Default: 'tensor-train'. */
  format?: TensorFormat;
}

/**
 * Drop-in replacement for `tf.layers.dense` whose kernel is in any
 * registered format, named in its config; a format needs no layer class of
 * its own. (TTDense and TRDense are the built-in formats' own classes.)
 */
export class FactorizedDense extends TensorizedDense {
  static className = 'FactorizedDense';
  constructor(args: FactorizedDenseArgs) {
    super(args, args.format ?? DEFAULT_FORMAT);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), format: this.format };
  }
}

tf.serialization.registerClass(FactorizedDense);
