import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler, loadCompact } from '@tfjs-compress/prune';
import { selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import './register.js';
import { keepInputs } from './compress.js';
import { videoSource } from './dataset.js';
import { readRun, runPaths } from './run-files.js';

export const INFER_MODELS = ['compact', 'vib'] as const;
export type InferModel = (typeof INFER_MODELS)[number];

export interface InferOptions {
  out: string;
  model: InferModel;
  topK: number;
  backend: BackendChoice;
}

export interface Prediction {
  className: string;
  label: number;
  probability: number;
}

/**
 * Classifies one clip with the run's compact (default) or VIB model: the
 * clip goes through the same test-mode sampling and normalisation as in
 * training; returns the top-k classes with their probabilities.
 */
export async function infer(clipPath: string, options: InferOptions): Promise<{ predictions: Prediction[]; ms: number }> {
  await selectBackend(options.backend);
  const run = readRun(options.out);
  const paths = runPaths(options.out);
  const path = resolve(clipPath);
  if (!existsSync(path)) throw new Error(`clip not found: ${path}`);
  let model: tfl.LayersModel;
  let transform: ((xs: tf.Tensor) => tf.Tensor) | null = null;
  if (options.model === 'compact') {
    const loaded = await loadCompact(paths.compact);
    model = loaded.model;
    transform = keepInputs(loaded.compression.keptInputs);
  } else {
    model = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
  }
  const o = run.options;
  const classes = run.classes.length;
  const source = videoSource([{ path, label: 0, className: run.classes[0], group: null }], 'test', {
    frames: o.frames, width: o.width, height: o.height, batchSize: 1, classes, seed: o.seed,
    cacheDir: resolve(paths.dir, 'frame-cache'),
  });
  let probabilities: Float32Array | null = null;
  const started = performance.now();
  try {
    for await (const batch of source.batches(0)) {
      probabilities = tf.tidy(() => (model.predict(transform ? transform(batch.xs) : batch.xs) as tf.Tensor).dataSync() as Float32Array);
      tf.dispose([batch.xs, batch.ys]);
    }
  } finally {
    await source.stream.close();
    model.dispose();
  }
  if (probabilities == null) throw new Error(`could not decode ${path}`);
  const ms = performance.now() - started;
  const predictions = Array.from(probabilities, (probability, label) => ({ className: run.classes[label], label, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, Math.min(options.topK, classes));
  return { predictions, ms };
}
