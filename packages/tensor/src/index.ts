export { factorize, product, resolveShapes, validateShape } from './shapes.js';
export {
  checkRankCount,
  coreParamCount,
  maxTTRanks,
  resolveRanks,
  type RankSpec,
  type TensorFormat,
} from './ranks.js';
export {
  factorizedFormat,
  factorizedFormatNames,
  registerFactorizedFormat,
  type FactorizedDecomposition,
  type FactorizedFormat,
  type TensorizedShape,
} from './factorized-format.js';
export { TENSOR_TRAIN } from './tt-format.js';
export { TENSOR_RING } from './tr-format.js';
export { BLOCK_TERM, blockTermDecomposition } from './bt-format.js';
export {
  FactorizedMatrix,
  type CoreSource,
  type FactorizedFromDenseOptions,
  type FactorizedMatrixOptions,
} from './factorized-matrix.js';
export {
  CORE_CHAIN,
  checkCores,
  contract,
  contractionFlopsPerRow,
  coreShapes,
  coreStddev,
  glorotVariance,
  parameterCount,
  reconstruct,
} from './tt-matrix.js';
export { type SvdOptions, type TensorDecomposition } from './decomposition.js';
export { assertTrainBoundary, ttSvd } from './tt-svd.js';
export {
  assertRingBoundary,
  trSvd,
  type TrSvdOptions,
} from './tr-svd.js';
export {
  TensorizedDense,
  registerTensorizedDense,
  tensorizedDenseFactory,
  type TensorizedDenseArgs,
  type TensorizedDenseFactory,
} from './tensorized-dense.js';
export { TTDense, type TTDenseArgs } from './tt-dense.js';
export { TRDense, type TRDenseArgs } from './tr-dense.js';
export {
  TensorizedProjection,
  registerTensorizedProjection,
  tensorizedProjectionFactory,
  type TensorizedProjectionConfig,
  type TensorizedProjectionFactory,
} from './tensorized-projection.js';
export { TTProjection } from './tt-projection.js';
export { FactorizedDense, type FactorizedDenseArgs } from './factorized-dense.js';
export { FactorizedProjection, type FactorizedProjectionConfig } from './factorized-projection.js';
export { TRProjection } from './tr-projection.js';
export {
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
// Last: its imports would otherwise register block-term before the formats above.
export { TENSOR_DEFAULTS } from './defaults.js';
