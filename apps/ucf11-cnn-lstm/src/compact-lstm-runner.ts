import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { keepInputs } from '@tfjs-compress/app-kit';
import { CompactForward } from '@tfjs-compress/prune';
import { InvalidArgumentError, assertPositiveInteger } from '@tfjs-compress/common';

/** How the compact LSTM + head runs: 'fused' (prune's `CompactForward`) or 'layers' (`model.predict`). */
export type CompactEngine = 'fused' | 'layers';

/** Runs a compact model on one clip's full feature matrix. */
export interface CompactLstmRunner {
  /** The path taken: 'fused' when `CompactForward` supports the model, else 'layers'. */
  readonly engine: CompactEngine;
  /** Why the fused path was not taken (null when it was, or when 'layers' was asked for). */
  readonly fallbackReason: string | null;
  /** `features`: [T, F] floats of all F extractor features; returns the class probabilities. */
  run(features: Float32Array): Float32Array;
}

export interface CompactLstmRunnerOptions {
  /** Time steps T of a clip. */
  frames: number;
  /** Features per frame F before input selection. */
  features: number;
  /** Force `model.predict` (the reference path, and what the benchmark compares with). Default: false. */
  layersOnly?: boolean;
}

/**
 * Batch-1 inference with a compact model (input = the kept features only).
 * At compact sizes tfjs-layers' per-op overhead dominates `model.predict`,
 * so the fused path picks the kept features in JavaScript and runs prune's
 * `CompactForward` (one backend matMul, then plain JS); models it cannot run
 * (another topology) fall back to `model.predict` after a gather. Both paths
 * give the same probabilities to float32 rounding. The model must outlive the
 * runner; the runner holds no tensors.
 */
export function compactLstmRunner(model: tfl.LayersModel, keptInputs: readonly number[], options: CompactLstmRunnerOptions): CompactLstmRunner {
  const { frames: T, features: F } = options;
  assertPositiveInteger(T, 'frames');
  assertPositiveInteger(F, 'features');
  const kept = Int32Array.from(keptInputs);
  if (kept.some((k) => !(k >= 0 && k < F))) throw new InvalidArgumentError('keptInputs', `[${keptInputs.slice(0, 5).join(', ')}...]`, `indices in [0, ${F})`);
  const checkInput = (features: Float32Array) => {
    if (!(features instanceof Float32Array) || features.length !== T * F) {
      throw new InvalidArgumentError('features', features?.length, `a Float32Array of ${T} x ${F} floats`);
    }
  };
  const reason = options.layersOnly ? null : kept.length === 0 ? 'no kept inputs' : CompactForward.supports(model);
  if (!options.layersOnly && reason == null) {
    const forward = new CompactForward(model);
    const K = kept.length;
    const picked = new Float32Array(T * K);
    return {
      engine: 'fused',
      fallbackReason: null,
      run: (features) => {
        checkInput(features);
        for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) picked[t * K + k] = features[t * F + kept[k]];
        return forward.run(picked);
      },
    };
  }
  const gather = keepInputs([...keptInputs]);
  return {
    engine: 'layers',
    fallbackReason: reason,
    run: (features) => {
      checkInput(features);
      return tf.tidy(() => (model.predict(gather(tf.tensor3d(features, [1, T, F]))) as tf.Tensor).dataSync() as Float32Array);
    },
  };
}
