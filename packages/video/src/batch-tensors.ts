import * as tf from '@tensorflow/tfjs-core';
import { assertOneOf, assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import { DEFAULT_NORMALIZATION, normalizationTable, normalizeInto, type Normalization } from './normalization.js';

export const BATCH_LAYOUTS = ['flat', 'frames'] as const;
/** 'flat': [B, T, H*W*3] (the end-to-end model's input); 'frames': [B, T, H, W, 3]. */
export type BatchLayout = (typeof BATCH_LAYOUTS)[number];
export const DEFAULT_BATCH_LAYOUT: BatchLayout = 'flat';

export const LABEL_ENCODINGS = ['one-hot', 'index'] as const;
/** 'one-hot': float32 [B, numClasses]; 'index': int32 [B]. */
export type LabelEncoding = (typeof LABEL_ENCODINGS)[number];
export const DEFAULT_LABEL_ENCODING: LabelEncoding = 'one-hot';

export interface BatchTensorOptions {
  framesPerClip: number;
  width: number;
  height: number;
  numClasses: number;
  /** Default: 'flat'. */
  layout?: BatchLayout;
  /** Default: DEFAULT_NORMALIZATION ('imagenet'). */
  normalization?: Normalization;
  /** Default: 'one-hot'. */
  labelEncoding?: LabelEncoding;
}

/**
 * Builds the x and y tensors of a batch from sampled uint8 frames
 * ([B, T, H, W, 3] bytes) and integer labels. The floats are filled into
 * one Float32Array and handed to tf.tensor once: no per-pixel tf ops, and
 * nothing left behind but the two returned tensors (the caller disposes them).
 */
export function toBatchTensors(
  frames: Uint8Array,
  labels: ArrayLike<number>,
  options: BatchTensorOptions,
  /** A normalizationTable(options.normalization) computed once by the caller. */
  table?: Float32Array,
): { xs: tf.Tensor; ys: tf.Tensor } {
  const { framesPerClip, width, height, numClasses } = options;
  assertPositiveInteger(framesPerClip, 'framesPerClip');
  assertPositiveInteger(width, 'width');
  assertPositiveInteger(height, 'height');
  assertPositiveInteger(numClasses, 'numClasses');
  const layout = options.layout ?? DEFAULT_BATCH_LAYOUT;
  assertOneOf(layout, BATCH_LAYOUTS, 'layout');
  const labelEncoding = options.labelEncoding ?? DEFAULT_LABEL_ENCODING;
  assertOneOf(labelEncoding, LABEL_ENCODINGS, 'labelEncoding');
  const clipBytes = framesPerClip * width * height * 3;
  const batch = labels.length;
  if (frames.length !== batch * clipBytes) {
    throw new InvalidArgumentError('frames', `${frames.length} bytes`, `${batch} clips x ${clipBytes} bytes`);
  }
  for (let b = 0; b < batch; b++) {
    const label = labels[b];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new InvalidArgumentError('labels', label, `an integer in [0, ${numClasses})`);
    }
  }
  const x = new Float32Array(frames.length);
  normalizeInto(frames, table ?? normalizationTable(options.normalization ?? DEFAULT_NORMALIZATION), x);
  const shape = layout === 'flat' ? [batch, framesPerClip, width * height * 3] : [batch, framesPerClip, height, width, 3];

  let ys: tf.Tensor;
  if (labelEncoding === 'index') {
    ys = tf.tensor1d(Int32Array.from(labels), 'int32');
  } else {
    const y = new Float32Array(batch * numClasses);
    for (let b = 0; b < batch; b++) y[b * numClasses + labels[b]] = 1;
    ys = tf.tensor2d(y, [batch, numClasses], 'float32');
  }
  return { xs: tf.tensor(x, shape, 'float32'), ys };
}
