import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Bytes of the weights `model.save` writes (weights.bin), float32 unless quantized. */
export async function weightBytes(model: tfl.LayersModel): Promise<number> {
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      bytes = artifacts.weightData == null ? 0 : tf.io.CompositeArrayBuffer.join(artifacts.weightData).byteLength;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return bytes;
}

export interface Latency {
  /** Median of `runs` timed calls, in milliseconds. */
  medianMs: number;
  runs: number;
  batch: number;
}

/**
 * Median wall time of `model.predict(x)` with its result read back (a GPU
 * backend computes asynchronously: the time counts until the numbers are
 * here). A few untimed calls first compile shaders and warm caches. Every
 * tensor a call makes is disposed.
 */
export async function medianLatency(model: tfl.LayersModel, x: tf.Tensor, runs = 30, warmup = 3): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now();
    const y = tf.tidy(() => model.predict(x) as tf.Tensor);
    await y.data();
    y.dispose();
    if (i >= warmup) times.push(performance.now() - started);
  }
  return { medianMs: median(times), runs, batch: x.shape[0] };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Largest |a[i] - b[i]|. */
export function maxAbsDifference(a: readonly number[], b: readonly number[]): number {
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i])), 0);
}

/** Largest |a[n][c] - b[n][c]| over rows of the same shape. */
export function maxRowDifference(a: readonly number[][], b: readonly number[][]): number {
  return a.reduce((max, row, n) => Math.max(max, maxAbsDifference(row, b[n])), 0);
}

/** Argmax of each row. */
export function argMaxRows(rows: number[][]): number[] {
  return rows.map((row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 2 : 1)} KiB`;
}

export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(1)}%`;
}
