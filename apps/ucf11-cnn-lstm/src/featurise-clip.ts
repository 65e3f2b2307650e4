import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertPositiveInteger } from '@tfjs-compress/common';
import { normalizationTable, normalizeInto, type Normalization } from '@tfjs-compress/video';
import type { FrameFeatureExtractor } from './frame-feature-extractor.js';

/** Frames per extractor call: large enough to amortise per-call overhead, small enough for a modest heap. */
export const DEFAULT_FEATURISE_BATCH_SIZE = 16;

export interface FeaturiseClipOptions {
  /** Normalisation applied to the bytes. Default: the extractor's own `normalization`. */
  normalization?: Normalization;
  /** Frames per `extract` call. Default: 16 (DEFAULT_FEATURISE_BATCH_SIZE). */
  batchSize?: number;
}

/**
 * Features of one clip: `frames` holds T RGB frames, [T, inputHeight,
 * inputWidth, 3] uint8 (interleaved, as the video package decodes them) at
 * the extractor's input size. Each byte is normalised once (through a lookup
 * table) into a reused batch buffer, and the extractor runs batch by batch.
 * Returns [T, featureSize] row-major; no tensors outlive the call.
 */
export async function featuriseClip(extractor: FrameFeatureExtractor, frames: Uint8Array,
  options: FeaturiseClipOptions = {}): Promise<Float32Array> {
  const table = normalizationTable(options.normalization ?? extractor.normalization);
  const batchSize = options.batchSize ?? DEFAULT_FEATURISE_BATCH_SIZE;
  assertPositiveInteger(batchSize, 'batchSize');
  const { inputHeight: height, inputWidth: width, featureSize } = extractor;
  const frameBytes = height * width * 3;
  if (!(frames instanceof Uint8Array) || frames.length % frameBytes !== 0) {
    throw new InvalidArgumentError('frames', frames instanceof Uint8Array ? `${frames.length} bytes` : frames,
      `a Uint8Array of T x ${height} x ${width} x 3 bytes (a multiple of ${frameBytes})`);
  }
  const count = frames.length / frameBytes;
  const features = new Float32Array(count * featureSize);
  const buffer = new Float32Array(Math.min(batchSize, count) * frameBytes);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const pixels = buffer.subarray(0, n * frameBytes);
    normalizeInto(frames.subarray(start * frameBytes, (start + n) * frameBytes), table, pixels);
    // The cpu backend may keep a reference to `pixels`: the tensor is disposed before the buffer is refilled.
    const input = tf.tensor4d(pixels, [n, height, width, 3]);
    let output: tf.Tensor2D | null = null;
    try {
      output = extractor.extract(input);
      if (output.shape[0] !== n || output.shape[1] !== featureSize) {
        throw new Error(`extractor '${extractor.id}' returned shape [${output.shape.join(', ')}] for ${n} frames, `
          + `expected [${n}, ${featureSize}]`);
      }
      features.set(await output.data() as Float32Array, start * featureSize);
    } finally {
      input.dispose();
      output?.dispose();
    }
  }
  return features;
}
