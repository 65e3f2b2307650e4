import type * as tf from '@tensorflow/tfjs-core';
import { registerProjection } from '@tfjs-compress/vib-rnn';
import { TensorizedProjection, projectionConfigFrom, registerTensorizedProjection, type TensorizedProjectionConfig } from './tensorized-projection.js';
import { TENSOR_TRAIN } from './tt-format.js';

/**
 * Tensor-train input projection for VIBLSTM / VIBGRU (TT-LSTM, TT-GRU).
 * Select it with `projection: {className: 'tensor-train', config: {...}}`
 * or pass an instance.
 */
export class TTProjection extends TensorizedProjection {
  static readonly className = TENSOR_TRAIN.name;
  readonly className = TTProjection.className;

  /** `initialCores` (e.g. from `ttSvd`) become the starting weights; they are copied. */
  constructor(config: TensorizedProjectionConfig = {}, initialCores?: readonly tf.Tensor[]) {
    super(TENSOR_TRAIN.name, config, initialCores);
  }
}

registerProjection(TTProjection.className, (config) => new TTProjection(projectionConfigFrom(config)));
registerTensorizedProjection(TENSOR_TRAIN.name, (config, cores) => new TTProjection(config, cores));
