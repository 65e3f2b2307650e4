import type * as tf from '@tensorflow/tfjs-core';

/**
 * The one place that knows the private fields of tfjs 4.x's backends (the
 * wasm heap kernels, raw storage and the fused Adam step read them from
 * here), so a tfjs upgrade is checked in one file.
 *
 * The parts of tfjs-backend-wasm 4.x's private backend object that a kernel
 * working on the heap directly needs: where a tensor's bytes live
 * (`dataIdMap`), the heap itself, and `makeOutput` to allocate a result.
 * Every use checks for them first (`isWasmInternals`) and falls back to the
 * backend's own kernel when a tfjs upgrade removes them.
 */
export interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number; id: number } | undefined; has(dataId: object): boolean; delete(dataId: object): void };
  /** `asm.memory`: the heap's WebAssembly.Memory, which the SIMD Adam kernel imports. */
  wasm: { HEAPU8: Uint8Array; tfjs: { disposeData(id: number): void }; asm?: { memory?: unknown } };
  makeOutput(shape: number[], dtype: 'float32' | 'int32', memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): ArrayLike<number>;
  /** A float32 view of a tensor's bytes on the heap (public on the backend, but not in tfjs-core's types). */
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** The cpu backend's storage of a tensor (a JS typed array) and how it makes one. */
export interface CpuBackendInternals {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** The engine's way to wrap a backend's TensorInfo as a tensor. */
export interface EngineInternals {
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
}

export const isWasmInternals = (backend: unknown): backend is WasmBackendInternals => {
  const b = backend as Partial<WasmBackendInternals>;
  return typeof b.makeOutput === 'function' && typeof b.readSync === 'function' && typeof b.dataIdMap?.has === 'function' && typeof b.wasm?.tfjs?.disposeData === 'function';
};

/** A view of a float32 or int32 tensor's elements on the heap. Make views after any allocation: it may grow (and move) the heap. */
export function heapView(backend: WasmBackendInternals, t: tf.TensorInfo, length: number): Float32Array | Int32Array {
  const offset = backend.dataIdMap.get(t.dataId)!.memoryOffset;
  return t.dtype === 'int32' ? new Int32Array(backend.wasm.HEAPU8.buffer, offset, length) : new Float32Array(backend.wasm.HEAPU8.buffer, offset, length);
}
