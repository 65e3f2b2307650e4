import { Matrix, solve } from 'ml-matrix';

/**
 * Alternating least squares sweeps over tensor-ring cores (float64), used by
 * `trSvd` to repair the non-unique first split of TR-SVD when ranks are
 * fixed. For core k the tensor unfolds as T_k [s_k, rest] = G_k [s_k, r_k r_{k+1}]
 * Z [r_k r_{k+1}, rest], Z being the product of the other cores around the
 * ring; G_k = T_k Z^T (Z Z^T)^-1. Each sweep costs about d * |T| * (r_k r_{k+1}) flops.
 *
 * @param data the interleaved tensor, row-major, modes `modes`.
 * @param cores per core [r_k, s_k, r_{k+1}] values, updated in place.
 * @returns the relative Frobenius error after the last update.
 */
export function trAlsSweeps(
  data: Float64Array,
  modes: readonly number[],
  ranks: readonly number[],
  cores: Float64Array[],
  sweeps: number,
  normSq: number,
): number {
  const d = modes.length;
  const total = data.length;
  let error = Infinity;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const previous = error;
    for (let k = 0; k < d; k++) {
      const ra = ranks[k];
      const rb = ranks[k + 1];
      const width = ra * rb;
      const sk = modes[k];
      let before = 1;
      for (let i = 0; i < k; i++) before *= modes[i];
      const after = total / (before * sk);
      const rest = total / sk;
      // Chain of the other cores: m is [rb, S, r_j] growing around the ring from core k+1.
      let m = Float64Array.from(cores[(k + 1) % d]);
      let span = modes[(k + 1) % d];
      for (let step = 2; step < d; step++) {
        const j = (k + step) % d;
        const rj = ranks[j];
        const rNext = ranks[j + 1];
        const sj = modes[j];
        const next = new Float64Array(rb * span * sj * rNext);
        const core = cores[j];
        for (let row = 0; row < rb * span; row++) {
          for (let c = 0; c < rj; c++) {
            const v = m[row * rj + c];
            if (v === 0) continue;
            const src = c * sj * rNext;
            const dst = row * sj * rNext;
            for (let t = 0; t < sj * rNext; t++) next[dst + t] += v * core[src + t];
          }
        }
        m = next;
        span *= sj;
      }
      // zt[rest'][(a, b)] = m[b, rest', a], rest' ordered (modes after k, then modes before k).
      const zt = new Float64Array(rest * width);
      for (let b = 0; b < rb; b++) {
        for (let r = 0; r < rest; r++) {
          for (let a = 0; a < ra; a++) zt[r * width + a * rb + b] = m[(b * rest + r) * ra + a];
        }
      }
      const gram = new Float64Array(width * width);
      for (let r = 0; r < rest; r++) {
        const z = zt.subarray(r * width, (r + 1) * width);
        for (let p = 0; p < width; p++) {
          const zp = z[p];
          if (zp === 0) continue;
          for (let q = 0; q <= p; q++) gram[p * width + q] += zp * z[q];
        }
      }
      for (let p = 0; p < width; p++) for (let q = 0; q < p; q++) gram[q * width + p] = gram[p * width + q];
      const rhs = new Float64Array(sk * width);
      for (let x = 0; x < before; x++) {
        for (let s = 0; s < sk; s++) {
          const base = (x * sk + s) * after;
          for (let y = 0; y < after; y++) {
            const t = data[base + y];
            if (t === 0) continue;
            const z = zt.subarray((y * before + x) * width, (y * before + x + 1) * width);
            const out = s * width;
            for (let c = 0; c < width; c++) rhs[out + c] += t * z[c];
          }
        }
      }
      // Solve G gram = rhs (gram symmetric); a tiny ridge keeps it invertible.
      let trace = 0;
      for (let p = 0; p < width; p++) trace += gram[p * width + p];
      const gramRows = Array.from({ length: width }, (_, p) =>
        Array.from(gram.subarray(p * width, (p + 1) * width), (v, q) => (p === q ? v + 1e-13 * trace : v)),
      );
      const rhsRows = Array.from({ length: sk }, (_, s) => Array.from(rhs.subarray(s * width, (s + 1) * width)));
      const solution = solve(new Matrix(gramRows), new Matrix(rhsRows).transpose()).transpose().to2DArray();
      const core = cores[k];
      let fit = 0;
      for (let a = 0; a < ra; a++) {
        for (let s = 0; s < sk; s++) {
          for (let b = 0; b < rb; b++) {
            const g = solution[s][a * rb + b];
            core[(a * sk + s) * rb + b] = g;
            fit += g * rhs[s * width + a * rb + b];
          }
        }
      }
      // At the least-squares optimum, ||T - approx||^2 = ||T||^2 - <G, rhs>.
      error = Math.sqrt(Math.max(0, normSq - fit) / normSq);
    }
    // Stop once exact (float64 noise) or when a sweep no longer helps.
    if (error < 1e-9 || previous - error < 1e-6 * previous) break;
  }
  return error;
}
