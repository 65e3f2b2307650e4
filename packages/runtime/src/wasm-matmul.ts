import * as tf from '@tensorflow/tfjs-core';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type TensorInfo = tf.TensorInfo;

const PATCHED = Symbol.for('@tfjs-compress/runtime/wasm-matmul-patched');
const KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

/**
 * tfjs-backend-wasm 4.22 runs BatchMatMul about 33x slower with
 * `transposeA` and 5x slower with `transposeB` than without (PLATFORM_NOTES),
 * and every matMul gradient takes those paths. This re-registers the wasm
 * BatchMatMul and _FusedMatMul kernels (public kernel registry) so that they
 * transpose the operand first with the wasm Transpose kernel and then take
 * the fast path. Results are the same products; only the memory layout of
 * the operand changes. Idempotent; returns whether a kernel was replaced.
 */
export function patchWasmMatMul(): boolean {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose == null) return false;
  let patched = false;
  for (const name of KERNELS) {
    const original = tf.getKernel(name, 'wasm');
    if (original == null || (original as unknown as Record<symbol, boolean>)[PATCHED]) continue;
    const replacement: tf.KernelConfig = {
      ...original,
      kernelFunc: transposeFirst(original.kernelFunc, transpose.kernelFunc),
    };
    (replacement as unknown as Record<symbol, boolean>)[PATCHED] = true;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(replacement);
    patched = true;
  }
  return patched;
}

/** Whether the wasm matMul kernels are the patched ones. */
export function isWasmMatMulPatched(): boolean {
  const kernel = tf.getKernel('BatchMatMul', 'wasm');
  return kernel != null && (kernel as unknown as Record<symbol, boolean>)[PATCHED] === true;
}

const size = (x: TensorInfo) => x.shape.reduce((a, b) => a * b, 1);

/**
 * C = op(A) op(B) on the fast (untransposed) path, by one of two routes:
 * transpose the flagged operands first, or compute C^T = op(B)^T op(A)^T and
 * transpose the product. The second route wins when the flagged operand is a
 * big weight and the product is small: the input gradient dY W^T of a
 * 57,600 x 1,024 kernel then moves 29 MB instead of the 236 MB kernel, and
 * runs 2.5x faster. The route that copies fewer elements is taken. A fused
 * bias or activation applies to C, so fused calls with either take route one.
 */
function transposeFirst(matMul: KernelFunc, transposeKernel: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB, activation } = attrs as unknown as { transposeA: boolean; transposeB: boolean; activation?: string };
    if (!transposeA && !transposeB) return matMul(args);
    const temporaries: TensorInfo[] = [];
    const swapLastTwo = (x: TensorInfo, keep = false): TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      const result = transposeKernel({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
      if (!keep) temporaries.push(result);
      return result;
    };
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const fused = inputs.bias != null || inputs.preluActivationWeights != null || (activation != null && activation !== 'linear');
    const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)];
    const columns = b.shape[b.shape.length - (transposeB ? 2 : 1)];
    const batch = Math.max(size(a) / (a.shape[a.shape.length - 1] * a.shape[a.shape.length - 2]), size(b) / (b.shape[b.shape.length - 1] * b.shape[b.shape.length - 2]));
    const routeOne = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
    const routeTwo = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + batch * rows * columns;
    let result: TensorInfo;
    if (fused || routeOne <= routeTwo) {
      result = matMul({
        inputs: { ...inputs, a: transposeA ? swapLastTwo(a) : a, b: transposeB ? swapLastTwo(b) : b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      }) as TensorInfo;
    } else {
      // C^T = op(B)^T op(A)^T: an operand flagged for transposition is already in that layout.
      const product = matMul({
        inputs: { ...inputs, a: transposeB ? b : swapLastTwo(b), b: transposeA ? a : swapLastTwo(a) },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      }) as TensorInfo;
      temporaries.push(product);
      result = swapLastTwo(product, true);
    }
    for (const t of temporaries) (backend as tf.KernelBackend).disposeData(t.dataId);
    return result;
  };
}
