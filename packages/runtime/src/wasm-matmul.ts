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

function transposeFirst(matMul: KernelFunc, transposeKernel: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return matMul(args);
    const temporaries: TensorInfo[] = [];
    const swapLastTwo = (x: TensorInfo): TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      const result = transposeKernel({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
      temporaries.push(result);
      return result;
    };
    const a = transposeA ? swapLastTwo(inputs.a as TensorInfo) : inputs.a;
    const b = transposeB ? swapLastTwo(inputs.b as TensorInfo) : inputs.b;
    const result = matMul({
      inputs: { ...inputs, a, b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    for (const t of temporaries) (backend as tf.KernelBackend).disposeData(t.dataId);
    return result;
  };
}
