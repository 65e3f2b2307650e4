import {
  DEFAULT_BIAS_INITIALIZER,
  DEFAULT_KERNEL_INITIALIZER,
  DEFAULT_PROJECTION,
  DEFAULT_RECURRENT_ACTIVATION,
  DEFAULT_RECURRENT_INITIALIZER,
  RECURRENT_DEFAULT_ACTIVATION,
} from './vib-recurrent-cell.js';

/** The defaults of VIBLSTM / VIBGRU and their cells that tfjs's LSTM / GRU share, and the input projection. Frozen. */
export const VIB_RNN_DEFAULTS = Object.freeze({
  activation: RECURRENT_DEFAULT_ACTIVATION,
  recurrentActivation: DEFAULT_RECURRENT_ACTIVATION,
  kernelInitializer: DEFAULT_KERNEL_INITIALIZER,
  recurrentInitializer: DEFAULT_RECURRENT_INITIALIZER,
  biasInitializer: DEFAULT_BIAS_INITIALIZER,
  projection: DEFAULT_PROJECTION,
});
