import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { FactorizedFormat, TensorizedShape } from './factorized-format.js';
import { coreParamCount } from './ranks.js';
import { product } from './shapes.js';

/**
 * Core math of a tensor-train / tensor-ring matrix, independent of layers.
 *
 * A matrix W of size M x N, M = prod m_k, N = prod n_k, is held as d cores
 * G_k of shape [r_k, m_k, n_k, r_{k+1}]:
 *
 *   W[(i_1..i_d), (j_1..j_d)] = trace(G_1[:, i_1, j_1, :] ... G_d[:, i_d, j_d, :])
 *
 * with row and column multi-indices in row-major order (i_d and j_d vary
 * fastest), like `tf.reshape`. Tensor train: r_0 = r_d = 1 (the trace is the
 * single entry). Tensor ring: r_0 = r_d = R, the trace closes the ring.
 */

export type { TensorizedShape };

/** Shape [r_k, m_k, n_k, r_{k+1}] of each core. */
export function coreShapes(shape: TensorizedShape): number[][] {
  return shape.inShape.map((m, k) => [shape.ranks[k], m, shape.outShape[k], shape.ranks[k + 1]]);
}

export function parameterCount(shape: TensorizedShape): number {
  return coreParamCount(shape.inShape, shape.outShape, shape.ranks);
}

/**
 * Floating-point operations `contract` spends per input row (a multiply-add
 * counts as 2), following its right-to-left order, trace included.
 */
export function contractionFlopsPerRow(shape: TensorizedShape): number {
  const { inShape: m, outShape: n, ranks: r } = shape;
  const d = m.length;
  let flops = 0;
  let q = 1; // output modes gathered so far (with the closing rank)
  for (let k = d - 1; k >= 0; k--) {
    const rin = k === d - 1 ? 1 : r[k + 1];
    const nout = k === d - 1 ? n[k] * r[d] : n[k];
    const rowsPerExample = q * product(m.slice(0, k));
    flops += 2 * rowsPerExample * m[k] * rin * nout * r[k];
    q *= nout;
  }
  if (r[0] > 1) flops += 2 * product(n) * r[0] * r[0];
  return flops;
}

export function checkCores(cores: readonly tf.Tensor[], shape: TensorizedShape): void {
  const expected = coreShapes(shape);
  if (cores.length !== expected.length) {
    throw new InvalidArgumentError('cores', cores.length, `${expected.length} cores`);
  }
  cores.forEach((core, k) => {
    if (core.shape.join(',') !== expected[k].join(',')) {
      throw new InvalidArgumentError(`cores[${k}] shape`, core.shape, `[${expected[k].join(', ')}]`);
    }
  });
}

/** Flattened identity [R*R, 1]: multiplying [.., R*R] by it takes the trace. */
function traceVector(rank: number): tf.Tensor2D {
  return tf.reshape(tf.eye(rank), [rank * rank, 1]) as tf.Tensor2D;
}

/**
 * y = x W for x [N, prod m] without building W: the cores are contracted one
 * at a time from the last to the first, each with one matMul on a reshaped
 * intermediate and one small transpose, so the cost is linear in N and the
 * largest intermediate is N * prod(m_<k) * r * prod(n_>=k), not M * N.
 *
 * Right to left because x is row-major: its last mode is already contiguous,
 * so the first (largest) matMul needs no copy of x. Only matMul, reshape and
 * transpose are used, which have gradients on every backend.
 */
