import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

interface CachedWeight {
  shape: number[];
  /** float32 values, little-endian, base64. */
  data: string;
}

interface PlainCacheFile {
  /** What the weights belong to; a mismatch means the cache is stale. */
  key: string;
  weights: CachedWeight[];
}

/**
 * Loads the plain baseline's weights from `file` when it was written for the
 * same `key` (model shape, data split, epochs, lr, seed). Returns false when
 * there is no usable cache: the caller trains and calls `savePlainWeights`.
 * Iterating on the pre-trained route then skips the baseline's minutes.
 */
export function loadPlainWeights(model: tfl.LayersModel, file: string, key: string): boolean {
  if (!existsSync(file)) return false;
  const cached = JSON.parse(readFileSync(file, 'utf8')) as PlainCacheFile;
  if (cached.key !== key || cached.weights.length !== model.getWeights().length) return false;
  const tensors = cached.weights.map((w) => {
    const bytes = Buffer.from(w.data, 'base64');
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return tf.tensor(values, w.shape, 'float32');
  });
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
  return true;
}

/** Writes the model's weights for `loadPlainWeights` (temp file, then rename). */
export function savePlainWeights(model: tfl.LayersModel, file: string, key: string): void {
  const weights = model.getWeights().map((t) => {
    const values = t.dataSync() as Float32Array;
    return { shape: t.shape, data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') };
  });
  const content: PlainCacheFile = { key, weights };
  writeFileSync(`${file}.tmp`, JSON.stringify(content));
  renameSync(`${file}.tmp`, file);
}
