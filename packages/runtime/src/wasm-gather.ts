import * as tf from '@tensorflow/tfjs-core';
import { heapView, isWasmInternals } from './wasm-internals.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];

const PATCHED = Symbol.for('@tfjs-compress/runtime/wasm-gather-patched');

/**
 * tfjs-backend-wasm 4.22's GatherV2 costs about 50 ns per element gathered
 * along the last axis: selecting 2,880 of 57,600 input features of a
 * [16, 8, 57,600] batch takes about 20 ms, and spreading a 2,880-vector back
 * to 57,600 about 4 ms (measured on wasm), while the same copy on the heap in
 * JS takes about 1 ms. A layer shrunk in place does both on every step. This
 * re-registers the wasm GatherV2 kernel (public kernel registry) to copy
 * float32 and int32 tensors on the heap, a slice at a time; any other dtype,
 * or a backend without the internals it needs, runs the original kernel.
 * Out-of-range indices fail as the original does. With `batchDims` > 0 the
 * original returns wrong rows (tfjs-backend-wasm 4.22: gathering [[0, 2],
 * [1, 1], [3, 0]] from a [3, 4, 5] tensor along axis 1 with batchDims 1 gives
 * the cpu backend's first row only); the copy gives the cpu result. Idempotent;
 * returns whether the kernel was replaced.
 */
export function patchWasmGather(): boolean {
  const original = tf.getKernel('GatherV2', 'wasm');
  if (original == null || (original as unknown as Record<symbol, boolean>)[PATCHED]) return false;
  const replacement: tf.KernelConfig = { ...original, kernelFunc: heapGather(original.kernelFunc) };
  (replacement as unknown as Record<symbol, boolean>)[PATCHED] = true;
  tf.unregisterKernel('GatherV2', 'wasm');
  tf.registerKernel(replacement);
  return true;
}

/** Whether the wasm GatherV2 kernel is the patched one. */
export function isWasmGatherPatched(): boolean {
  const kernel = tf.getKernel('GatherV2', 'wasm');
  return kernel != null && (kernel as unknown as Record<symbol, boolean>)[PATCHED] === true;
}

/**
 * x viewed as [batch, outer, dim, inner] and indices as [batch, count]:
 * out[b, o, p, :] = x[b, o, indices[b, p], :] (tfjs's own shape rules,
 * `collectGatherOpShapeInfo`). Slices of one element are copied one by one,
 * longer slices with `TypedArray.set`.
 */
function heapGather(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as tf.TensorInfo;
    const indices = inputs.indices as tf.TensorInfo;
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || !isWasmInternals(backend)) return original(args);
    const at = tf.util.parseAxisParam(axis, x.shape)[0];
    const index = backend.readSync(indices.dataId);
    const dim = x.shape[at];
    for (let p = 0; p < index.length; p++) {
      if (!(index[p] >= 0 && index[p] <= dim - 1)) throw new Error(`GatherV2: the index value ${index[p]} is not in [0, ${dim - 1}]`);
    }
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, at, batchDims);
    const { batchSize, outerSize, sliceSize } = info;
    const count = index.length / batchSize;
    const out = backend.makeOutput(info.outputShape, x.dtype);
    const total = batchSize * outerSize * count * sliceSize;
    if (total === 0) return out;
    const source = heapView(backend, x, batchSize * outerSize * dim * sliceSize);
    const target = heapView(backend, out, total);
    for (let b = 0; b < batchSize; b++) {
      const picks = b * count;
      for (let o = 0; o < outerSize; o++) {
        const from = (b * outerSize + o) * dim;
        const to = (b * outerSize + o) * count;
        if (sliceSize === 1) {
          for (let p = 0; p < count; p++) target[to + p] = source[from + index[picks + p]];
        } else {
          for (let p = 0; p < count; p++) {
            const start = (from + index[picks + p]) * sliceSize;
            target.set(source.subarray(start, start + sliceSize), (to + p) * sliceSize);
          }
        }
      }
    }
    return out;
  };
}
