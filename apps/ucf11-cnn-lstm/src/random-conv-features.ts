import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertPositiveInteger } from '@tfjs-compress/common';
import { DEFAULT_NORMALIZATION, mulberry32, type Normalization, type Rng } from '@tfjs-compress/video';
import { assertFrameBatch, normalizationId, type FrameFeatureExtractor } from './frame-feature-extractor.js';

/** Default number of features per frame (Inception-v3's pooled size, so the rest of the app is sized alike). */
export const DEFAULT_RANDOM_FEATURE_SIZE = 2048;
/** Default frame height: the UCF11 pipeline decodes 160x120 frames. */
export const DEFAULT_RANDOM_INPUT_HEIGHT = 120;
/** Default frame width. */
export const DEFAULT_RANDOM_INPUT_WIDTH = 160;
/** Default output channels of the three 3x3 stride-2 convolutions. */
export const DEFAULT_RANDOM_CHANNELS: readonly number[] = [32, 64, 128];
/** Default seed of the fixed random weights. */
export const DEFAULT_RANDOM_SEED = 1;

const KERNEL = 3;
const STRIDE = 2;

export interface RandomConvFeaturesOptions {
  /** Seed of the weights: same seed, same features. Any integer. Default: 1 (DEFAULT_RANDOM_SEED). */
  seed?: number;
  /** Features per frame (width of the final 1x1 convolution). Default: 2048. */
  featureSize?: number;
  /** Frame height in pixels. Default: 120. */
  inputHeight?: number;
  /** Frame width in pixels. Default: 160. */
  inputWidth?: number;
  /**
   * Output channels of each 3x3 stride-2 convolution, in order (one or more).
   * Default: [32, 64, 128].
   */
  channels?: readonly number[];
  /** Normalisation the frames get before `extract`. Default: 'imagenet'. */
  normalization?: Normalization;
  /**
   * Average pooling over a [rows, cols] grid of the last feature map instead
   * of over all of it: features are then rows x cols cells of
   * featureSize / (rows x cols) channels each, cell by cell, and keep coarse
   * position (global pooling is translation-invariant, so it cannot see
   * where an object moves). featureSize must be a multiple of rows x cols.
   * Default: [1, 1] (global average pooling, like Inception-v3's avg_pool).
   */
  poolGrid?: readonly [number, number];
}

/**
 * A fixed, UNTRAINED convolutional feature extractor: a few 3x3 stride-2
 * convolutions with ReLU, a 1x1 convolution to `featureSize` channels with
 * ReLU, then global average pooling. Its weights are He-normal random numbers
 * drawn from a seeded generator; nothing was ever fitted to data.
 *
 * It exists so the CNN-LSTM pipeline runs offline with no download: a
 * baseline of random features (which keep colour, texture and coarse layout
 * statistics), not a substitute for an ImageNet-trained CNN. Deterministic for
 * a seed on every backend (up to float rounding); inference only.
 */
export class RandomConvFeatures implements FrameFeatureExtractor {
  readonly id: string;
  readonly featureSize: number;
  readonly inputHeight: number;
  readonly inputWidth: number;
  readonly normalization: Normalization;
  readonly seed: number;
  readonly channels: readonly number[];
  /** Pooling grid [rows, cols] of the last feature map. */
  readonly poolGrid: readonly [number, number];
  /** Floating-point operations per frame (2 per multiply-add; ReLU and pooling not counted). */
  readonly flopsPerFrame: number;
  private readonly kernels: tf.Tensor4D[];
  private disposed = false;

