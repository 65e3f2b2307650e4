import { InvalidArgumentError } from '@tfjs-compress/common';
import { product } from './shapes.js';

/** The two tensorised matrix formats. */
export type TensorFormat = 'tensor-train' | 'tensor-ring';
export const TENSOR_FORMATS: readonly TensorFormat[] = ['tensor-train', 'tensor-ring'];

/**
 * Ranks as users give them: a positive integer (every inner bond, and for a
 * ring the closing bond too), a full list of `order + 1` ranks, or a number
 * in (0, 1): the largest uniform rank whose cores hold at most that fraction
 * of the dense parameter count.
 */
export type RankSpec = number | readonly number[];

/** Rank used when none is given. Default: 8. */
export const DEFAULT_RANK = 8;

/** Number of core parameters of a TT/TR matrix: sum over k of r_k m_k n_k r_{k+1}. */
export function coreParamCount(inShape: readonly number[], outShape: readonly number[], ranks: readonly number[]): number {
  let total = 0;
  for (let k = 0; k < inShape.length; k++) total += ranks[k] * inShape[k] * outShape[k] * ranks[k + 1];
  return total;
}

/**
 * Largest useful tensor-train rank of each bond: bond k (between cores k-1
 * and k) cannot usefully exceed min(prod_{i<k} m_i n_i, prod_{i>=k} m_i n_i),
 * the rank of the matching unfolding of the full matrix. Boundaries are 1.
 */
export function maxTTRanks(inShape: readonly number[], outShape: readonly number[]): number[] {
  const d = inShape.length;
  const modes = inShape.map((m, k) => m * outShape[k]);
  const ranks = [1];
  for (let k = 1; k < d; k++) ranks.push(Math.min(product(modes.slice(0, k)), product(modes.slice(k))));
  ranks.push(1);
  return ranks;
}

function uniformRanks(format: TensorFormat, d: number, rank: number, caps: number[] | null): number[] {
  if (format === 'tensor-ring') return new Array<number>(d + 1).fill(rank);
  return Array.from({ length: d + 1 }, (_, k) => (k === 0 || k === d ? 1 : Math.min(rank, caps![k])));
}

/**
 * Resolves a `RankSpec` once into the full list [r_0, ..., r_d].
 *
 * Conventions: tensor-train has r_0 = r_d = 1 and an integer rank is reduced
 * at each bond to `maxTTRanks` (a larger rank adds parameters but cannot
 * represent more; an explicit list above it is rejected instead). A tensor
 * ring has r_0 = r_d = R, closed by a trace; R = 1 is a tensor train.
 */
export function resolveRanks(
  format: TensorFormat,
  inShape: readonly number[],
  outShape: readonly number[],
  spec: RankSpec | undefined | null,
  option = 'ranks',
): number[] {
  const d = inShape.length;
  const caps = format === 'tensor-train' ? maxTTRanks(inShape, outShape) : null;
  const value = spec ?? DEFAULT_RANK;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1) return uniformRanks(format, d, value, caps);
    if (value > 0 && value < 1) return ranksForFraction(format, inShape, outShape, value, caps);
    throw new InvalidArgumentError(option, spec, 'a positive integer, a fraction in (0, 1) or a list of ranks');
  }
  if (!Array.isArray(value) || !value.every((r) => Number.isInteger(r) && r >= 1)) {
    throw new InvalidArgumentError(option, spec, 'a positive integer, a fraction in (0, 1) or a list of positive integers');
  }
  if (value.length !== d + 1) {
    throw new InvalidArgumentError(option, spec, `${d + 1} ranks (order ${d} + 1)`);
  }
  if (format === 'tensor-train') {
    if (value[0] !== 1 || value[d] !== 1) {
      throw new InvalidArgumentError(option, spec, 'tensor-train ranks that start and end with 1');
    }
    const over = value.findIndex((r, k) => r > caps![k]);
    if (over >= 0) {
      throw new InvalidArgumentError(option, spec, `ranks no larger than the full ranks [${caps!.join(', ')}]`);
    }
  } else if (value[0] !== value[d]) {
    throw new InvalidArgumentError(option, spec, 'tensor-ring ranks whose first and last entries are equal');
  }
  return [...value];
}

function ranksForFraction(
  format: TensorFormat,
  inShape: readonly number[],
  outShape: readonly number[],
  fraction: number,
  caps: number[] | null,
): number[] {
  const budget = fraction * product(inShape) * product(outShape);
  const limit = caps ? Math.max(...caps) : Math.ceil(Math.sqrt(budget)) + 1;
  let best = uniformRanks(format, inShape.length, 1, caps);
  for (let r = 2; r <= limit; r++) {
    const ranks = uniformRanks(format, inShape.length, r, caps);
    if (coreParamCount(inShape, outShape, ranks) > budget) break;
    best = ranks;
  }
  return best;
}
