import type * as tf from '@tensorflow/tfjs-core';
import { registerProjection } from '@tfjs-compress/vib-rnn';
import { DEFAULT_FORMAT } from './factorized-matrix.js';
import type { TensorFormat } from './ranks.js';
import { TensorizedProjection, projectionConfigFrom, type TensorizedProjectionConfig } from './tensorized-projection.js';

export interface FactorizedProjectionConfig extends TensorizedProjectionConfig {
  /** A registered format's name. Default: 'tensor-train'. */
  format?: TensorFormat;
}

/**
 * Input projection for VIBLSTM / VIBGRU in any registered format, named in
 * its config: `projection: {className: 'factorized', config: {format, ...}}`.
 * (TTProjection and TRProjection are the built-in formats' own classes.)
 */
export class FactorizedProjection extends TensorizedProjection {
  static readonly className = 'factorized';
  readonly className = FactorizedProjection.className;

  /** `initialCores` (e.g. from `FactorizedMatrix.fromDense`) become the starting weights; they are copied. */
  constructor(config: FactorizedProjectionConfig = {}, initialCores?: readonly tf.Tensor[]) {
    const { format, ...rest } = config;
    super(format ?? DEFAULT_FORMAT, rest, initialCores);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), format: this.format };
  }
}

registerProjection(FactorizedProjection.className, (config) => new FactorizedProjection(projectionConfigFrom(config)));
