import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { QuantizeDtype } from '@tfjs-compress/prune';
import { labelsOf, type BatchSource } from './evaluate.js';

/**
 * <out>/test-predictions.json: the compact model's inputs for the run's test
 * clips and the probabilities Node computed for them, so that another runtime
 * (the web app's check page, in a browser) can load <out>/compact and
 * <out>/quantized with plain tfjs and compare. Browser-readable: no tensors,
 * inputs as base64 of little-endian float32.
 */
export const TEST_PREDICTIONS_FILE = 'test-predictions.json';

/** Largest number of input values recorded (16 MiB of float32): the first test clips up to it. */
export const MAX_RECORDED_VALUES = 1 << 22;

export interface TestPredictions {
  /** The backend Node computed the probabilities on. */
  backend: string;
  /** Shape of one example as the compact model reads it (its kept inputs only). */
  exampleShape: number[];
  /** Examples recorded: the first `count` of `testClips`. */
  count: number;
  testClips: number;
  labels: number[];
  /** `count * prod(exampleShape)` float32 values, row-major, base64. */
  inputsBase64: string;
  /** The compact model (<out>/compact), [count][classes]. */
  compact: number[][];
  /** The quantized compact model (<out>/quantized), as plain `tf.loadLayersModel` reads it back. */
  quantized: { dtype: QuantizeDtype; probabilities: number[][] } | null;
}

export interface RecordOptions {
  backend: string;
  /** Maps a batch to the compact model's input (keeps its inputs). */
  transform: (xs: tf.Tensor) => tf.Tensor;
  compact: tfl.LayersModel;
  quantized?: { dtype: QuantizeDtype; model: tfl.LayersModel } | null;
  maxValues?: number;
}

/** One pass over `source`: the first test examples, their labels and both models' probabilities. */
export async function recordTestPredictions(source: BatchSource, o: RecordOptions): Promise<TestPredictions> {
  const maxValues = o.maxValues ?? MAX_RECORDED_VALUES;
  const inputs: Float32Array[] = [];
  const labels: number[] = [];
  const compact: number[][] = [];
  const quantized: number[][] = [];
  let exampleShape: number[] = [];
  let values = 0;
  let testClips = 0;
  for await (const batch of source.batches(0)) {
    testClips += batch.size;
    const batchLabels = await labelsOf(batch);
    const kept = o.transform(batch.xs);
    tf.dispose([batch.xs, batch.ys]);
    exampleShape = kept.shape.slice(1);
    const perExample = exampleShape.reduce((a, b) => a * b, 1);
    const take = Math.min(kept.shape[0], Math.floor((maxValues - values) / perExample));
    if (take > 0) {
      const x = tf.slice(kept, 0, take);
      inputs.push((await x.data()) as Float32Array);
      compact.push(...(await predictRows(o.compact, x)));
      if (o.quantized) quantized.push(...(await predictRows(o.quantized.model, x)));
      labels.push(...Array.from(batchLabels.subarray(0, take)));
      values += take * perExample;
      x.dispose();
    }
    kept.dispose();
  }
  const flat = new Float32Array(values);
  let at = 0;
  for (const part of inputs) {
    flat.set(part, at);
    at += part.length;
  }
  return {
    backend: o.backend,
    exampleShape,
    count: labels.length,
    testClips,
    labels,
    inputsBase64: Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength).toString('base64'),
    compact,
    quantized: o.quantized ? { dtype: o.quantized.dtype, probabilities: quantized } : null,
  };
}

async function predictRows(model: tfl.LayersModel, x: tf.Tensor): Promise<number[][]> {
  const y = model.predict(x) as tf.Tensor2D;
  const rows = (await y.array()) as number[][];
  y.dispose();
  return rows;
}
