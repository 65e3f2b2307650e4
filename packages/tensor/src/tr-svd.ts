import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { coreTensor, prepareMatrix, rankCaps, svdSweep, type SvdOptions, type TensorDecomposition } from './decomposition.js';
import { trAlsSweeps } from './tr-als.js';
import { singularValues, truncatedSvd } from './truncated-svd.js';
import { coreParamCount } from './ranks.js';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { seededRandom } from '@tfjs-compress/common';

/** ALS sweeps after TR-SVD when ranks are capped (`maxRank`), for tensors up to 1e6 entries. */
export const DEFAULT_TR_SWEEPS = 200;
/** ALS sweeps for larger tensors (each sweep costs about d * size * r^2 flops in JS). */
export const DEFAULT_TR_SWEEPS_LARGE = 3;
/** Restarts from a randomly rotated first split when ALS stalls above the target error (up to 1e6 entries; none above). */
export const DEFAULT_TR_RESTARTS = 3;
const LARGE = 1e6;

export interface TrSvdOptions extends SvdOptions {
  /**
   * Alternating-least-squares sweeps over the cores after TR-SVD (stops
   * early when a sweep no longer improves the fit). They repair the
   * non-unique first split, so that fixed ranks recover a matrix that has
   * them. Default: 200 when `maxRank` is given (3 above 1e6 entries), else 0.
   */
  sweeps?: number;
  /**
   * Further attempts from a randomly rotated first split while the error
   * stays above max(tolerance, 1e-6) (ALS can stall). Default: 3 up to 1e6
   * entries, 0 above (a 57,600 x 1,024 sweep takes several seconds).
   */
  restarts?: number;
  /** Seed of those rotations. Default: 1. */
  seed?: number;
}

/** A ring closes on itself: r_0 = r_d. */
export function assertRingBoundary(ranks: readonly number[], option: string): void {
  if (ranks[0] !== ranks[ranks.length - 1]) {
    throw new InvalidArgumentError(option, ranks, 'tensor-ring ranks whose first and last entries are equal');
  }
}

/**
 * Splits the first unfolding's rank R into r_0 * r_1 within the caps, as
 * balanced as possible (r_0 <= r_1); lowers R when no split fits.
 */
function splitBoundary(rank: number, cap0: number, cap1: number): [number, number] {
  for (let total = rank; total >= 1; total--) {
    let best: [number, number] | null = null;
    for (let a = 1; a * a <= total; a++) {
      if (total % a !== 0) continue;
      const b = total / a;
      for (const [r0, r1] of [[a, b], [b, a]] as const) {
        if (r0 <= cap0 && r1 <= cap1 && (best == null || Math.min(r0, r1) > Math.min(...best))) best = [r0, r1];
      }
    }
    if (best) return best;
  }
  return [1, 1];
}

/**
 * TR-SVD (Zhao et al. 2016, "Tensor ring decomposition") of a matrix as a
 * tensor-ring matrix. The first unfolding is truncated to a rank R_1 (cap
 * r_0 * r_1, tolerance share sqrt(2) * tolerance * ||W|| / sqrt(d)) that is
 * split as r_0 * r_1 (the given ranks, else the most balanced split); the
 * r_0 index is moved to the end of the remainder, which is then split like
 * TT-SVD (share tolerance * ||W|| / sqrt(d) each) so the last core closes
 * the ring.
 *
 * As the paper notes, the first split is not unique, and a generic split
 * raises the rank of the later unfoldings. With fixed ranks (`maxRank`),
 * `sweeps` of alternating least squares then refit every core at those
 * ranks. With a tolerance (d >= 3, up to 1e6 entries) the ring ranks are
 * also estimated from the unfoldings (`estimateRingRanks`) and fitted by
 * ALS; that result wins when it meets the tolerance with fewer parameters.
 * Otherwise the inner ranks may exceed the true ones (error within tolerance).
 *
 * @returns cores [r_k, m_k, n_k, r_{k+1}] with r_0 = r_d (caller disposes).
 */
