import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/**
 * Truncated SVD of a row-major float64 matrix C [rows, cols], returning
 * U [rows, r] and S V^T [r, cols] (so that C ~ U (S V^T)).
 *
 * tfjs has no SVD and a dense SVD of a 57,600 x 1,024 unfolding would not fit
 * in memory twice, so this works on the Gram matrix of the smaller side
 * (C C^T when wide, C^T C when tall): its eigen-decomposition (ml-matrix,
 * float64) gives the singular values and one set of singular vectors; the
 * other side comes from one product with C. Only the small Gram matrix and
 * the r-column result are allocated besides C.
 */
export interface TruncatedSvd {
  u: Float64Array;
  sv: Float64Array;
  rank: number;
  /** Singular values, descending (all of them, not only the kept ones). */
  singularValues: number[];
  /** Sum of the squared discarded singular values. */
  discarded: number;
}

export interface TruncationRule {
  /** Largest rank kept. */
  maxRank: number;
  /** Largest allowed Frobenius norm of the discarded part (0: keep up to maxRank). */
  delta: number;
  /** Keep exactly this rank (overrides the other two). */
  exactRank?: number;
}

function eigenDescending(gram: Float64Array, size: number): { values: number[]; vectors: Matrix } {
  const rows: number[][] = [];
  for (let i = 0; i < size; i++) rows.push(Array.from(gram.subarray(i * size, (i + 1) * size)));
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]);
  const vectors = evd.eigenvectorMatrix.subMatrixColumn(order);
  return { values: order.map((i) => Math.max(values[i], 0)), vectors };
}

function chooseRank(sigma: number[], rule: TruncationRule): number {
  const limit = Math.min(sigma.length, rule.maxRank);
  if (rule.exactRank != null) return Math.min(rule.exactRank, sigma.length);
  let tail = 0;
  let rank = sigma.length;
  // Drop singular values from the smallest up while the dropped energy stays within delta^2.
  while (rank > 1 && tail + sigma[rank - 1] ** 2 <= rule.delta ** 2) {
    tail += sigma[rank - 1] ** 2;
    rank--;
  }
  return Math.max(1, Math.min(rank, limit));
}

/** Gram matrix of the smaller side: C C^T [rows, rows] when rows <= cols, else C^T C [cols, cols]. */
function gramMatrix(c: Float64Array, rows: number, cols: number): Float64Array {
  const wide = rows <= cols;
  const size = wide ? rows : cols;
  const gram = new Float64Array(size * size);
  if (wide) {
    for (let i = 0; i < rows; i++) {
      const ri = c.subarray(i * cols, (i + 1) * cols);
      for (let j = 0; j <= i; j++) {
        const rj = c.subarray(j * cols, (j + 1) * cols);
        let s = 0;
        for (let t = 0; t < cols; t++) s += ri[t] * rj[t];
        gram[i * size + j] = s;
        gram[j * size + i] = s;
      }
    }
  } else {
    for (let t = 0; t < rows; t++) {
      const row = c.subarray(t * cols, (t + 1) * cols);
      for (let a = 0; a < cols; a++) {
        const ca = row[a];
        if (ca === 0) continue;
        const base = a * size;
        for (let b = 0; b <= a; b++) gram[base + b] += ca * row[b];
      }
    }
    for (let a = 0; a < cols; a++) for (let b = 0; b < a; b++) gram[b * size + a] = gram[a * size + b];
  }
  return gram;
}

/** Singular values of C [rows, cols], descending. */
export function singularValues(c: Float64Array, rows: number, cols: number): number[] {
  const size = Math.min(rows, cols);
  return eigenDescending(gramMatrix(c, rows, cols), size).values.map(Math.sqrt);
}

export function truncatedSvd(c: Float64Array, rows: number, cols: number, rule: TruncationRule): TruncatedSvd {
  const wide = rows <= cols;
  const size = wide ? rows : cols;
  const gram = gramMatrix(c, rows, cols);
  const { values, vectors } = eigenDescending(gram, size);
  const sigma = values.map(Math.sqrt);
  const rank = chooseRank(sigma, rule);
  let discarded = 0;
  for (let i = rank; i < sigma.length; i++) discarded += sigma[i] ** 2;

  const u = new Float64Array(rows * rank);
  const sv = new Float64Array(rank * cols);
  const vec = vectors.to2DArray();
  if (wide) {
    // U = eigenvectors of C C^T; S V^T = U^T C.
    for (let i = 0; i < rows; i++) for (let k = 0; k < rank; k++) u[i * rank + k] = vec[i][k];
    for (let i = 0; i < rows; i++) {
      const row = c.subarray(i * cols, (i + 1) * cols);
      for (let k = 0; k < rank; k++) {
        const uik = u[i * rank + k];
        if (uik === 0) continue;
        const out = sv.subarray(k * cols, (k + 1) * cols);
        for (let t = 0; t < cols; t++) out[t] += uik * row[t];
      }
    }
  } else {
    // V = eigenvectors of C^T C; U = C V / sigma; S V^T = diag(sigma) V^T.
    const scale = sigma[0] * 1e-12;
    for (let i = 0; i < rows; i++) {
      const row = c.subarray(i * cols, (i + 1) * cols);
      for (let k = 0; k < rank; k++) {
        if (sigma[k] <= scale) continue;
        let s = 0;
        for (let t = 0; t < cols; t++) s += row[t] * vec[t][k];
        u[i * rank + k] = s / sigma[k];
      }
    }
    for (let k = 0; k < rank; k++) for (let t = 0; t < cols; t++) sv[k * cols + t] = sigma[k] * vec[t][k];
  }
  return { u, sv, rank, singularValues: sigma, discarded };
}

export function frobeniusNorm(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s);
}
