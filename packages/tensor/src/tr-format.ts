import { registerFactorizedFormat, type FactorizedFormat } from './factorized-format.js';
import { checkRankCount } from './ranks.js';
import { CORE_CHAIN } from './tt-matrix.js';
import { assertRingBoundary, trSvd } from './tr-svd.js';

/**
 * Tensor ring (Zhao et al. 2016): cores [r_k, m_k, n_k, r_{k+1}] with
 * r_0 = r_d = R, closed by a trace (R = 1 is a train). An integer rank
 * applies to every bond, the closing one included. A ring needs 2 cores
 * (the trace of a single core only sums R dense slices).
 */
export const TENSOR_RING: FactorizedFormat = {
  name: 'tensor-ring',
  tag: 'tr',
  minOrder: 2,
  uniformRanks(rank, inShape) {
    return new Array<number>(inShape.length + 1).fill(rank);
  },
  checkRanks(ranks, inShape, _outShape, option) {
    checkRankCount(ranks, inShape.length, option);
    assertRingBoundary(ranks, option);
  },
  ...CORE_CHAIN,
  decompose: trSvd,
};

registerFactorizedFormat(TENSOR_RING);
