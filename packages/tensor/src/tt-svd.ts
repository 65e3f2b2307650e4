import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { coreTensor, prepareMatrix, rankCaps, svdSweep, type SvdOptions, type TensorDecomposition } from './decomposition.js';

/** A train is open at both ends: r_0 = r_d = 1. */
export function assertTrainBoundary(ranks: readonly number[], option: string): void {
  if (ranks[0] !== 1 || ranks[ranks.length - 1] !== 1) {
    throw new InvalidArgumentError(option, ranks, 'tensor-train ranks that start and end with 1');
  }
}

/**
 * TT-SVD (Oseledets 2011) of a matrix as a tensor-train matrix: the
 * interleaved tensor is unfolded mode by mode, each unfolding truncated by
 * SVD (rank cap, or discarded energy <= (tolerance ||W|| / sqrt(d - 1))^2,
 * which bounds the total relative error by `tolerance`).
 *
 * @param matrix W [prod inShape, prod outShape] (a tensor, e.g. a dense kernel, or rows of numbers).
 * @returns cores [r_k, m_k, n_k, r_{k+1}] with r_0 = r_d = 1 (caller disposes).
 * @throws InvalidArgumentError for shapes that do not multiply to W's sizes, or bad ranks/tolerance.
 */
export function ttSvd(matrix: tf.Tensor2D | number[][], options: SvdOptions = {}): TensorDecomposition {
  const { data, inShape, outShape, norm, tolerance } = prepareMatrix(matrix, options);
  const d = inShape.length;
  const caps = rankCaps(options.maxRank, d, assertTrainBoundary);
  const delta = d > 1 ? (tolerance * norm) / Math.sqrt(d - 1) : 0;
  const ranks = [1];
  const modes = inShape.map((m, k) => m * outShape[k]);
  const sweep = svdSweep(data, data.length, modes, ranks, { from: 0, to: d - 1 }, caps, delta);
  const coreValues = [...sweep.cores, sweep.remainder];
  const discarded = sweep.discarded;
  ranks.push(1);
  const cores = coreValues.map((values, k) => coreTensor(values, [ranks[k], inShape[k], outShape[k], ranks[k + 1]]));
  return {
    format: 'tensor-train',
    inShape,
    outShape,
    ranks,
    cores,
    errorBound: norm > 0 ? Math.sqrt(discarded) / norm : 0,
  };
}
