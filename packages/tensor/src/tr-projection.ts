import type * as tf from '@tensorflow/tfjs-core';
import { registerProjection } from '@tfjs-compress/vib-rnn';
import { TensorizedProjection, projectionConfigFrom, registerTensorizedProjection, type TensorizedProjectionConfig } from './tensorized-projection.js';
import { TENSOR_RING } from './tr-format.js';

/**
 * Tensor-ring input projection for VIBLSTM / VIBGRU (TR-LSTM, TR-GRU).
 * Select it with `projection: {className: 'tensor-ring', config: {...}}`
 * or pass an instance.
 */
export class TRProjection extends TensorizedProjection {
  static readonly className = TENSOR_RING.name;
  readonly className = TRProjection.className;

  /** `initialCores` (e.g. from `trSvd`) become the starting weights; they are copied. */
  constructor(config: TensorizedProjectionConfig = {}, initialCores?: readonly tf.Tensor[]) {
    super(TENSOR_RING.name, config, initialCores);
  }
}

registerProjection(TRProjection.className, (config) => new TRProjection(projectionConfigFrom(config)));
registerTensorizedProjection(TENSOR_RING.name, (config, cores) => new TRProjection(config, cores));