export function trSvd(matrix: tf.Tensor2D | number[][], options: TrSvdOptions = {}): TensorDecomposition {
  const { data, inShape, outShape, norm, tolerance } = prepareMatrix(matrix, options);
  const d = inShape.length;
  if (d < 2) throw new InvalidArgumentError('inShape', inShape, 'at least 2 factors for a tensor ring');
  const caps = rankCaps(options.maxRank, d, assertRingBoundary);
  const large = data.length > LARGE;
  const sweeps = options.sweeps ?? (options.maxRank == null ? 0 : large ? DEFAULT_TR_SWEEPS_LARGE : DEFAULT_TR_SWEEPS);
  if (!Number.isInteger(sweeps) || sweeps < 0) throw new InvalidArgumentError('sweeps', options.sweeps, 'an integer >= 0');
  const restarts = options.restarts ?? (large ? 0 : DEFAULT_TR_RESTARTS);
  if (!Number.isInteger(restarts) || restarts < 0) {
    throw new InvalidArgumentError('restarts', options.restarts, 'an integer >= 0');
  }
  const modes = inShape.map((m, k) => m * outShape[k]);
  const seed = options.seed ?? 1;
  let fit = ringFit(data, modes, norm, caps, (tolerance * norm) / Math.sqrt(d), sweeps, restarts, seed, tolerance);
  if (options.maxRank == null && tolerance > 0 && d >= 3 && !large) {
    // TR-SVD's inner ranks can exceed the true ones; try the ranks read off the unfoldings, fitted by ALS.
    const estimate = estimateRingRanks(data, modes, tolerance * norm);
    const smaller = estimate && coreParamCount(modes, new Array<number>(d).fill(1), estimate) < coreParamCount(modes, new Array<number>(d).fill(1), fit.ranks);
    if (estimate && smaller) {
      const fixed = ringFit(data, modes, norm, estimate, 0, DEFAULT_TR_SWEEPS, DEFAULT_TR_RESTARTS, seed, tolerance);
      if (fixed.error <= tolerance) fit = fixed;
    }
  }
  const { ranks, coreValues, error } = fit;
  const cores = coreValues.map((values, k) => coreTensor(values, [ranks[k], inShape[k], outShape[k], ranks[k + 1]]));
  return { format: 'tensor-ring', inShape, outShape, ranks, cores, errorBound: error };
}

interface RingFit {
  ranks: number[];
  coreValues: Float64Array[];
  error: number;
}

/** TR-SVD within `caps` (truncation share `share` per inner unfolding), then ALS sweeps with restarts. */
function ringFit(
  data: Float64Array,
  modes: number[],
  norm: number,
  caps: number[],
  share: number,
  sweeps: number,
  restarts: number,
  seed: number,
  tolerance: number,
): RingFit {
  const d = modes.length;
  const firstMode = modes[0];
  const firstCols = data.length / firstMode;
  const boundaryCap = Math.min(caps[0] * caps[1], firstMode, firstCols);
  const first = truncatedSvd(data, firstMode, firstCols, { maxRank: boundaryCap, delta: Math.SQRT2 * share });
  const [r0, r1] = splitBoundary(first.rank, caps[0], caps[1]);
  const kept = r0 * r1;
  let firstDiscarded = first.discarded;
  for (let i = kept; i < first.rank; i++) firstDiscarded += first.singularValues[i] ** 2;
  const random = seededRandom(seed);
  let best: RingFit | null = null;
  for (let attempt = 0; attempt <= (sweeps > 0 ? restarts : 0); attempt++) {
    // Attempt 0 splits the SVD basis as is; restarts rotate it at random, since ALS can stall in a swamp.
    const rotation = attempt === 0 ? null : randomOrthogonal(kept, random);
    const split = splitRing(first.u, first.sv, first.rank, kept, r0, r1, firstMode, firstCols, rotation);
    const ranks = [r0, r1];
    const sweep = svdSweep(split.remainder, firstCols * r0, modes, ranks, { from: 1, to: d - 1 }, caps, share);
    const coreValues: Float64Array[] = [split.core0, ...sweep.cores, sweep.remainder];
    const discarded = firstDiscarded + sweep.discarded;
    ranks.push(r0);
    let error = norm > 0 ? Math.sqrt(discarded) / norm : 0;
    if (sweeps > 0 && error > 1e-7) {
      // ALS never increases the error, and returns it exactly.
      error = Math.min(error, trAlsSweeps(data, modes, ranks, coreValues, sweeps, norm * norm));
    }
    if (best == null || error < best.error) best = { ranks, coreValues, error };
    if (best.error <= Math.max(tolerance, 1e-6)) break;
  }
  return best!;
}

