import * as tf from '@tensorflow/tfjs-core';
import { isWasmInternals, type WasmBackendInternals } from './wasm-internals.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type TensorInfo = tf.TensorInfo;

const PATCHED = Symbol.for('@tfjs-compress/runtime/wasm-matmul-patched');
const KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

/**
 * Bytes of B per partial product when a long inner dimension is split (see
 * `splitInner`). XNNPACK streams all of B past every few rows of A, so a B
 * much larger than the cache runs from memory: [128, 57,600] x [57,600, 1,024]
 * took 722 ms whole, 519 ms in 19 MB parts and 344 ms in 6.5 MB parts (the
 * weight gradient of the same size takes 349 ms), measured on wasm.
 */
export const DEFAULT_INNER_CHUNK_BYTES = 6 << 20;

export interface WasmMatMulOptions {
  /** Bytes of B per partial product when the inner dimension is split; 0 never splits. Default: 6 MiB. */
  innerChunkBytes?: number;
}

let innerChunkBytes = DEFAULT_INNER_CHUNK_BYTES;

/**
 * tfjs-backend-wasm 4.22 runs BatchMatMul about 33x slower with
 * `transposeA` and 5x slower with `transposeB` than without (measured with tfjs 4.22),
 * and every matMul gradient takes those paths. This re-registers the wasm
 * BatchMatMul and _FusedMatMul kernels (public kernel registry) so that they
 * transpose the operand first with the wasm Transpose kernel and then take
 * the fast path. Results are the same products; only the memory layout of
 * the operand changes. A product with a long inner dimension and a B larger
 * than the cache is also summed from parts (`splitInner`). Idempotent (a
 * second call only updates the options); returns whether a kernel was replaced.
 */
