import type * as tf from '@tensorflow/tfjs-core';
import { registerProjection } from '@tfjs-compress/vib-rnn';
import { TensorizedProjection, projectionConfigFrom, type TensorizedProjectionConfig } from './tensorized-projection.js';

/**
 * Tensor-train input projection for VIBLSTM / VIBGRU (TT-LSTM, TT-GRU).
 * Select it with `projection: {className: 'tensor-train', config: {...}}`
 * or pass an instance.
 */
export class TTProjection extends TensorizedProjection {
  static readonly className = 'tensor-train';
  readonly className = TTProjection.className;

  /** `initialCores` (e.g. from `ttSvd`) become the starting weights; they are copied. */
  constructor(config: TensorizedProjectionConfig = {}, initialCores?: readonly tf.Tensor[]) {
    super('tensor-train', config, initialCores);
  }
}

registerProjection(TTProjection.className, (config) => new TTProjection(projectionConfigFrom(config)));
