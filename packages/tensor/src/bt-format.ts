import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { prepareMatrix, type SvdOptions } from './decomposition.js';
import { registerFactorizedFormat, type FactorizedDecomposition, type FactorizedFormat, type TensorizedShape } from './factorized-format.js';
import { blockTerms, modeRanks } from './bt-hosvd.js';
import { checkRankCount } from './ranks.js';
import { product } from './shapes.js';

/** Blocks an integer rank asks for. */
export const DEFAULT_BT_BLOCKS = 2;

/*
 * Block-term format (De Lathauwer 2008; BT-RNN, Ye et al. 2018): W [prod m,
 * prod n] seen as the d-way tensor with modes (m_k n_k) is a sum of N Tucker
 * blocks, each a core G [R_1..R_d] times a factor A_k [m_k, n_k, R_k] per mode:
 *
 *   W[(i_1..i_d), (j_1..j_d)] = sum_n sum_r G_n[r_1..r_d] prod_k A_nk[i_k, j_k, r_k]
 *
 * `ranks` is [N, R_1, ..., R_d]; an integer r asks for DEFAULT_BT_BLOCKS
 * blocks of Tucker rank r, lowered per mode to what the mode can hold. The
 * cores are, block by block, G then A_1 .. A_d.
 */

const modes = (shape: TensorizedShape) => shape.inShape.map((m, k) => m * shape.outShape[k]);

/** The largest useful Tucker rank of each mode: the rank its unfolding can have. */
function tuckerCaps(inShape: readonly number[], outShape: readonly number[]): number[] {
  const sizes = inShape.map((m, k) => m * outShape[k]);
  const all = product(sizes);
  return sizes.map((size) => Math.min(size, all / size));
}

function blocksAndRanks(shape: TensorizedShape): { blocks: number; tucker: number[] } {
  return { blocks: shape.ranks[0], tucker: shape.ranks.slice(1) };
}

/** `t` with its axis `axis` contracted against `matrix` [t.shape[axis], cols]: that axis becomes `cols` long, the others stay where they are. */
function contractAxis(t: tf.Tensor, axis: number, matrix: tf.Tensor2D): tf.Tensor {
  const rank = t.rank;
  const perm = [...Array(rank).keys()].filter((a) => a !== axis).concat(axis);
  const moved = tf.transpose(t, perm);
  const rows = moved.shape.slice(0, -1);
  const product2d = tf.matMul(tf.reshape(moved, [-1, t.shape[axis]]) as tf.Tensor2D, matrix);
  const back = tf.reshape(product2d, [...rows, matrix.shape[1]]);
  const inverse = perm.map((_, a) => perm.indexOf(a));
  return tf.transpose(back, inverse);
}

