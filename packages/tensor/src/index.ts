export { DEFAULT_ORDER, factorize, product, resolveShapes, validateShape } from './shapes.js';
export {
  DEFAULT_RANK,
  TENSOR_FORMATS,
  coreParamCount,
  maxTTRanks,
  resolveRanks,
  type RankSpec,
  type TensorFormat,
} from './ranks.js';
export {
  checkCores,
  contract,
  contractionFlopsPerRow,
  coreShapes,
  coreStddev,
  glorotVariance,
  parameterCount,
  reconstruct,
  type TensorizedShape,
} from './tt-matrix.js';
export { type SvdOptions, type TensorDecomposition } from './decomposition.js';
export { ttSvd } from './tt-svd.js';
export {
  DEFAULT_TR_RESTARTS,
  DEFAULT_TR_SWEEPS,
  DEFAULT_TR_SWEEPS_LARGE,
  trSvd,
  type TrSvdOptions,
} from './tr-svd.js';
export {
  TENSORIZED_DENSE_DEFAULT_ACTIVATION,
  DEFAULT_BIAS_INITIALIZER,
  DEFAULT_USE_BIAS,
  TensorizedDense,
  type TensorizedDenseArgs,
} from './tensorized-dense.js';
export { TTDense, type TTDenseArgs } from './tt-dense.js';
export { TRDense, type TRDenseArgs } from './tr-dense.js';
export { TensorizedProjection, type TensorizedProjectionConfig } from './tensorized-projection.js';
export { TTProjection } from './tt-projection.js';
export { TRProjection } from './tr-projection.js';
export {
  DEFAULT_FORMAT,
  decompose,
  fromDense,
  projectionFromDense,
  type FromDenseOptions,
  type ProjectionFromDenseOptions,
} from './from-dense.js';

import { TRDense, type TRDenseArgs } from './tr-dense.js';
import { TTDense, type TTDenseArgs } from './tt-dense.js';

/** Factories in the style of `tf.layers.*`. */
export const ttDense = (args: TTDenseArgs): TTDense => new TTDense(args);
export const trDense = (args: TRDenseArgs): TRDense => new TRDense(args);
