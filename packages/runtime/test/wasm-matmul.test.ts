import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, useBackend } from '@tfjs-compress/testing';
import { isWasmMatMulPatched, patchWasmMatMul, selectBackend } from '../src/index.js';

/** Every transpose combination, 2D and batched, plain and fused with bias and activation. */
function products(): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    const a = tf.randomNormal(ta ? [7, 5] : [5, 7], 0, 1, 'float32', 1);
    const b = tf.randomNormal(tb ? [3, 7] : [7, 3], 0, 1, 'float32', 2);
    out.push(tf.matMul(a, b, ta, tb));
    const a3 = tf.randomNormal(ta ? [2, 7, 5] : [2, 5, 7], 0, 1, 'float32', 3);
    const b3 = tf.randomNormal(tb ? [2, 3, 7] : [2, 7, 3], 0, 1, 'float32', 4);
    out.push(tf.matMul(a3, b3, ta, tb));
    out.push(tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: tf.ones([3]), activation: 'relu' }));
  }
  // A big flagged operand and a small product take the C^T = op(B)^T op(A)^T route.
  const small = tf.randomNormal([2, 50], 0, 1, 'float32', 7);
  const big = tf.randomNormal([40, 50], 0, 1, 'float32', 8);
  out.push(tf.matMul(small, big, false, true));
  out.push(tf.matMul(tf.randomNormal([40, 3], 0, 1, 'float32', 9), tf.randomNormal([40, 2], 0, 1, 'float32', 10), true, false));
  out.push(tf.matMul(tf.randomNormal([2, 40, 3], 0, 1, 'float32', 11), tf.randomNormal([2, 2, 40], 0, 1, 'float32', 12), true, true));
  out.push(tf.matMul(tf.randomNormal([3, 2, 50], 0, 1, 'float32', 13), tf.randomNormal([3, 40, 50], 0, 1, 'float32', 14), false, true));
  out.push(tf.fused.matMul({ a: small, b: big, transposeB: true, bias: tf.ones([40]), activation: 'relu' }));
  // Gradients take the transposed paths.
  const x = tf.randomNormal([4, 6], 0, 1, 'float32', 5);
  const w = tf.randomNormal([6, 2], 0, 1, 'float32', 6);
  const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q))))([x, w]);
  return [...out, ...grads];
}

describe('wasm matMul fast path', () => {
  it('gives the cpu backend results for every transpose combination and in gradients', async () => {
    await useBackend('cpu');
    const expected = tf.tidy(products);
    const patchedNow = patchWasmMatMul();
    assert.ok(patchedNow || isWasmMatMulPatched());
    assert.ok(isWasmMatMulPatched());
    assert.equal(patchWasmMatMul(), false, 'patching twice is a no-op');
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const actual = tf.tidy(products);
    actual.forEach((t, i) => assertClose(t, expected[i], 1e-4, `product ${i}`));
    tf.dispose(actual);
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  });

  it('sums a long inner dimension from parts (views of B) to the cpu result, leaving no data behind', async () => {
    // K = 300 in parts of 64 rows (the smallest part): 4 full parts and one of 44; 12 rows of A (more than 8 split).
    const long = () => {
      const a = tf.randomNormal([12, 300], 0, 1, 'float32', 21);
      const b = tf.randomNormal([300, 3], 0, 1, 'float32', 22);
      const w = tf.randomNormal([300, 4], 0, 1, 'float32', 23);
      const [dw] = tf.grads((q: tf.Tensor) => tf.mean(tf.square(tf.matMul(a, q))))([w]);
      return [
        tf.matMul(a, b),
        tf.matMul(tf.reshape(a, [1, 12, 300]), tf.reshape(b, [1, 300, 3])),
        // Up to 8 rows run whole.
        tf.matMul(tf.slice(a, 0, 8), b),
        // Flagged: transposed first, then split.
        tf.matMul(tf.transpose(a), b, true, false),
        // Batched and fused products run whole.
        tf.matMul(tf.stack([a, a]), tf.stack([b, b])),
        tf.fused.matMul({ a, b, bias: tf.ones([3]), activation: 'relu' }),
        dw,
      ];
    };
    await useBackend('cpu');
    const expected = tf.tidy(long);
    patchWasmMatMul({ innerChunkBytes: 1 });
    try {
      await useBackend('wasm');
      const before = { tensors: tf.memory().numTensors, data: tf.engine().backend.numDataIds() };
      const actual = tf.tidy(long);
      actual.forEach((t, i) => assertClose(t, expected[i], 1e-4, `product ${i}`));
      tf.dispose(actual);
      assert.deepEqual({ tensors: tf.memory().numTensors, data: tf.engine().backend.numDataIds() }, before, 'no tensors or views left behind');
    } finally {
      patchWasmMatMul();
    }
    assert.throws(() => patchWasmMatMul({ innerChunkBytes: -1 }), /innerChunkBytes must be an integer >= 0, got -1/);
  });

  it('selects wasm when tfjs-node is missing, and cpu on request', async () => {
    const auto = await selectBackend();
    assert.equal(auto.name, 'wasm');
    assert.match(auto.reason, /tfjs-node is not installed/);
    const cpu = await selectBackend('cpu');
    assert.equal(cpu.name, 'cpu');
    await assert.rejects(selectBackend('gpu' as never), /backend/);
  });
});
