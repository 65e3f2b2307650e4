import * as tf from '@tensorflow/tfjs-core';
import { gatedLayers } from './gated-layers.js';
import type { InferenceMode } from './vib-gate.js';

/** Labelled examples held in memory. */
export interface LabelledData {
  /** Inputs, e.g. [samples, steps, features]. */
  x: tf.Tensor;
  /** Integer labels [samples] or one-hot [samples, classes]. */
  y: tf.Tensor;
}

/** Anything a model can be run on: a tfjs LayersModel or a shape-alike. */
export interface Predictor {
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: Record<string, unknown>): unknown;
}

/** Sets every gate's inference mode; returns the previous modes to restore. */
export function setInferenceMode(model: object, mode: InferenceMode): InferenceMode[] {
  const previous: InferenceMode[] = [];
  for (const layer of gatedLayers(model)) {
    for (const gate of layer.vibGates) {
      previous.push(gate.settings.inferenceMode);
      gate.settings.inferenceMode = mode;
    }
  }
  return previous;
}

function restoreInferenceModes(model: object, modes: InferenceMode[]): void {
  let k = 0;
  for (const layer of gatedLayers(model)) for (const gate of layer.vibGates) gate.settings.inferenceMode = modes[k++];
}

/**
 * Accuracy of argmax predictions against integer or one-hot labels, in
 * batches. With `mode`, every gate runs in that inference mode for the
 * evaluation ('hard' is the model `compact` reproduces exactly); without it,
 * in each gate's own mode.
 */
export function evaluateAccuracy(model: Predictor, data: LabelledData, mode?: InferenceMode, batchSize = 256): number {
  const modes = mode ? setInferenceMode(model, mode) : null;
  try {
    const count = data.x.shape[0];
    let correct = 0;
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      correct += tf.tidy(() => {
        const xb = tf.slice(data.x, start, size);
        const yb = tf.slice(data.y, start, size);
        const labels = yb.rank === 1 ? tf.cast(yb, 'int32') : tf.argMax(yb, -1);
        const predicted = tf.argMax(model.apply(xb, { training: false }) as tf.Tensor, -1);
        return tf.sum(tf.cast(tf.equal(predicted, labels), 'int32')).dataSync()[0];
      });
    }
    return correct / count;
  } finally {
    if (modes) restoreInferenceModes(model, modes);
  }
}

/** The majority class's share of the labels (integer [n] or one-hot [n, classes]): the accuracy of always guessing it. */
export function chanceAccuracy(y: tf.Tensor): number {
  const labels = tf.tidy(() => (y.rank === 1 ? tf.cast(y, 'int32') : tf.argMax(y, -1)).dataSync());
  const counts = new Map<number, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return Math.max(...counts.values()) / y.shape[0];
}