export const BLOCK_TERM: FactorizedFormat = {
  name: 'block-term',
  tag: 'bt',
  minOrder: 1,
  uniformRanks(rank, inShape, outShape) {
    return [DEFAULT_BT_BLOCKS, ...tuckerCaps(inShape, outShape).map((cap) => Math.min(rank, cap))];
  },
  checkRanks(ranks, inShape, outShape, option) {
    checkRankCount(ranks, inShape.length, option);
    const caps = tuckerCaps(inShape, outShape);
    if (ranks.slice(1).some((r, k) => r > caps[k])) {
      throw new InvalidArgumentError(option, ranks, `[blocks, R_1..R_d] with each R_k no larger than its mode can hold [${caps.join(', ')}]`);
    }
  },
  coreShapes(shape) {
    const { blocks, tucker } = blocksAndRanks(shape);
    const block = [tucker, ...shape.inShape.map((m, k) => [m, shape.outShape[k], tucker[k]])];
    return Array.from({ length: blocks }, () => block.map((s) => [...s])).flat();
  },
  paramCount(shape) {
    const { blocks, tucker } = blocksAndRanks(shape);
    return blocks * (product(tucker) + modes(shape).reduce((s, size, k) => s + size * tucker[k], 0));
  },
  flopsPerRow(shape) {
    // Following `contract`: input mode k becomes (n_k R_k), one mode at a time, then the core.
    const { blocks, tucker } = blocksAndRanks(shape);
    const { inShape: m, outShape: n } = shape;
    let flops = 0;
    for (let k = 0; k < m.length; k++) {
      const done = product(n.slice(0, k).map((nk, l) => nk * tucker[l]));
      flops += 2 * done * product(m.slice(k)) * n[k] * tucker[k];
    }
    return blocks * (flops + 2 * product(n) * product(tucker));
  },
  contract(x, cores, shape) {
    return tf.tidy(() => {
      const { blocks, tucker } = blocksAndRanks(shape);
      const { inShape: m, outShape: n } = shape;
      const d = m.length;
      const batch = x.shape[0];
      let sum: tf.Tensor2D | null = null;
      for (let b = 0; b < blocks; b++) {
        const [core, ...factors] = cores.slice(b * (d + 1), (b + 1) * (d + 1));
        let t: tf.Tensor = tf.reshape(x, [batch, ...m]);
        factors.forEach((a, k) => (t = contractAxis(t, k + 1, tf.reshape(a, [m[k], n[k] * tucker[k]]) as tf.Tensor2D)));
        // [B, n_1 R_1, ..., n_d R_d] -> [B, n_1..n_d, R_1..R_d] -> contract the Rs with the core.
        t = tf.reshape(t, [batch, ...n.flatMap((nk, k) => [nk, tucker[k]])]);
        t = tf.transpose(t, [0, ...n.map((_, k) => 1 + 2 * k), ...n.map((_, k) => 2 + 2 * k)]);
        const y = tf.reshape(tf.matMul(tf.reshape(t, [-1, product(tucker)]) as tf.Tensor2D, tf.reshape(core, [-1, 1]) as tf.Tensor2D), [batch, product(n)]) as tf.Tensor2D;
        sum = sum == null ? y : (tf.add(sum, y) as tf.Tensor2D);
      }
      return sum!;
    });
  },
  reconstruct(cores, shape) {
    return tf.tidy(() => {
      const { blocks, tucker } = blocksAndRanks(shape);
      const { inShape: m, outShape: n } = shape;
      const d = m.length;
      let sum: tf.Tensor2D | null = null;
      for (let b = 0; b < blocks; b++) {
        const [core, ...factors] = cores.slice(b * (d + 1), (b + 1) * (d + 1));
        let t: tf.Tensor = core;
        factors.forEach((a, k) => (t = contractAxis(t, k, tf.transpose(tf.reshape(a, [m[k] * n[k], tucker[k]])) as tf.Tensor2D)));
        // [(m_1 n_1), ..., (m_d n_d)] -> [m_1..m_d, n_1..n_d]
        t = tf.reshape(t, m.flatMap((mk, k) => [mk, n[k]]));
        t = tf.transpose(t, [...m.map((_, k) => 2 * k), ...m.map((_, k) => 2 * k + 1)]);
        const w = tf.reshape(t, [product(m), product(n)]) as tf.Tensor2D;
        sum = sum == null ? w : (tf.add(sum, w) as tf.Tensor2D);
      }
      return sum!;
    });
  },
  coreStddev(shape, variance) {
    // An entry of W sums blocks * prod(R) products of d + 1 independent core entries.
    const { blocks, tucker } = blocksAndRanks(shape);
    return (variance / (blocks * product(tucker))) ** (1 / (2 * (shape.inShape.length + 1)));
  },
  decompose: blockTermDecomposition,
};

/**
 * Block-term decomposition of a dense matrix by greedy deflation: each block
 * is the truncated HOSVD of what the blocks before it left, so more blocks
 * never add error. `maxRank`: an integer r (DEFAULT_BT_BLOCKS blocks of Tucker
 * rank r) or a full list [N, R_1..R_d]; without it, one block of full Tucker
 * ranks (exact). `tolerance` lowers each mode's rank to the smallest whose
 * discarded energy fits (tolerance ||W||)^2 / d. `errorBound` is the exact
 * relative residual.
 */
export function blockTermDecomposition(matrix: tf.Tensor2D | number[][], options: SvdOptions = {}): FactorizedDecomposition {
  const { data, inShape, outShape, norm, tolerance } = prepareMatrix(matrix, options);
  const d = inShape.length;
  const caps = tuckerCaps(inShape, outShape);
  let ranks: number[];
  if (options.maxRank == null) ranks = [1, ...caps];
  else if (typeof options.maxRank === 'number') {
    if (!Number.isInteger(options.maxRank) || options.maxRank < 1) throw new InvalidArgumentError('maxRank', options.maxRank, 'a positive integer or a list of ranks');
    ranks = BLOCK_TERM.uniformRanks(options.maxRank, inShape, outShape);
  } else {
    if (!Array.isArray(options.maxRank) || !options.maxRank.every((r) => Number.isInteger(r) && r >= 1)) {
      throw new InvalidArgumentError('maxRank', options.maxRank, `a positive integer or a list of ${d + 1} positive integers`);
    }
    BLOCK_TERM.checkRanks(options.maxRank, inShape, outShape, 'maxRank');
    ranks = [...options.maxRank];
  }
  const shape = inShape.map((m, k) => m * outShape[k]);
  if (tolerance > 0) ranks = [ranks[0], ...modeRanks(data, shape, ranks.slice(1), (tolerance * norm) / Math.sqrt(d))];
  const tucker = ranks.slice(1);
  const { blocks, residualNorm } = blockTerms(data, shape, tucker, ranks[0]);
  const cores = blocks.flatMap((block) => [
    tf.tensor(Float32Array.from(block.core), tucker),
    ...block.factors.map((u, k) => tf.tensor3d(Float32Array.from(u), [inShape[k], outShape[k], tucker[k]])),
  ]);
  return { format: BLOCK_TERM.name, inShape, outShape, ranks, cores, errorBound: norm > 0 ? residualNorm / norm : 0 };
}

registerFactorizedFormat(BLOCK_TERM);
