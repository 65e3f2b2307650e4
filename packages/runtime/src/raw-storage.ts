import * as tf from '@tensorflow/tfjs-core';
import { isWasmMemory, type WasmMemory } from './wasm-api.js';
import type { CpuBackendInternals, EngineInternals, WasmBackendInternals } from './wasm-internals.js';

/**
 * Read-write access to a float32 tensor's storage on the backends that keep
 * it in one typed array: cpu (a JS array) and wasm (a range of the wasm heap).
 */
export interface RawStorage {
  /** A live view of the tensor's values. On wasm it is invalid after the next allocation (the heap may grow). */
  view(tensor: tf.Tensor): Float32Array;
  /** A new float32 tensor whose values the caller fills. */
  allocate(shape: number[]): tf.Tensor;
  /** wasm only: the heap, and a tensor's byte offset in it (for code that runs on the heap itself). */
  heap?: { memory: WasmMemory; offset(tensor: tf.Tensor): number };
}

/** Raw access on the current backend when it is cpu or wasm; null on others (webgl, tfjs-node). */
export function rawStorage(): RawStorage | null {
  const name = tf.getBackend();
  const backend = tf.backend() as unknown;
  const engine = tf.engine() as unknown as EngineInternals;
  if (typeof engine.makeTensorFromTensorInfo !== 'function') return null;
  if (name === 'wasm') {
    const wasm = backend as Partial<WasmBackendInternals>;
    if (typeof wasm.typedArrayFromHeap !== 'function' || typeof wasm.makeOutput !== 'function') return null;
    const memory = wasm.wasm?.asm?.memory;
    return {
      view: (tensor) => wasm.typedArrayFromHeap!(tensor),
      allocate: (shape) => engine.makeTensorFromTensorInfo(wasm.makeOutput!(shape, 'float32')),
      ...(isWasmMemory(memory) && typeof wasm.dataIdMap?.get === 'function'
        ? { heap: { memory, offset: (tensor: tf.Tensor) => wasm.dataIdMap!.get(tensor.dataId)!.memoryOffset } }
        : {}),
    };
  }
  if (name === 'cpu') {
    const cpu = backend as Partial<CpuBackendInternals>;
    if (typeof cpu.data?.get !== 'function' || typeof cpu.makeTensorInfo !== 'function') return null;
    return {
      view: (tensor) => {
        const values = cpu.data!.get(tensor.dataId)?.values;
        if (!(values instanceof Float32Array)) throw new Error('rawStorage: expected float32 storage');
        return values;
      },
      allocate: (shape) => engine.makeTensorFromTensorInfo(cpu.makeTensorInfo!(shape, 'float32', new Float32Array(tf.util.sizeFromShape(shape)))),
    };
  }
  return null;
}
