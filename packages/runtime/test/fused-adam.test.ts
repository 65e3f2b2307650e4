import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { adamSimd } from '../src/adam-simd.js';
import { fusedAdamStep } from '../src/fused-adam.js';
import { isWasmMemory } from '../src/wasm-api.js';

/** A variable that alone owns its storage (tf.variable(t) shares t's until t is disposed). */
const owned = (make: () => tf.Tensor) => tf.tidy(() => tf.variable(make(), false));

const coefficients = { beta1: 0.9, beta2: 0.999, stepSize: 0.01, epsilonHat: 1e-7 };

/** Adam's update written with tfjs ops, the reference for the single-pass loop. */
function referenceStep(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor) {
  return tf.tidy(() => {
    const { beta1, beta2, stepSize, epsilonHat } = coefficients;
    const m2 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    const w2 = tf.sub(w, tf.mul(tf.div(m2, tf.add(tf.sqrt(v2), epsilonHat)), stepSize));
    return { w: w2, m: m2, v: v2 };
  });
}

describe('adamSimd on a memory of its own', () => {
  // The op-by-op route's arithmetic: each operation rounded to float32.
  const f = Math.fround;
  const reference = (w: number, g: number, m: number, v: number, a1: number, a2: number, eps: number, step: number) => {
    const m2 = f(m + f(f(g - m) * a1));
    const v2 = f(v + f(f(f(g * g) - v) * a2));
    return [f(w - f(f(m2 / f(f(Math.sqrt(v2)) + eps)) * step)), m2, v2];
  };

  for (const shared of [false, true]) {
    it(`runs on a ${shared ? 'shared' : 'plain'} memory, bit-identical to float32 arithmetic`, () => {
      const WebAssemblyApi = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: ArrayBuffer } } }).WebAssembly;
      const memory = new WebAssemblyApi.Memory(shared ? { initial: 1, maximum: 65536, shared: true } : { initial: 1 });
      assert.ok(isWasmMemory(memory));
      const simd = adamSimd(memory);
      assert.ok(simd, 'compiled');
      const n = 64;
      const heap = new Float32Array(memory.buffer);
      const [w, g, m, v, out] = [0, 1, 2, 3, 4].map((k) => heap.subarray(k * n, (k + 1) * n));
      for (let i = 0; i < n; i++) {
        w[i] = Math.sin(i);
        g[i] = Math.cos(3 * i) * 0.1;
        m[i] = Math.sin(5 * i) * 0.01;
        v[i] = Math.abs(Math.cos(7 * i)) * 0.001;
      }
      const coefficients = [f(0.1), f(0.001), f(1e-7), f(0.003)] as const;
      const expected = Array.from({ length: n }, (_, i) => reference(w[i], g[i], m[i], v[i], ...coefficients));
      simd(0, 4 * n, 8 * n, 12 * n, 16 * n, n, ...coefficients);
      assert.deepEqual(Array.from(out), expected.map((e) => e[0]), 'weights');
      assert.deepEqual(Array.from(m), expected.map((e) => e[1]), 'first moment');
      assert.deepEqual(Array.from(v), expected.map((e) => e[2]), 'second moment');
    });
  }
});

for (const backend of TEST_BACKENDS) {
  describe(`fusedAdamStep on ${backend}`, () => {
    before(() => useBackend(backend));

    it('takes the fused route on this backend, and matches the formula', () => {
      const w = tf.variable(tf.randomNormal([9, 4], 0, 1, 'float32', 1));
      const m = owned(() => tf.zerosLike(w));
      const v = owned(() => tf.zerosLike(w));
      const g = tf.randomNormal(w.shape, 0, 1, 'float32', 2);
      const before = tf.clone(w);
      assert.equal(fusedAdamStep(w, g, m, v, coefficients), true);
      const expected = referenceStep(before, g, tf.zerosLike(w), tf.zerosLike(w));
      assertClose(w, expected.w, 1e-6, 'weights');
      assertClose(m, expected.m, 1e-6, 'first moment');
      assertClose(v, expected.v, 1e-6, 'second moment');
      tf.dispose([w, m, v, g, before, expected.w, expected.m, expected.v]);
    });

    it('gives the variable a new buffer, so a matMul after the step reads the new weights', () => {
      // The wasm matMul caches its packing of a weight by tensor id; an in-place write would go unseen.
      const w = tf.variable(tf.randomNormal([16, 8], 0, 1, 'float32', 2));
      const x = tf.randomNormal([4, 16], 0, 1, 'float32', 3);
      tf.matMul(x, w).dispose();
      const idBefore = w.dataId;
      const m = owned(() => tf.zerosLike(w));
      const v = owned(() => tf.zerosLike(w));
      const g = tf.onesLike(w);
      assert.equal(fusedAdamStep(w, g, m, v, coefficients), true);
      assert.notEqual(w.dataId, idBefore);
      const product = tf.matMul(x, w);
      const expected = tf.matMul(tf.tensor(x.arraySync() as number[][]), tf.tensor(w.arraySync() as number[][]));
      assertClose(product, expected, 1e-5, 'x W after the step');
      tf.dispose([w, x, m, v, g, product, expected]);
    });

    it('leaves a shared moment alone (the caller takes the op-by-op route)', () => {
      const w = tf.variable(tf.ones([3]));
      const m = owned(() => tf.zerosLike(w));
      const v = owned(() => tf.zerosLike(w));
      // A reshape shares the storage on both backends (a clone copies on wasm).
      const clone = tf.reshape(m, [1, 3]);
      const g = tf.onesLike(w);
      assert.equal(fusedAdamStep(w, g, m, v, coefficients), false);
      assert.deepEqual(Array.from(w.dataSync()), [1, 1, 1]);
      tf.dispose([w, m, v, clone, g]);
    });
  });

  if (backend === 'wasm') {
    describe('the SIMD update on the wasm heap', () => {
      before(() => useBackend('wasm'));

      it('compiles against the backend memory and runs the lanes, leaving the remainder to JS', () => {
        const memory = (tf.backend() as unknown as { wasm: { asm: { memory: unknown } } }).wasm.asm.memory;
        assert.ok(isWasmMemory(memory));
        const simd = adamSimd(memory);
        assert.ok(simd, 'this engine has wasm SIMD');
        // Only the SIMD part run: the first 8 of 10 elements move, the last 2 do not.
        const w = owned(() => tf.ones([10]));
        const g = tf.ones([10]);
        const m = owned(() => tf.zeros([10]));
        const v = owned(() => tf.zeros([10]));
        const out = tf.zeros([10]);
        const offset = (t: tf.Tensor) => (tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(t.dataId).memoryOffset;
        simd(offset(w), offset(g), offset(m), offset(v), offset(out), 8, 0.1, 0.001, 1e-7, 0.5);
        const result = Array.from(out.dataSync());
        // m = 0.1, v = 0.001: out = 1 - 0.1 / (sqrt(0.001) + 1e-7) * 0.5
        for (const x of result.slice(0, 8)) assert.ok(Math.abs(x - (1 - (0.1 / (Math.sqrt(0.001) + 1e-7)) * 0.5)) < 1e-5, `lane value ${x}`);
        assert.deepEqual(result.slice(8), [0, 0]);
        assert.deepEqual(Array.from(m.dataSync()).slice(7), [Math.fround(0.1), 0, 0]);
        tf.dispose([w, g, m, v, out]);
      });
    });
  }

}