export function contract(x: tf.Tensor2D, cores: readonly tf.Tensor[], shape: TensorizedShape): tf.Tensor2D {
  const { inShape: m, outShape: n, ranks: r } = shape;
  const d = m.length;
  const rows = x.shape[0];
  if (x.shape[1] !== product(m)) {
    throw new InvalidArgumentError('input size', x.shape[1], `${product(m)} (the product of inShape [${m.join(', ')}])`);
  }
  return tf.tidy(() => {
    // Invariant before step k: t is [q, p, m_k * rin], p = rows * prod(m_<k),
    // q = output modes (n_k+1 .. n_d, then r_d) already produced.
    let t: tf.Tensor = x;
    let q = 1;
    for (let k = d - 1; k >= 0; k--) {
      const last = k === d - 1;
      const rin = last ? 1 : r[k + 1];
      const nout = last ? n[k] * r[d] : n[k];
      const p = rows * product(m.slice(0, k));
      // Core as a [m_k * rin, nout * r_k] matrix; the last core keeps r_d open as an output mode.
      const core = last
        ? tf.reshape(tf.transpose(cores[k], [1, 2, 3, 0]), [m[k], nout * r[k]])
        : tf.reshape(tf.transpose(cores[k], [1, 3, 2, 0]), [m[k] * rin, nout * r[k]]);
      const y = tf.matMul(tf.reshape(t, [q * p, m[k] * rin]), core);
      // [q, p, nout, r_k] -> [nout, q, p, r_k]: n_k joins the output modes, r_k meets m_{k-1}.
      t = tf.transpose(tf.reshape(y, [q, p, nout, r[k]]), [2, 0, 1, 3]);
      q *= nout;
    }
    const outSize = product(n);
    if (r[0] === 1) return tf.transpose(tf.reshape(t, [outSize, rows])) as tf.Tensor2D;
    // t is [N_out, r_d, rows, r_0]: close the ring with a trace over r_0 = r_d.
    const ring = tf.transpose(tf.reshape(t, [outSize, r[d], rows, r[0]]), [2, 0, 3, 1]);
    const traced = tf.matMul(tf.reshape(ring, [rows * outSize, r[0] * r[d]]), traceVector(r[0]));
    return tf.reshape(traced, [rows, outSize]) as tf.Tensor2D;
  });
}

/** The dense [prod m, prod n] matrix of the cores (for checks and export). */
export function reconstruct(cores: readonly tf.Tensor[], shape: TensorizedShape): tf.Tensor2D {
  const { inShape: m, outShape: n, ranks: r } = shape;
  const d = m.length;
  return tf.tidy(() => {
    // a is [r_0, M_k, N_k, r_k] with M_k = prod m_<=k, N_k = prod n_<=k.
    let a: tf.Tensor = cores[0];
    let rowsSoFar = m[0];
    let colsSoFar = n[0];
    for (let k = 1; k < d; k++) {
      const next = tf.matMul(
        tf.reshape(a, [r[0] * rowsSoFar * colsSoFar, r[k]]),
        tf.reshape(cores[k], [r[k], m[k] * n[k] * r[k + 1]]),
      );
      a = tf.transpose(tf.reshape(next, [r[0] * rowsSoFar, colsSoFar, m[k], n[k] * r[k + 1]]), [0, 2, 1, 3]);
      rowsSoFar *= m[k];
      colsSoFar *= n[k];
    }
    if (r[0] === 1) return tf.reshape(a, [rowsSoFar, colsSoFar]) as tf.Tensor2D;
    const ring = tf.transpose(tf.reshape(a, [r[0], rowsSoFar * colsSoFar, r[d]]), [1, 2, 0]);
    const traced = tf.matMul(tf.reshape(ring, [rowsSoFar * colsSoFar, r[d] * r[0]]), traceVector(r[0]));
    return tf.reshape(traced, [rowsSoFar, colsSoFar]) as tf.Tensor2D;
  });
}

/**
 * Standard deviation of i.i.d. zero-mean core entries that gives the
 * reconstructed matrix a chosen entry variance.
 *
 * An entry of W is a sum of P = r_0 * r_1 * ... * r_{d-1} products of d
 * independent core entries (P counts the summed bond indices; r_0 = 1 for a
 * train), so Var(W) = P * s^(2d) when every core has std s. Solving for the
 * target variance: s = (variance / P)^(1 / (2d)).
 */
export function coreStddev(shape: TensorizedShape, variance: number): number {
  const d = shape.inShape.length;
  const summed = product(shape.ranks.slice(0, d));
  return Math.pow(variance / summed, 1 / (2 * d));
}

/** Glorot's variance 2 / (fanIn + fanOut) (that of glorotNormal and glorotUniform). */
export function glorotVariance(fanIn: number, fanOut: number): number {
  return 2 / (fanIn + fanOut);
}

/**
 * The core-chain math shared by the formats whose cores are
 * [r_k, m_k, n_k, r_{k+1}] closed by a trace (tensor train, tensor ring):
 * they differ only in the rules on their ranks.
 */
export const CORE_CHAIN: Pick<
  FactorizedFormat,
  'coreShapes' | 'paramCount' | 'flopsPerRow' | 'contract' | 'reconstruct' | 'coreStddev'
> = {
  coreShapes,
  paramCount: parameterCount,
  flopsPerRow: contractionFlopsPerRow,
  contract,
  reconstruct,
  coreStddev,
};
