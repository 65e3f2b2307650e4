import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { runModelDir, topPredictions, type Prediction } from '@tfjs-compress/app-kit';
import { fileSystemHandler, loadCompact } from '@tfjs-compress/prune/node';
import { selectBackend } from '@tfjs-compress/runtime';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { decodeClip, gatherFrames, sampleFrameIndices } from '@tfjs-compress/video';
import './register.js';
import { compactLstmRunner, type CompactEngine } from './compact-lstm-runner.js';
import { extractorFromOptions } from './extractor-from-options.js';
import { featuriseClip } from './featurise-clip.js';
import { readCnnLstmRun } from './run-files.js';
import type { RunCommandOptions } from './run-commands.js';

export const INFER_MODELS = ['compact', 'vib'] as const;
export type InferModel = (typeof INFER_MODELS)[number];

/** The run (`out`, `backend`), which model classifies (default: 'compact') and how many classes to return (default: 3). */
export type InferOptions = RunCommandOptions & { model?: InferModel; topK?: number };

export type { Prediction } from '@tfjs-compress/app-kit';

export interface InferResult {
  /** Top-k classes, best first. */
  predictions: Prediction[];
  /** How the LSTM + head ran: 'fused' (compact model through prune's CompactForward) or 'layers' (model.predict). */
  engine: CompactEngine;
  /** Wall time per stage: decode, feature extraction, LSTM + head. */
  ms: { decode: number; features: number; lstm: number; total: number };
}

/**
 * Classifies one clip with a trained run: decode at the extractor's input
 * size, the test sampling of T frames, CNN features (computed, not cached:
 * a new clip), then the compact (or VIB) model. The compact model runs
 * through `compactLstmRunner` (fused when its topology allows, else
 * `model.predict`).
 */
export async function infer(clip: string, options: InferOptions): Promise<InferResult> {
  if (!existsSync(clip)) throw new InvalidArgumentError('clip', clip, 'an existing video file');
  const topK = options.topK ?? 3;
  if (!Number.isInteger(topK) || topK < 1) throw new InvalidArgumentError('topK', topK, 'an integer >= 1');
  await selectBackend(options.backend);
  const run = readCnnLstmRun(options.out);
  const which = options.model ?? 'compact';
  const modelDir = runModelDir(options.out, which, run);
  const extractor = await extractorFromOptions(run.options);
  const T = run.options.frames;
  const loaded = which === 'compact'
    ? await loadCompact(modelDir).then(({ model, compression }) => ({
      model,
      runner: compactLstmRunner(model, compression.keptInputs, { frames: T, features: extractor.featureSize }),
    }))
    : { model: await tfl.loadLayersModel(fileSystemHandler(modelDir)), runner: undefined };
  try {
    const t0 = performance.now();
    const decoded = await decodeClip(resolve(clip), { width: extractor.inputWidth, height: extractor.inputHeight });
    const frames = gatherFrames(decoded.data, decoded.width, decoded.height, sampleFrameIndices(decoded.numFrames, run.options.frames, { mode: 'test' }));
    const t1 = performance.now();
    const features = await featuriseClip(extractor, frames);
    const t2 = performance.now();
    const probabilities = loaded.runner
      ? loaded.runner.run(features)
      : tf.tidy(() => (loaded.model.predict(tf.tensor3d(features, [1, T, extractor.featureSize])) as tf.Tensor).dataSync() as Float32Array);
    const t3 = performance.now();
    const predictions = topPredictions(probabilities, run.classes, topK);
    return { predictions, engine: loaded.runner?.engine ?? 'layers', ms: { decode: t1 - t0, features: t2 - t1, lstm: t3 - t2, total: t3 - t0 } };
  } finally {
    extractor.dispose();
    loaded.model.dispose();
  }
}
