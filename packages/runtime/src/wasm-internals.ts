import type * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm 4.x's private backend object that a kernel
 * working on the heap directly needs: where a tensor's bytes live
 * (`dataIdMap`), the heap itself, and `makeOutput` to allocate a result.
 * Every use checks for them first (`isWasmInternals`) and falls back to the
 * backend's own kernel when a tfjs upgrade removes them.
 */
export interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number; id: number } | undefined; has(dataId: object): boolean; delete(dataId: object): void };
  wasm: { HEAPU8: Uint8Array; tfjs: { disposeData(id: number): void } };
  makeOutput(shape: number[], dtype: 'float32' | 'int32', memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): ArrayLike<number>;
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
