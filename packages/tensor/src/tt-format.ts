import { InvalidArgumentError } from '@tfjs-compress/common';
import { registerFactorizedFormat, type FactorizedFormat } from './factorized-format.js';
import { checkRankCount, maxTTRanks } from './ranks.js';
import { CORE_CHAIN } from './tt-matrix.js';
import { assertTrainBoundary, ttSvd } from './tt-svd.js';

/**
 * Tensor train (Oseledets 2011; Novikov et al. 2015): cores
 * [r_k, m_k, n_k, r_{k+1}] with r_0 = r_d = 1. An integer rank is lowered at
 * each bond to `maxTTRanks` (more adds parameters but represents nothing
 * more, and TT-SVD never returns more); a list above those is refused.
 */
export const TENSOR_TRAIN: FactorizedFormat = {
  name: 'tensor-train',
  tag: 'tt',
  minOrder: 1,
  uniformRanks(rank, inShape, outShape) {
    return maxTTRanks(inShape, outShape).map((cap) => Math.min(rank, cap));
  },
  checkRanks(ranks, inShape, outShape, option) {
    checkRankCount(ranks, inShape.length, option);
    assertTrainBoundary(ranks, option);
    const caps = maxTTRanks(inShape, outShape);
    if (ranks.some((r, k) => r > caps[k])) {
      throw new InvalidArgumentError(option, ranks, `ranks no larger than the full ranks [${caps.join(', ')}]`);
    }
  },
  ...CORE_CHAIN,
  decompose: ttSvd,
};

registerFactorizedFormat(TENSOR_TRAIN);
