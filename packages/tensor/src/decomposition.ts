import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { RankSpec, TensorFormat } from './ranks.js';
import { product, resolveShapes } from './shapes.js';
import { truncatedSvd } from './truncated-svd.js';

/** Options shared by `ttSvd` and `trSvd`. */
export interface SvdOptions {
  /** Factorisation of the row count. Default: balanced `factorize(rows, order)`. */
  inShape?: readonly number[];
  /** Factorisation of the column count. Default: balanced `factorize(cols, order)`. */
  outShape?: readonly number[];
  /** Number of cores when no shape is given. Default: 3. */
  order?: number;
  /**
   * Rank cap: an integer for every bond or a full list of order + 1 ranks.
   * Without a tolerance the caps are the ranks returned (when the matrix has
   * that much rank). Default: no cap.
   */
  maxRank?: RankSpec;
  /**
   * Relative Frobenius error allowed, in [0, 1): each unfolding is truncated
   * to the smallest rank whose discarded energy fits the share of this
   * budget that the algorithm's error bound gives it. Default: 0 (exact up to maxRank).
   */
  tolerance?: number;
}

/** Cores of a decomposed matrix and what they are. Caller disposes `cores`. */
export interface TensorDecomposition {
  format: TensorFormat;
  inShape: number[];
  outShape: number[];
  ranks: number[];
  cores: tf.Tensor4D[];
  /** Upper bound of ||W - W_approx||_F / ||W||_F from the discarded singular values. */
  errorBound: number;
}

export interface PreparedMatrix {
  /** W as a d-way tensor with modes (m_k n_k), row-major, float64. */
  data: Float64Array;
  inShape: number[];
  outShape: number[];
  norm: number;
  tolerance: number;
}

function readMatrix(matrix: tf.Tensor2D | number[][]): { values: ArrayLike<number>; rows: number; cols: number } {
  if (matrix instanceof tf.Tensor) {
    if (matrix.rank !== 2) throw new InvalidArgumentError('matrix', matrix.shape, 'a 2-D matrix');
    // No float64 copy here: the interleaved tensor below is the only float64 copy of W.
    return { values: matrix.dataSync() as Float32Array, rows: matrix.shape[0], cols: matrix.shape[1] };
  }
  if (!Array.isArray(matrix) || matrix.length === 0 || !Array.isArray(matrix[0])) {
    throw new InvalidArgumentError('matrix', matrix, 'a 2-D tensor or a non-empty array of rows');
  }
  const cols = matrix[0].length;
  const values = new Float64Array(matrix.length * cols);
  matrix.forEach((row, i) => {
    if (row.length !== cols) throw new InvalidArgumentError(`matrix[${i}]`, row.length, `${cols} columns`);
    values.set(row, i * cols);
  });
  return { values, rows: matrix.length, cols };
}

/**
 * Reorders W [prod m, prod n] into the tensor with modes (m_1 n_1), ...,
 * (m_d n_d): entry ((i_1 j_1), ..., (i_d j_d)) = W[(i_1..i_d), (j_1..j_d)].
 * A TT/TR decomposition of this tensor is a TT/TR matrix of W.
 */
export function prepareMatrix(matrix: tf.Tensor2D | number[][], options: SvdOptions): PreparedMatrix {
  const tolerance = options.tolerance ?? 0;
  if (typeof tolerance !== 'number' || !(tolerance >= 0 && tolerance < 1)) {
    throw new InvalidArgumentError('tolerance', options.tolerance, 'a number in [0, 1)');
  }
  const { values, rows, cols } = readMatrix(matrix);
  const { inShape, outShape } = resolveShapes(rows, cols, options.inShape, options.outShape, options.order);
  const d = inShape.length;
  // Position of each row and column index in the interleaved tensor.
  const rowOffset = new Float64Array(rows);
  const colOffset = new Float64Array(cols);
  const strides = new Array<number>(d);
  let stride = 1;
  for (let k = d - 1; k >= 0; k--) {
    strides[k] = stride;
    stride *= inShape[k] * outShape[k];
  }
  for (let i = 0; i < rows; i++) {
    let rest = i;
    let offset = 0;
    for (let k = d - 1; k >= 0; k--) {
      offset += (rest % inShape[k]) * outShape[k] * strides[k];
      rest = Math.floor(rest / inShape[k]);
    }
    rowOffset[i] = offset;
  }
  for (let j = 0; j < cols; j++) {
    let rest = j;
    let offset = 0;
    for (let k = d - 1; k >= 0; k--) {
      offset += (rest % outShape[k]) * strides[k];
      rest = Math.floor(rest / outShape[k]);
    }
    colOffset[j] = offset;
  }
  const data = new Float64Array(rows * cols);
  let sq = 0;
  for (let i = 0; i < rows; i++) {
    const base = rowOffset[i];
    for (let j = 0; j < cols; j++) {
      const v = values[i * cols + j];
      data[base + colOffset[j]] = v;
      sq += v * v;
    }
  }
  return { data, inShape, outShape, norm: Math.sqrt(sq), tolerance };
}

/**
 * Per-bond rank caps [c_0..c_d] from a `maxRank` option (Infinity when
 * absent); `checkBoundary` applies the format's rule to a full list.
 */
export function rankCaps(
  spec: RankSpec | undefined,
  d: number,
  checkBoundary: (ranks: readonly number[], option: string) => void,
): number[] {
  if (spec == null) return new Array<number>(d + 1).fill(Infinity);
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1) throw new InvalidArgumentError('maxRank', spec, 'a positive integer or a list of ranks');
    return new Array<number>(d + 1).fill(spec);
  }
  if (!Array.isArray(spec) || spec.length !== d + 1 || !spec.every((r) => Number.isInteger(r) && r >= 1)) {
    throw new InvalidArgumentError('maxRank', spec, `a positive integer or a list of ${d + 1} positive integers`);
  }
  checkBoundary(spec, 'maxRank');
  return [...spec];
}

export function coreTensor(values: Float64Array, shape: number[]): tf.Tensor4D {
  if (values.length !== product(shape)) throw new Error(`internal: core of ${values.length} values for [${shape}]`);
  return tf.tensor4d(Float32Array.from(values), shape as [number, number, number, number]);
}

/**
 * The sweep TT-SVD and TR-SVD share: for modes k in [from, to), the
 * remainder `c` (rest entries) is unfolded as [ranks[k] * modes[k], rest /
 * modes[k]] and truncated by SVD (rank cap caps[k + 1], discarded energy
 * within delta^2); U becomes core k, S V^T the next remainder. Pushes each
 * new rank onto `ranks`.
 */
export function svdSweep(
  c: Float64Array,
  rest: number,
  modes: readonly number[],
  ranks: number[],
  range: { from: number; to: number },
  caps: readonly number[],
  delta: number,
): { cores: Float64Array[]; remainder: Float64Array; discarded: number } {
  const cores: Float64Array[] = [];
  let discarded = 0;
  for (let k = range.from; k < range.to; k++) {
    const cols = rest / modes[k];
    const svd = truncatedSvd(c, ranks[k] * modes[k], cols, { maxRank: caps[k + 1], delta });
    cores.push(svd.u);
    ranks.push(svd.rank);
    discarded += svd.discarded;
    c = svd.sv;
    rest = cols;
  }
  return { cores, remainder: c, discarded };
}
