import { DEFAULT_BT_BLOCKS } from './bt-format.js';
import { DEFAULT_FORMAT } from './factorized-matrix.js';
import { DEFAULT_RANK } from './ranks.js';
import { DEFAULT_ORDER } from './shapes.js';
import { DEFAULT_BIAS_INITIALIZER, DEFAULT_USE_BIAS, TENSORIZED_DENSE_DEFAULT_ACTIVATION } from './tensorized-dense.js';
import { DEFAULT_TR_RESTARTS, DEFAULT_TR_SWEEPS, DEFAULT_TR_SWEEPS_LARGE } from './tr-svd.js';

/**
 * Every default of the package, by the options it fills: shapes and ranks
 * of a factorised matrix, the format, the blocks an integer block-term rank
 * asks for, TR-SVD's ALS refinement, and the factorised dense layers.
 * Frozen: read it, pass options to change a value.
 */
export const TENSOR_DEFAULTS = Object.freeze({
  order: DEFAULT_ORDER,
  rank: DEFAULT_RANK,
  format: DEFAULT_FORMAT,
  blockTermBlocks: DEFAULT_BT_BLOCKS,
  trSvd: Object.freeze({ sweeps: DEFAULT_TR_SWEEPS, sweepsLarge: DEFAULT_TR_SWEEPS_LARGE, restarts: DEFAULT_TR_RESTARTS }),
  dense: Object.freeze({ activation: TENSORIZED_DENSE_DEFAULT_ACTIVATION, useBias: DEFAULT_USE_BIAS, biasInitializer: DEFAULT_BIAS_INITIALIZER }),
});
