import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@tfjs-compress/testing';
import { isWasmGatherPatched, patchWasmGather, registerWasmSegmentSum } from '../src/index.js';

/** Gathers along every axis (negative too), with scalar, 1-D and 2-D indices, float32 and int32, an empty one, and batchDims. */
function gathers(): tf.Tensor[] {
  const x = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 1);
  const ints = tf.cast(tf.mul(x, 100), 'int32');
  const out: tf.Tensor[] = [];
  for (const axis of [0, 1, 2, -1, -2]) {
    const dim = x.shape[(axis + 3) % 3];
    const some = tf.tensor1d([dim - 1, 0, dim - 1, 1 % dim], 'int32');
    out.push(tf.gather(x, some, axis), tf.gather(ints, some, axis));
  }
  out.push(tf.gather(x, tf.scalar(2, 'int32'), 2));
  out.push(tf.gather(x, tf.tensor2d([[1, 0], [3, 3]], [2, 2], 'int32'), 1));
  out.push(tf.gather(x, tf.tensor1d([], 'int32'), 2));
  out.push(tf.gather(tf.tensor1d([5, 6, 7]), tf.tensor1d([2, 2, 0], 'int32')));
  out.push(tf.gather(x, tf.tensor2d([[0, 2], [1, 1], [3, 0]], [3, 2], 'int32'), 1, 1));
  // The gradient of a gather (on wasm it fails for want of UnsortedSegmentSum) is not a gather: not covered.
  return out;
}

describe('wasm gather on the heap', () => {
  it('gives the cpu backend results for every axis, index shape and dtype, and leaves no tensors behind', async () => {
    await useBackend('cpu');
    const expected = tf.tidy(gathers);
    assert.ok(patchWasmGather() || isWasmGatherPatched());
    assert.ok(isWasmGatherPatched());
    assert.equal(patchWasmGather(), false, 'patching twice is a no-op');
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const actual = tf.tidy(gathers);
    actual.forEach((t, i) => {
      assert.deepEqual(t.shape, expected[i].shape, `gather ${i}: shape`);
      assert.equal(t.dtype, expected[i].dtype, `gather ${i}: dtype`);
      assert.deepEqual(Array.from(t.dataSync()), Array.from(expected[i].dataSync()), `gather ${i}: values`);
    });
    tf.dispose(actual);
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    tf.dispose(expected);
  });

  it('refuses an index outside the axis, naming it', async () => {
    patchWasmGather();
    await useBackend('wasm');
    const x = tf.ones([2, 3]);
    for (const bad of [3, -1]) {
      assert.throws(() => tf.gather(x, tf.tensor1d([0, bad], 'int32'), 1), new RegExp(`index value ${bad} is not in \\[0, 2\\]`));
    }
    x.dispose();
  });

  it('copies the last axis of a big batch, as a layer shrunk in place reads its live inputs', async () => {
    patchWasmGather();
    await useBackend('wasm');
    const [rows, width] = [6, 5000];
    const live = Array.from({ length: 250 }, (_, i) => i * 20 + (i % 3));
    const x = tf.tidy(() => tf.reshape(tf.range(0, rows * width, 1, 'float32'), [2, 3, width]));
    const picked = tf.gather(x, tf.tensor1d(live, 'int32'), 2);
    const values = picked.dataSync();
    for (let r = 0; r < rows; r++) for (const [p, k] of live.entries()) assert.equal(values[r * live.length + p], r * width + k);
    tf.dispose([x, picked]);
  });
});

/** Segment sums of rows and of slices, ids out of range dropped, and gather's gradient. */
function segmentSums(): tf.Tensor[] {
  const x = tf.randomNormal([6, 3], 0, 1, 'float32', 4);
  const ids = tf.tensor1d([2, 0, 2, -1, 1, 7], 'int32');
  const out = [
    tf.unsortedSegmentSum(x, ids, 4),
    tf.unsortedSegmentSum(tf.cast(tf.mul(x, 10), 'int32'), ids, 3),
    tf.unsortedSegmentSum(tf.reshape(x, [2, 3, 3]), tf.tensor1d([1, 1], 'int32'), 3),
    tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 1, 0], 'int32'), 2),
  ];
  // The gradient of a gather with repeated indices (an Embedding's table gradient) is a segment sum.
  const table = tf.randomNormal([5, 4], 0, 1, 'float32', 5);
  const [grad] = tf.grads((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, tf.tensor2d([[1, 3, 1], [0, 1, 4]], [2, 3], 'int32')))))([table]);
  return [...out, grad];
}

describe('wasm segment sum', () => {
  it('gives the cpu results, and the gradient of a gather trains on wasm', async () => {
    await useBackend('cpu');
    const expected = tf.tidy(segmentSums);
    registerWasmSegmentSum();
    assert.equal(registerWasmSegmentSum(), false, 'registering twice is a no-op');
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const actual = tf.tidy(segmentSums);
    actual.forEach((t, i) => {
      assert.deepEqual(t.shape, expected[i].shape, `sum ${i}: shape`);
      const [a, b] = [t.dataSync(), expected[i].dataSync()];
      a.forEach((v, k) => assert.ok(Math.abs(v - b[k]) <= 1e-6, `sum ${i}[${k}]: ${v} vs ${b[k]}`));
    });
    tf.dispose(actual);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(expected);
  });
});