export function patchWasmMatMul(options: WasmMatMulOptions = {}): boolean {
  const chunk = options.innerChunkBytes ?? DEFAULT_INNER_CHUNK_BYTES;
  if (!(Number.isInteger(chunk) && chunk >= 0)) {
    throw new Error(`patchWasmMatMul: innerChunkBytes must be an integer >= 0, got ${chunk}`);
  }
  innerChunkBytes = chunk;
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose == null) return false;
  let patched = false;
  for (const name of KERNELS) {
    const original = tf.getKernel(name, 'wasm');
    if (original == null || (original as unknown as Record<symbol, boolean>)[PATCHED]) continue;
    const replacement: tf.KernelConfig = {
      ...original,
      kernelFunc: transposeFirst(splitInner(original.kernelFunc), transpose.kernelFunc),
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

interface RowViews {
  memoryOffset: number;
  rows: number;
  views: TensorInfo[];
}

/** Per backend: the row views of each split B, keyed by B's dataId; released when B is. */
const rowViewCache = new WeakMap<WasmBackendInternals, Map<object, RowViews>>();

/** A view owns no memory: forget it (and XNNPACK's packing of it) without freeing. */
function releaseViews(backend: WasmBackendInternals, entry: RowViews): void {
  for (const view of entry.views) {
    backend.wasm.tfjs.disposeData(backend.dataIdMap.get(view.dataId)!.id);
    backend.dataIdMap.delete(view.dataId);
  }
}

/**
 * The views of B's row blocks, made once per B: XNNPACK keys its packed copy
 * of a weight on the tensor's id, so stable views keep that packing across
 * calls (inference with fixed weights packs once, as without splitting). The
 * backend's disposeData is wrapped once so that the views, and their packing,
 * go when B does.
 */
function rowViewsOf(backend: WasmBackendInternals, b: TensorInfo, memoryOffset: number, rows: number): TensorInfo[] {
  let cache = rowViewCache.get(backend);
  if (cache == null) {
    const entries = new Map<object, RowViews>();
    cache = entries;
    rowViewCache.set(backend, entries);
    const dispose = backend.disposeData.bind(backend);
    backend.disposeData = (dataId, force) => {
      const freed = dispose(dataId, force);
      const entry = entries.get(dataId);
      if (entry && !backend.dataIdMap.has(dataId)) {
        releaseViews(backend, entry);
        entries.delete(dataId);
      }
      return freed;
    };
  }
  const cached = cache.get(b.dataId);
  if (cached && cached.memoryOffset === memoryOffset && cached.rows === rows) return cached.views;
  if (cached) releaseViews(backend, cached);
  const [K, N] = b.shape.slice(-2);
  const lead = b.shape.slice(0, -2);
  const views: TensorInfo[] = [];
  for (let k0 = 0; k0 < K; k0 += rows) {
    views.push(backend.makeOutput([...lead, Math.min(rows, K - k0), N], 'float32', memoryOffset + 4 * k0 * N));
  }
  cache.set(b.dataId, { memoryOffset, rows, views });
  return views;
}

/** A[:, k0 : k0 + count] as a new tensor, copied row by row in JS (the wasm Slice kernel takes 150 ms for 30 MB of columns). */
function columnsOf(backend: WasmBackendInternals, a: TensorInfo, M: number, K: number, k0: number, count: number): TensorInfo {
  const part = backend.makeOutput([...a.shape.slice(0, -1), count], 'float32');
  // Views after the allocation: it may have grown the heap.
  const heap = backend.wasm.HEAPU8.buffer;
  const source = new Float32Array(heap, backend.dataIdMap.get(a.dataId)!.memoryOffset, M * K);
  const target = new Float32Array(heap, backend.dataIdMap.get(part.dataId)!.memoryOffset, M * count);
  for (let m = 0; m < M; m++) target.set(source.subarray(m * K + k0, m * K + k0 + count), m * count);
  return part;
}

/**
 * C = A B without transposes as a sum over parts of the inner dimension K:
 * C = sum_k A[:, k] B[k, :]. The rows of B are contiguous, so each part of B
 * is a view into its memory (no copy); the columns of A are copied (A is the
 * small operand where this pays off). Taken for one product (no batch) of
 * more than 8 rows, a B of at least two parts and no fused bias or
 * activation; otherwise, or without the backend internals it needs, the
 * original kernel runs whole.
 */
function splitInner(matMul: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const { activation } = attrs as unknown as { activation?: string };
    const fused = inputs.bias != null || inputs.preluActivationWeights != null || (activation != null && activation !== 'linear');
    const [M, K] = a.shape.slice(-2);
    const N = b.shape[b.shape.length - 1];
    const single = size(a) === M * K && size(b) === K * N;
    const rows = Math.max(64, Math.floor(innerChunkBytes / (4 * N)));
    // Up to 8 rows of A, XNNPACK reads B once whatever its size: nothing to gain.
    if (fused || !single || M <= 8 || innerChunkBytes === 0 || K < 2 * rows || a.dtype !== 'float32' || b.dtype !== 'float32' || !isWasmInternals(backend)) {
      return matMul(args);
    }
    const bOffset = backend.dataIdMap.get(b.dataId)?.memoryOffset;
    if (bOffset == null) return matMul(args);
    const views = rowViewsOf(backend, b, bOffset, rows);
    let sum: TensorInfo | null = null;
    for (const [part, bView] of views.entries()) {
      const aPart = columnsOf(backend, a, M, K, part * rows, bView.shape[bView.shape.length - 2]);
      const product = matMul({ inputs: { a: aPart, b: bView }, backend, attrs }) as TensorInfo;
      backend.disposeData(aPart.dataId);
      if (sum == null) {
        sum = product;
        continue;
      }
      // Views made after the call: the heap may have grown during it.
      const heap = backend.wasm.HEAPU8.buffer;
      const total = new Float32Array(heap, backend.dataIdMap.get(sum.dataId)!.memoryOffset, M * N);
      const add = new Float32Array(heap, backend.dataIdMap.get(product.dataId)!.memoryOffset, M * N);
      for (let i = 0; i < total.length; i++) total[i] += add[i];
      backend.disposeData(product.dataId);
    }
    return sum as TensorInfo;
  };
}
