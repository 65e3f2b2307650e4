import * as tf from '@tensorflow/tfjs-core';
import { heapView, isWasmInternals } from './wasm-internals.js';

/**
 * tfjs-backend-wasm 4.22 has no UnsortedSegmentSum kernel, and the gradient
 * of `tf.gather` uses it: on wasm, training an Embedding layer (or anything
 * behind a gather) fails with "Kernel 'UnsortedSegmentSum' not registered".
 * This registers one that sums on the wasm heap in JS: out[s, ...] = sum of
 * x[i, ...] over the i with segmentIds[i] == s (ids outside [0, numSegments)
 * are dropped, as in TensorFlow). Does nothing when the backend already has
 * one; returns whether it registered it.
 */
export function registerWasmSegmentSum(): boolean {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') != null) return false;
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: segmentSum });
  return true;
}

function segmentSum({ inputs, backend, attrs }: Parameters<tf.KernelConfig['kernelFunc']>[0]): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const { numSegments } = attrs as unknown as { numSegments: number };
  if (!isWasmInternals(backend)) throw new Error('UnsortedSegmentSum: the wasm backend does not expose the heap this kernel needs');
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: dtype ${x.dtype} is not supported on wasm (float32 or int32)`);
  const ids = backend.readSync(segmentIds.dataId);
  const rows = ids.length;
  const size = x.shape.reduce((a, b) => a * b, 1);
  const inner = rows === 0 ? 0 : size / rows;
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views after the allocation: it may have grown the heap. The new memory is not zeroed.
  const target = heapView(backend, out, numSegments * inner);
  target.fill(0);
  if (size === 0) return out;
  const source = heapView(backend, x, size);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (!(s >= 0 && s < numSegments)) continue;
    const from = i * inner;
    const to = s * inner;
    for (let k = 0; k < inner; k++) target[to + k] += source[from + k];
  }
  return out;
}
