import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { normalizationTable, type Normalization } from '@tfjs-compress/video';

export type { Normalization } from '@tfjs-compress/video';

/**
 * A per-frame image model that turns a batch of frames into one feature
 * vector per frame: the "CNN" half of a CNN-LSTM.
 */
export interface FrameFeatureExtractor {
  /**
   * Stable identity of model + output + input size + normalisation. Two
   * extractors with the same id produce the same features, so it is the
   * extractor part of a feature-cache key.
   */
  readonly id: string;
  /** Length of one frame's feature vector. */
  readonly featureSize: number;
  /** Frame height in pixels the model expects. */
  readonly inputHeight: number;
  /** Frame width in pixels the model expects. */
  readonly inputWidth: number;
  /** How uint8 RGB pixels must be normalised before `extract`. */
  readonly normalization: Normalization;
  /**
   * Features of `frames` ([N, inputHeight, inputWidth, 3] float32, already
   * normalised) as [N, featureSize]. The caller owns (and disposes) both.
   */
  extract(frames: tf.Tensor4D): tf.Tensor2D;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * A short stable string for a normalisation, for extractor ids:
 * 'imagenet' | 'unit' | 'none' | 'mean=r,g,b;std=r,g,b'.
 */
export function normalizationId(normalization: Normalization): string {
  // Validates too (throws InvalidArgumentError on a malformed value).
  normalizationTable(normalization);
  if (typeof normalization === 'string') return normalization;
  return `mean=${normalization.mean.join(',')};std=${normalization.std.join(',')}`;
}

/** Throws unless `frames` is [N, inputHeight, inputWidth, 3] float32. */
export function assertFrameBatch(extractor: FrameFeatureExtractor, frames: tf.Tensor): void {
  const [, height, width, channels] = frames.shape;
  if (frames.rank !== 4 || height !== extractor.inputHeight || width !== extractor.inputWidth || channels !== 3
    || frames.dtype !== 'float32') {
    throw new InvalidArgumentError('frames', `${frames.dtype} tensor of shape [${frames.shape.join(', ')}]`,
      `a float32 tensor of shape [N, ${extractor.inputHeight}, ${extractor.inputWidth}, 3]`);
  }
}

/**
 * Maps bytes [0, 255] to [-1, 1] (v / 127.5 - 1): what Keras `preprocess_input`
 * does in its 'tf' mode, used by Inception-v3 and MobileNetV2.
 */
export const SYMMETRIC_NORMALIZATION: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
