import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler } from '@tfjs-compress/prune/node';
import { runModelDir } from '@tfjs-compress/app-kit';
import { selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { InvalidArgumentError } from '@tfjs-compress/common';
import './register.js';
import { CompactClipPredictor, type StageTimes } from './compact-predictor.js';
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

export interface InferResult {
  /** Top-k classes, most probable first. */
  predictions: Prediction[];
  /** Wall time from the start of decoding to the probabilities (model loading excluded). */
  ms: number;
  /** Per stage (decode, gather, model): the compact model only. */
  times?: StageTimes;
}

/**
 * Classifies one clip with the run's compact (default) or VIB model: the
 * clip goes through the same test-mode sampling and normalisation as in
 * training; returns the top-k classes with their probabilities. The compact
 * model goes through `CompactClipPredictor`, which reads only its kept
 * pixels from the decoded frames; the VIB model gets the full frames.
 */
export async function infer(clipPath: string, options: InferOptions): Promise<InferResult> {
  await selectBackend(options.backend);
  const run = readRun(options.out);
  const paths = runPaths(options.out);
  const modelDir = runModelDir(options.out, options.model, run);
  const path = resolve(clipPath);
  if (!existsSync(path)) throw new Error(`clip not found: ${path}`);
  const o = run.options;
  const classes = run.classes.length;
  const cacheDir = resolve(paths.dir, 'frame-cache');
  let probabilities: Float32Array | null = null;
  let times: StageTimes | undefined;
  let ms = 0;
  if (options.model === 'compact') {
    // Only the kept pixels are read from the decoded frames (CompactClipPredictor).
    const predictor = await CompactClipPredictor.load(modelDir, { frames: o.frames, width: o.width, height: o.height, cacheDir }).catch((error: unknown) => {
      // A compact model copied from another run: its kept pixels or time steps are not this run's.
      if (InvalidArgumentError.isInstance(error) && (error.option === 'keptInputs' || error.option === 'frames')) {
        throw new Error(`the compact model in ${modelDir} does not fit this run's ${o.frames} frames of ${o.width}x${o.height} (${error.message}): it was compacted from another run; run 'compress --out ${options.out}' again`);
      }
      throw error;
    });
    try {
      const result = await predictor.predict(path);
      probabilities = result.probabilities;
      times = result.times;
      ms = result.times.totalMs;
    } finally {
      predictor.dispose();
    }
  } else {
    const model = await tfl.loadLayersModel(fileSystemHandler(modelDir));
    const source = videoSource([{ path, label: 0, className: run.classes[0], group: null }], 'test', {
      frames: o.frames, width: o.width, height: o.height, batchSize: 1, classes, seed: o.seed, cacheDir,
    });
    const started = performance.now();
    try {
      for await (const batch of source.batches(0)) {
        probabilities = tf.tidy(() => (model.predict(batch.xs) as tf.Tensor).dataSync() as Float32Array);
        tf.dispose([batch.xs, batch.ys]);
      }
    } finally {
      await source.stream.close();
      model.dispose();
    }
    ms = performance.now() - started;
  }
  if (probabilities == null) throw new Error(`could not decode ${path}`);
  const predictions = Array.from(probabilities, (probability, label) => ({ className: run.classes[label], label, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, Math.min(options.topK, classes));
  return { predictions, ms, ...(times ? { times } : {}) };
}
