import * as tf from '@tensorflow/tfjs-core';

/*
 * Columns of the last axis selected and spread back: how a gate or a layer
 * shrunk in place computes on its live units only while the tensors around
 * it keep the model-facing width.
 */

/** For each model-facing index, its position among `live`, or -1 when it is gone. */
export function spreadMap(live: readonly number[] | null, size: number): number[] {
  if (live == null) return Array.from({ length: size }, (_, i) => i);
  const map = new Array<number>(size).fill(-1);
  live.forEach((k, p) => (map[k] = p));
  return map;
}

/**
 * `values` spread out along each axis that has a map (see `spreadMap`):
 * position j reads `map[j]`, or 0 where it is -1. A new tensor.
 */
export function spreadWeight(values: tf.Tensor, maps: Array<number[] | null>): tf.Tensor {
  return tf.tidy(() => {
    let out = values;
    maps.forEach((map, axis) => {
      if (map == null) return;
      const width = out.shape[axis];
      const zeroShape = out.shape.map((d, a) => (a === axis ? 1 : d));
      const padded = tf.concat([out, tf.zeros(zeroShape)], axis);
      out = tf.gather(padded, tf.tensor1d(map.map((p) => (p < 0 ? width : p)), 'int32'), axis);
    });
    return out === values ? tf.clone(values) : out;
  });
}

/** Index arrays of a selection, built once per live list (the lists are replaced, never mutated, when units go). */
interface SelectionIndices {
  size: number;
  gather: Int32Array;
  /** Per column of the full width, its live position, or live.length (a zero column appended) when gone. */
  spread: Int32Array;
}

const selections = new WeakMap<readonly number[], SelectionIndices>();

function selectionOf(live: readonly number[], size: number): SelectionIndices {
  const cached = selections.get(live);
  if (cached && cached.size === size) return cached;
  const spread = new Int32Array(size).fill(live.length);
  live.forEach((k, p) => (spread[k] = p));
  const built = { size, gather: Int32Array.from(live), spread };
  selections.set(live, built);
  return built;
}

/** `t` gathered along its last axis. */
function gatherLast(t: tf.Tensor, indices: Int32Array): tf.Tensor {
  return tf.gather(t, tf.tensor1d(indices, 'int32'), t.rank - 1);
}

/** `t` [..., live.length] -> [..., size]: a zero column appended, then gathered by the spread indices. */
function spreadLast(t: tf.Tensor, spread: Int32Array): tf.Tensor {
  return tf.tidy(() => {
    const zero = tf.zeros([...t.shape.slice(0, -1), 1]);
    return gatherLast(tf.concat([t, zero], t.rank - 1), spread);
  });
}

/*
 * A selection of distinct columns and its spreading back are each other's
 * gradient. Written as custom gradients because tfjs's own gradient of
 * gather needs UnsortedSegmentSum, which the wasm backend lacks.
 */

/** `forward` as a differentiable op whose gradient is `inverse` applied to the incoming gradient. */
function withInverseGradient(forward: (x: tf.Tensor) => tf.Tensor, inverse: (dy: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor) => ({ value: forward(x), gradFunc: inverse })) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
}

/** `t` [..., size] narrowed to the columns `live` (ascending, distinct), differentiable on every backend. */
export function selectColumns(t: tf.Tensor, live: readonly number[], size: number): tf.Tensor {
  const { gather, spread } = selectionOf(live, size);
  return withInverseGradient((x) => gatherLast(x, gather), (dy) => spreadLast(dy, spread))(t);
}

/** `t` [..., live.length] spread to [..., size] with zeros where a column is gone; the inverse of `selectColumns`. */
export function spreadColumns(t: tf.Tensor, live: readonly number[], size: number): tf.Tensor {
  const { gather, spread } = selectionOf(live, size);
  return withInverseGradient((x) => spreadLast(x, spread), (dy) => gatherLast(dy, gather))(t);
}