  constructor(options: RandomConvFeaturesOptions = {}) {
    this.seed = options.seed ?? DEFAULT_RANDOM_SEED;
    if (!Number.isSafeInteger(this.seed)) throw new InvalidArgumentError('seed', this.seed, 'an integer');
    this.featureSize = options.featureSize ?? DEFAULT_RANDOM_FEATURE_SIZE;
    assertPositiveInteger(this.featureSize, 'featureSize');
    this.inputHeight = options.inputHeight ?? DEFAULT_RANDOM_INPUT_HEIGHT;
    assertPositiveInteger(this.inputHeight, 'inputHeight');
    this.inputWidth = options.inputWidth ?? DEFAULT_RANDOM_INPUT_WIDTH;
    assertPositiveInteger(this.inputWidth, 'inputWidth');
    const channels = options.channels ?? DEFAULT_RANDOM_CHANNELS;
    if (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => Number.isInteger(c) && c > 0)) {
      throw new InvalidArgumentError('channels', channels, 'a non-empty array of positive integers');
    }
    this.channels = [...channels];
    this.normalization = options.normalization ?? DEFAULT_NORMALIZATION;
    const grid = options.poolGrid ?? [1, 1];
    if (!Array.isArray(grid) || grid.length !== 2 || !grid.every((g) => Number.isInteger(g) && g > 0)
      || this.featureSize % (grid[0] * grid[1]) !== 0) {
      throw new InvalidArgumentError('poolGrid', grid, `[rows, cols] of positive integers whose product divides featureSize (${this.featureSize})`);
    }
    this.poolGrid = [grid[0], grid[1]];
    const cells = grid[0] * grid[1];
    this.id = `random-conv:seed=${this.seed}:channels=${this.channels.join('-')}:features=${this.featureSize}`
      + `:size=${this.inputWidth}x${this.inputHeight}:norm=${normalizationId(this.normalization)}`
      + (cells > 1 ? `:grid=${grid[0]}x${grid[1]}` : '');
    const lastChannels = this.featureSize / cells;

    const rng = mulberry32(this.seed);
    const shapes: [number, number, number, number][] = [];
    let inChannels = 3;
    let height = this.inputHeight;
    let width = this.inputWidth;
    let flops = 0;
    for (const out of this.channels) {
      shapes.push([KERNEL, KERNEL, inChannels, out]);
      // 'same' padding with stride 2 rounds the output size up.
      height = Math.ceil(height / STRIDE);
      width = Math.ceil(width / STRIDE);
      flops += 2 * height * width * KERNEL * KERNEL * inChannels * out;
      inChannels = out;
    }
    if (grid[0] > height || grid[1] > width) {
      throw new InvalidArgumentError('poolGrid', grid, `a grid no finer than the last feature map (${height}x${width})`);
    }
    shapes.push([1, 1, inChannels, lastChannels]);
    flops += 2 * height * width * inChannels * lastChannels;
    this.flopsPerFrame = flops;
    this.kernels = shapes.map((shape) => tf.tensor4d(heNormal(rng, shape), shape));
  }

  extract(frames: tf.Tensor4D): tf.Tensor2D {
    if (this.disposed) throw new Error('RandomConvFeatures.extract called after dispose().');
    assertFrameBatch(this, frames);
    return tf.tidy(() => {
      let x: tf.Tensor4D = frames;
      const last = this.kernels.length - 1;
      this.kernels.forEach((filter, i) => {
        x = tf.fused.conv2d({ x, filter, strides: i === last ? 1 : STRIDE, pad: 'same', activation: 'relu' });
      });
      const [rows, cols] = this.poolGrid;
      if (rows * cols === 1) return tf.mean(x, [1, 2]) as tf.Tensor2D;
      const [, h, w] = x.shape;
      const cells: tf.Tensor[] = [];
      for (let r = 0; r < rows; r++) {
        const top = Math.floor((r * h) / rows);
        const bottom = Math.floor(((r + 1) * h) / rows);
        for (let c = 0; c < cols; c++) {
          const left = Math.floor((c * w) / cols);
          const right = Math.floor(((c + 1) * w) / cols);
          cells.push(tf.mean(tf.slice(x, [0, top, left, 0], [-1, bottom - top, right - left, -1]), [1, 2]));
        }
      }
      return tf.concat(cells, 1) as tf.Tensor2D;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const kernel of this.kernels) kernel.dispose();
  }
}

/** He-normal values (std sqrt(2 / fan-in)) for a [kh, kw, in, out] kernel, by Box-Muller. */
function heNormal(rng: Rng, [kh, kw, cin, cout]: [number, number, number, number]): Float32Array {
  const values = new Float32Array(kh * kw * cin * cout);
  const std = Math.sqrt(2 / (kh * kw * cin));
  for (let i = 0; i < values.length; i += 2) {
    // 1 - u keeps the log argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - rng.next())) * std;
    const angle = 2 * Math.PI * rng.next();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < values.length) values[i + 1] = radius * Math.sin(angle);
  }
  return values;
}
