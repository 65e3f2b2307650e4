import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, assertClose, maxAbsDiff, useBackend } from '@tfjs-compress/testing';
import { LeanAdam } from '../src/index.js';

// The single-pass step itself (runtime's fusedAdamStep and its SIMD kernel) is tested in packages/runtime.
for (const backend of TEST_BACKENDS) {
  describe(`LeanAdam's fused route on ${backend}`, () => {
    before(() => useBackend(backend));

    it('gives bit-identical weights and moments to the op-by-op route, step for step', () => {
      const start = tf.randomNormal([37, 11], 0, 1, 'float32', 1);
      const run = (fused: boolean) => {
        const w = tf.variable(tf.clone(start));
        const optimizer = new LeanAdam(0.01, 0.9, 0.999, 1e-7, fused);
        for (let step = 0; step < 5; step++) {
          const g = tf.randomNormal(w.shape, 0, 1, 'float32', 10 + step);
          optimizer.applyGradients({ [w.name]: g });
          g.dispose();
        }
        const { m, v } = optimizer.momentsFor(w.name)!;
        return { w, m: tf.clone(m), v: tf.clone(v), optimizer };
      };
      const fused = run(true);
      const reference = run(false);
      for (const key of ['w', 'm', 'v'] as const) {
        assert.equal(maxAbsDiff(fused[key], reference[key]), 0, `${key} differs between the routes`);
      }
      assert.ok(maxAbsDiff(fused.w, start) > 0.01, 'the weights moved');
      for (const r of [fused, reference]) {
        r.optimizer.dispose();
        tf.dispose([r.w, r.m, r.v]);
      }
      start.dispose();
    });

    it('does not change a saved state (getWeights clones) when it steps after saving', async () => {
      const w = tf.variable(tf.tensor1d([1, -2, 3, 0.5]));
      const optimizer = new LeanAdam(0.1);
      const loss = () => tf.sum(tf.pow(w, 4)) as tf.Scalar;
      optimizer.minimize(loss, false, [w]);
      const state = await optimizer.getWeights();
      const before = state.map(({ tensor }) => Array.from(tensor.dataSync()));
      optimizer.minimize(loss, false, [w]);
      optimizer.minimize(loss, false, [w]);
      assert.deepEqual(state.map(({ tensor }) => Array.from(tensor.dataSync())), before, 'the saved moments');
      // Once the clones are gone the moments are the optimizer's alone again, and it still steps right.
      tf.dispose(state.map(({ tensor }) => tensor));
      const reference = new LeanAdam(0.1);
      const w2 = tf.variable(tf.tensor1d([1, -2, 3, 0.5]));
      for (let i = 0; i < 4; i++) reference.minimize(() => tf.sum(tf.pow(w2, 4)) as tf.Scalar, false, [w2]);
      optimizer.minimize(loss, false, [w]);
      assertClose(w, w2, 1e-6, 'weights after 4 steps, 2 of them with shared moments');
      optimizer.dispose();
      reference.dispose();
      tf.dispose([w, w2]);
    });
  });
}