/**
 * Ring ranks read off the unfoldings (d >= 3). Grouping the contiguous modes
 * i..j-1 against the rest cuts the ring at bonds i and j, so that unfolding
 * generically has rank r_i * r_j; three bonds give r_k^2 = R(k,i) R(k,j) / R(i,j)
 * (geometric mean over the usable pairs; a full-rank unfolding is not
 * usable). Numerical ranks use the whole error budget `delta`. Returns null
 * when some rank cannot be estimated; the caller checks the fit in any case.
 */
function estimateRingRanks(data: Float64Array, modes: number[], delta: number): number[] | null {
  const d = modes.length;
  const pair = (i: number, j: number): number => {
    const [lo, hi] = i < j ? [i, j] : [j, i];
    const before = modes.slice(0, lo).reduce((a, b) => a * b, 1);
    const block = modes.slice(lo, hi).reduce((a, b) => a * b, 1);
    const after = data.length / (before * block);
    // Unfolding [block, (after, before)]: a copy with the block's modes first.
    const m = new Float64Array(data.length);
    for (let x = 0; x < before; x++) {
      for (let b = 0; b < block; b++) {
        const src = (x * block + b) * after;
        for (let y = 0; y < after; y++) m[(b * after + y) * before + x] = data[src + y];
      }
    }
    const sigma = singularValues(m, block, after * before);
    let rank = sigma.length;
    let tail = 0;
    while (rank > 1 && tail + sigma[rank - 1] ** 2 <= delta * delta) tail += sigma[--rank] ** 2;
    // A full-rank unfolding only bounds r_i * r_j from below: unusable.
    return rank < sigma.length ? rank : NaN;
  };
  const r = new Map<string, number>();
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) r.set(`${i},${j}`, pair(i, j));
  const R = (i: number, j: number) => r.get(i < j ? `${i},${j}` : `${j},${i}`)!;
  const ranks: number[] = [];
  for (let k = 0; k < d; k++) {
    let logSum = 0;
    let count = 0;
    for (let i = 0; i < d; i++) {
      for (let j = i + 1; j < d; j++) {
        if (i === k || j === k) continue;
        const value = 0.5 * Math.log((R(k, i) * R(k, j)) / R(i, j));
        if (!Number.isFinite(value)) continue;
        logSum += value;
        count++;
      }
    }
    if (count === 0) return null;
    const estimate = Math.max(1, Math.round(Math.exp(logSum / count)));
    ranks.push(estimate);
  }
  ranks.push(ranks[0]);
  return ranks;
}

function randomOrthogonal(size: number, random: () => number): Matrix {
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const values = Array.from({ length: size }, () => Array.from({ length: size }, gaussian));
  return new QrDecomposition(new Matrix(values)).orthogonalMatrix;
}

/**
 * Core 0 [r0, s_0, r1] and the remainder [r1, cols, r0] from the first
 * unfolding's U [s_0, rank] and S V^T [rank, cols] (first `kept` columns),
 * optionally rotated by an orthogonal Q (U Q, Q^T S V^T).
 */
function splitRing(
  u: Float64Array,
  sv: Float64Array,
  rank: number,
  kept: number,
  r0: number,
  r1: number,
  rows: number,
  cols: number,
  rotation: Matrix | null,
): { core0: Float64Array; remainder: Float64Array } {
  const q = rotation?.to2DArray();
  const uAt = (s: number, j: number): number => {
    if (!q) return u[s * rank + j];
    let v = 0;
    for (let i = 0; i < kept; i++) v += u[s * rank + i] * q[i][j];
    return v;
  };
  const core0 = new Float64Array(r0 * rows * r1);
  for (let s = 0; s < rows; s++) {
    for (let a = 0; a < r0; a++) {
      for (let b = 0; b < r1; b++) core0[(a * rows + s) * r1 + b] = uAt(s, a * r1 + b);
    }
  }
  const remainder = new Float64Array(r1 * cols * r0);
  for (let a = 0; a < r0; a++) {
    for (let b = 0; b < r1; b++) {
      const j = a * r1 + b;
      for (let t = 0; t < cols; t++) {
        let v = 0;
        if (!q) v = sv[j * cols + t];
        else for (let i = 0; i < kept; i++) v += q[i][j] * sv[i * cols + t];
        remainder[(b * cols + t) * r0 + a] = v;
      }
    }
  }
  return { core0, remainder };
}
