import { deadFeatures, type FeatureState } from './feature-state.js';

/** True when row `row` of a row-major [rows, cols] matrix is all zeros. */
export function rowIsZero(matrix: Float32Array, cols: number, row: number): boolean {
  for (let c = 0; c < cols; c++) if (matrix[row * cols + c] !== 0) return false;
  return true;
}

/** bias + sum_j constants[j] * scale[j] * kernel[j, :] over the non-live features. */
export function foldConstants(kernel: Float32Array, cols: number, bias: Float32Array, state: FeatureState, scale?: Float32Array): Float32Array {
  const folded = new Float64Array(bias);
  for (const j of deadFeatures(state)) {
    const c = state.constants[j] * (scale ? scale[j] : 1);
    if (c === 0) continue;
    for (let k = 0; k < cols; k++) folded[k] += c * kernel[j * cols + k];
  }
  return Float32Array.from(folded);
}

/** matrix[rows, columns] with row r scaled by rowScale[r]. */
export function gatherMatrix(matrix: Float32Array, cols: number, rows: number[], columns: number[], rowScale?: Float32Array): Float32Array {
  const out = new Float32Array(rows.length * columns.length);
  rows.forEach((r, p) => {
    const s = rowScale ? rowScale[r] : 1;
    if (s === 0) return;
    columns.forEach((c, q) => {
      out[p * columns.length + q] = s * matrix[r * cols + c];
    });
  });
  return out;
}

/** The live features of `state` whose kernel row (scaled by `scale`) is not all zeros: what a weight layer reads. */
export function readRows(kernel: Float32Array, cols: number, state: FeatureState, scale?: Float32Array): number[] {
  return [...state.live].filter((j) => (scale == null || scale[j] !== 0) && !rowIsZero(kernel, cols, j)).sort((a, b) => a - b);
}

/** `asked` ascending, or the first feature when nothing is asked (a layer cannot have 0 outputs). */
export function askedColumns(asked: ReadonlySet<number>): number[] {
  return asked.size === 0 ? [0] : [...asked].sort((a, b) => a - b);
}

/** The compact bias of output columns `columns` from a folded bias; a layer without one gains it when a folded constant is not 0. */
export function compactBias(folded: Float32Array, columns: number[], hadBias: boolean): { bias: Float32Array; useBias: boolean } {
  const bias = Float32Array.from(columns, (c) => folded[c]);
  return { bias, useBias: hadBias || bias.some((v) => v !== 0) };
}
