import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { FeatureState } from './feature-state.js';

/** Which features of each model input a compact model reads, and how to gather them. */
export interface InputSelection {
  /**
   * Per model input, the original features (last axis) the compact model
   * reads, ascending; null for an input whose last axis has no fixed size
   * (taken as it is). An input read whole, such as the token ids of an
   * Embedding, lists every index.
   */
  keptInputsPerInput: (number[] | null)[];
  /**
   * Gathers, from inputs shaped for the original model (a tensor, or one per
   * input in model order), what the compact model reads. Returns new
   * tensors (the caller disposes them), in the same form as given.
   */
  prepareInputs(xs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[];
}

export function inputSelection(states: FeatureState[]): InputSelection {
  const keptInputsPerInput = states.map((s) => (s.dim > 0 ? [...s.physical] : null));
  const prepare = (x: tf.Tensor, i: number) => {
    const kept = keptInputsPerInput[i];
    if (kept == null || kept.length === states[i].dim) return tf.clone(x);
    return tf.tidy(() => tf.gather(x, tf.tensor1d(kept, 'int32'), x.rank - 1));
  };
  return {
    keptInputsPerInput,
    prepareInputs(xs) {
      const list = Array.isArray(xs) ? xs : [xs];
      if (list.length !== states.length || list.some((x) => !(x instanceof tf.Tensor))) {
        throw new InvalidArgumentError('xs', Array.isArray(xs) ? `${xs.length} values` : typeof xs, `${states.length} tensor(s), one per model input`);
      }
      const out = list.map(prepare);
      return Array.isArray(xs) ? out : out[0];
    },
  };
}
