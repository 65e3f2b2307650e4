import { InvalidArgumentError } from '@tfjs-compress/common';
import { factorizedFormat, type FactorizedFormat } from './factorized-format.js';
import { product } from './shapes.js';

/**
 * Name of a registered factorised-matrix format. The built-in ones are
 * listed; any name given to `registerFactorizedFormat` is accepted too.
 */
// `string & {}` keeps the built-in names as suggestions without closing the union.
export type TensorFormat = 'tensor-train' | 'tensor-ring' | 'block-term' | (string & {});

/**
 * Ranks as users give them: a positive integer (every inner bond, and for a
 * ring the closing bond too), a full list of ranks (`order + 1` for TT/TR),
 * or a number in (0, 1): the largest uniform rank whose cores hold at most
 * that fraction of the dense parameter count.
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

/** Checks that a TT/TR rank list has one rank per bond, `order + 1` in all. */
export function checkRankCount(ranks: readonly number[], order: number, option: string): void {
  if (ranks.length !== order + 1) throw new InvalidArgumentError(option, ranks, `${order + 1} ranks (order ${order} + 1)`);
}

/**
 * Resolves a `RankSpec` once into the format's full rank list: an integer
 * through `uniformRanks`, a list through `checkRanks`, a fraction as the
 * largest uniform rank within that share of the dense parameter count.
 * Example: tensor-train `4` over 4 cores is [1, 4, 4, 4, 1], tensor-ring `4` is [4, 4, 4, 4, 4].
 */
export function resolveRanks(
  format: TensorFormat | FactorizedFormat,
  inShape: readonly number[],
  outShape: readonly number[],
  spec: RankSpec | undefined | null,
  option = 'ranks',
): number[] {
  const f = typeof format === 'string' ? factorizedFormat(format) : format;
  const value = spec ?? DEFAULT_RANK;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1) return f.uniformRanks(value, inShape, outShape);
    if (value > 0 && value < 1) return ranksForFraction(f, inShape, outShape, value);
    throw new InvalidArgumentError(option, spec, 'a positive integer, a fraction in (0, 1) or a list of ranks');
  }
  if (!Array.isArray(value) || !value.every((r) => Number.isInteger(r) && r >= 1)) {
    throw new InvalidArgumentError(option, spec, 'a positive integer, a fraction in (0, 1) or a list of positive integers');
  }
  f.checkRanks(value, inShape, outShape, option);
  return [...value];
}

function ranksForFraction(
  format: FactorizedFormat,
  inShape: readonly number[],
  outShape: readonly number[],
  fraction: number,
): number[] {
  const budget = fraction * product(inShape) * product(outShape);
  const count = (ranks: number[]) => format.paramCount({ inShape, outShape, ranks });
  let best = format.uniformRanks(1, inShape, outShape);
  // Stop when over budget, or when the format lowers every rank already (more cannot help).
  for (let r = 2; r <= budget + 1; r++) {
    const ranks = format.uniformRanks(r, inShape, outShape);
    if (count(ranks) > budget || ranks.join(',') === best.join(',')) break;
    best = ranks;
  }
  return best;
}
