import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { categoricalCrossentropy } from '@tfjs-compress/vib';

/** A labelled batch; the consumer disposes `xs` and `ys`. */
export interface Batch {
  xs: tf.Tensor;
  /** One-hot [B, classes] or integer labels [B]. */
  ys: tf.Tensor;
  /** Integer labels, when the source has them at hand (saves a read-back). */
  labels?: Int32Array;
  size: number;
}

/** Batches for one epoch (epochs are 1-based; the epoch seeds shuffling and sampling). */
export interface BatchSource {
  batches(epoch: number): AsyncIterable<Batch>;
  /** Expected batches per epoch (for progress bars). */
  readonly batchesPerEpoch: number;
}

export interface Evaluation {
  accuracy: number;
  loss: number;
  count: number;
  /** Per-class confusion counts [true][predicted]. */
  confusion: number[][];
}

export async function labelsOf(batch: Batch): Promise<Int32Array> {
  if (batch.labels) return batch.labels;
  const ids = batch.ys.rank === 1 ? tf.cast(batch.ys, 'int32') : tf.argMax(batch.ys, -1);
  const data = Int32Array.from(await ids.data());
  ids.dispose();
  return data;
}

/**
 * Accuracy and mean cross-entropy of `model` over one pass of `source`.
 * `transform` maps the batch input first (e.g. keep the compact model's inputs).
 */
export async function evaluate(
  model: tfl.LayersModel,
  source: BatchSource,
  options: { epoch?: number; transform?: (xs: tf.Tensor) => tf.Tensor; classes?: number } = {},
): Promise<Evaluation> {
  let correct = 0;
  let lossSum = 0;
  let count = 0;
  const classes = options.classes ?? 0;
  const confusion: number[][] = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for await (const batch of source.batches(options.epoch ?? 1)) {
    const labels = await labelsOf(batch);
    const [loss, predicted] = tf.tidy(() => {
      const input = options.transform ? options.transform(batch.xs) : batch.xs;
      const probabilities = model.predict(input) as tf.Tensor;
      return [categoricalCrossentropy(batch.ys, probabilities).dataSync()[0], tf.argMax(probabilities, -1).dataSync() as Int32Array] as const;
    });
    for (let i = 0; i < labels.length; i++) {
      if (predicted[i] === labels[i]) correct++;
      if (labels[i] < classes && predicted[i] < classes) confusion[labels[i]][predicted[i]]++;
    }
    lossSum += loss * batch.size;
    count += batch.size;
    tf.dispose([batch.xs, batch.ys]);
  }
  return { accuracy: count > 0 ? correct / count : 0, loss: count > 0 ? lossSum / count : 0, count, confusion };
}

export interface Latency {
  medianMs: number;
  meanMs: number;
  minMs: number;
  runs: number;
}

/** Wall time of `model.predict` on one input (e.g. one clip), after warm-up runs, read-back included. */
export function measureLatency(model: tfl.LayersModel, input: tf.Tensor, options: { warmup?: number; runs?: number } = {}): Latency {
  const warmup = options.warmup ?? 2;
  const runs = options.runs ?? 10;
  const once = () => {
    const started = performance.now();
    tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync());
    return performance.now() - started;
  };
  for (let i = 0; i < warmup; i++) once();
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)],
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    minMs: times[0],
    runs,
  };
}
