import { product } from './shapes.js';
import { truncatedSvd } from './truncated-svd.js';

/*
 * Tucker blocks of a d-way float64 tensor (row-major), the math behind the
 * block-term format's decomposition: the truncated higher-order SVD
 * (De Lathauwer et al. 2000) of one block, and greedy deflation over blocks.
 */

/** `data` (shape `shape`) times `matrix` [rows, shape[axis]] along `axis`: that axis becomes `rows` long. */
export function modeProduct(data: Float64Array, shape: readonly number[], axis: number, matrix: Float64Array, rows: number): { data: Float64Array; shape: number[] } {
  const before = product(shape.slice(0, axis));
  const size = shape[axis];
  const after = product(shape.slice(axis + 1));
  const out = new Float64Array(before * rows * after);
  for (let b = 0; b < before; b++) {
    for (let r = 0; r < rows; r++) {
      const target = (b * rows + r) * after;
      for (let m = 0; m < size; m++) {
        const w = matrix[r * size + m];
        if (w === 0) continue;
        const source = (b * size + m) * after;
        for (let a = 0; a < after; a++) out[target + a] += w * data[source + a];
      }
    }
  }
  const next = [...shape];
  next[axis] = rows;
  return { data: out, shape: next };
}

/** The mode-`axis` unfolding [shape[axis], everything else] (row-major over the other axes). */
function unfold(data: Float64Array, shape: readonly number[], axis: number): Float64Array {
  const before = product(shape.slice(0, axis));
  const size = shape[axis];
  const after = product(shape.slice(axis + 1));
  const out = new Float64Array(data.length);
  for (let b = 0; b < before; b++) {
    for (let m = 0; m < size; m++) {
      const source = (b * size + m) * after;
      const target = m * before * after + b * after;
      out.set(data.subarray(source, source + after), target);
    }
  }
  return out;
}

function transpose(matrix: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = matrix[i * cols + j];
  return out;
}

/** One Tucker block: core [R_1..R_d] and factors U_k [shape[k], R_k] (orthonormal columns). */
export interface TuckerBlock {
  core: Float64Array;
  factors: Float64Array[];
}

/**
 * Truncated HOSVD: U_k are the leading `ranks[k]` left singular vectors of
 * each unfolding, the core is the tensor times every U_k^T. Exact when each
 * rank is its unfolding's rank.
 */
export function hosvd(data: Float64Array, shape: readonly number[], ranks: readonly number[]): TuckerBlock {
  const factors = shape.map((size, k) => {
    const svd = truncatedSvd(unfold(data, shape, k), size, data.length / size, { maxRank: ranks[k], delta: 0, exactRank: ranks[k] });
    return svd.u;
  });
  let core = { data, shape: [...shape] };
  factors.forEach((u, k) => (core = modeProduct(core.data, core.shape, k, transpose(u, shape[k], ranks[k]), ranks[k])));
  return { core: core.data, factors };
}

/** The tensor a block represents: core times every U_k. */
export function expandBlock(block: TuckerBlock, shape: readonly number[], ranks: readonly number[]): Float64Array {
  let out = { data: block.core, shape: [...ranks] };
  block.factors.forEach((u, k) => (out = modeProduct(out.data, out.shape, k, u, shape[k])));
  return out.data;
}

/**
 * `blocks` Tucker blocks by greedy deflation: each block is the HOSVD of
 * what the blocks before it left. Returns them and the residual's Frobenius norm.
 */
export function blockTerms(data: Float64Array, shape: readonly number[], ranks: readonly number[], blocks: number): { blocks: TuckerBlock[]; residualNorm: number } {
  let residual = Float64Array.from(data);
  const out: TuckerBlock[] = [];
  for (let n = 0; n < blocks; n++) {
    const block = hosvd(residual, shape, ranks);
    const approx = expandBlock(block, shape, ranks);
    residual = residual.map((v, i) => v - approx[i]);
    out.push(block);
  }
  return { blocks: out, residualNorm: Math.sqrt(residual.reduce((s, v) => s + v * v, 0)) };
}

/** Per mode, the smallest rank (at most `caps[k]`) whose discarded energy is within delta^2 (the HOSVD bound splits the error over the modes). */
export function modeRanks(data: Float64Array, shape: readonly number[], caps: readonly number[], delta: number): number[] {
  return shape.map((size, k) => truncatedSvd(unfold(data, shape, k), size, data.length / size, { maxRank: caps[k], delta }).rank);
}
