import * as tf from '@tensorflow/tfjs-core';
import type { SequenceSet } from './mnist-data.js';

export interface PulseTaskOptions {
  samples: number;
  steps: number;
  features: number;
  classes: number;
  seed: number;
}

export const PULSE_TASK: Omit<PulseTaskOptions, 'samples' | 'seed'> = { steps: 12, features: 24, classes: 4 };

/** The features that carry the label, spread over the input. */
export function labelFeatures(features: number, classes: number): number[] {
  return Array.from({ length: classes }, (_, c) => Math.floor(((2 * c + 1) * features) / (2 * classes)));
}

/**
 * A generated sequence task: Gaussian noise, plus a 3-step pulse of height 2
 * on feature `labelFeatures[label]` at a random time and an equal pulse on a
 * random other feature as a decoy. Only `classes` features matter, so the
 * input gate has something to find. Seeded.
 */
export function pulseTask(o: PulseTaskOptions): SequenceSet {
  const informative = labelFeatures(o.features, o.classes);
  const decoys = Array.from({ length: o.features }, (_, f) => f).filter((f) => !informative.includes(f));
  return tf.tidy(() => {
    const u = tf.randomUniform([o.samples, 4], 0, 1, 'float32', o.seed).dataSync();
    const values = tf.randomNormal([o.samples, o.steps, o.features], 0, 1, 'float32', o.seed + 1).dataSync() as Float32Array;
    const labels = new Int32Array(o.samples);
    const width = 3;
    const add = (n: number, at: number, feature: number) => {
      for (let t = at; t < at + width; t++) values[(n * o.steps + t) * o.features + feature] += 2;
    };
    for (let n = 0; n < o.samples; n++) {
      labels[n] = Math.min(o.classes - 1, Math.floor(u[4 * n] * o.classes));
      add(n, Math.floor(u[4 * n + 1] * (o.steps - width + 1)), informative[labels[n]]);
      add(n, Math.floor(u[4 * n + 2] * (o.steps - width + 1)), decoys[Math.floor(u[4 * n + 3] * decoys.length)]);
    }
    return { x: tf.tensor3d(values, [o.samples, o.steps, o.features]), y: tf.tensor1d(labels, 'int32') };
  });
}
