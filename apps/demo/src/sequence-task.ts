import * as tf from '@tensorflow/tfjs-core';

export interface SequenceTaskOptions {
  samples: number;
  steps: number;
  features: number;
  classes: number;
  /** Height of the pulse that marks the class. */
  amplitude: number;
  /** Consecutive steps the pulse lasts. */
  pulseLength: number;
  seed: number;
}

export const DEFAULT_TASK: Omit<SequenceTaskOptions, 'samples' | 'seed'> = {
  steps: 12,
  features: 24,
  classes: 4,
  amplitude: 2,
  pulseLength: 3,
};

export interface SequenceTask {
  /** [samples, steps, features] */
  x: tf.Tensor3D;
  /** [samples] int32 class labels */
  y: tf.Tensor1D;
  /** The features that carry the label (class c pulses on informative[c]). */
  informative: number[];
}

/** The features that carry the label: spread out, so finding them is not a matter of position. */
export function informativeFeatures(features: number, classes: number): number[] {
  return Array.from({ length: classes }, (_, c) => Math.floor(((c + 0.5) * features) / classes));
}

/**
 * Sequences of Gaussian noise in which class c shows as a pulse on one
 * informative feature at a random time; a same-sized pulse on a random other
 * feature is a distractor. Only `classes` of the `features` inputs matter,
 * which is what the input bottleneck must discover. Seeded.
 */
export function generateSequenceTask(options: SequenceTaskOptions): SequenceTask {
  const { samples, steps, features, classes, amplitude, pulseLength, seed } = options;
  const informative = informativeFeatures(features, classes);
  const distractors = [...Array(features).keys()].filter((f) => !informative.includes(f));
  return tf.tidy(() => {
    const uniforms = tf.randomUniform([samples, 4], 0, 1, 'float32', seed).arraySync() as number[][];
    const values = tf.randomNormal([samples, steps, features], 0, 1, 'float32', seed + 1).dataSync() as Float32Array;
    const labels = new Int32Array(samples);
    const latest = steps - pulseLength;
    const pulse = (n: number, start: number, feature: number) => {
      for (let t = start; t < start + pulseLength; t++) values[(n * steps + t) * features + feature] += amplitude;
    };
    for (let n = 0; n < samples; n++) {
      const [u0, u1, u2, u3] = uniforms[n];
      labels[n] = Math.min(classes - 1, Math.floor(u0 * classes));
      pulse(n, Math.floor(u1 * (latest + 1)), informative[labels[n]]);
      pulse(n, Math.floor(u2 * (latest + 1)), distractors[Math.floor(u3 * distractors.length)]);
    }
    return {
      x: tf.tensor3d(values, [samples, steps, features]),
      y: tf.tensor1d(labels, 'int32'),
      informative,
    };
  });
}
