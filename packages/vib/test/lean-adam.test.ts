import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, assertClose, assertNoLeak, useBackend } from '@tfjs-compress/testing';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { LeanAdam } from '../src/index.js';

for (const backend of TEST_BACKENDS) {
  describe(`LeanAdam on ${backend}`, () => {
    before(() => useBackend(backend));

    it('follows tf.train.adam step for step', () => {
      const target = tf.randomNormal([5, 3], 0, 1, 'float32', 1);
      const start = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
      const run = (optimizer: tf.Optimizer) => {
        const w = tf.variable(tf.clone(start));
        for (let i = 0; i < 25; i++) {
          optimizer.minimize(() => tf.sum(tf.pow(tf.sub(w, target), 4)) as tf.Scalar, false, [w]);
        }
        return w;
      };
      const ours = run(new LeanAdam(0.05));
      const reference = run(tf.train.adam(0.05));
      assertClose(ours, reference, 1e-5, 'weights after 25 steps');
      assert.ok(tf.max(tf.abs(tf.sub(ours, start))).dataSync()[0] > 0.1, 'the weights moved');
    });

    it('saves and restores its state so a resumed run takes the same step, and leaks nothing', async () => {
      const w = tf.variable(tf.tensor1d([1, -2, 3, 0.5]));
      const optimizer = new LeanAdam(0.1);
      const lossOf = (v: tf.Variable) => () => tf.sum(tf.pow(v, 4)) as tf.Scalar;
      await assertNoLeak(() => optimizer.minimize(lossOf(w), false, [w]), 3, 'LeanAdam step');
      // A resumed optimizer over a copy of the weights, under the same variable name.
      const state = await optimizer.getWeights();
      const saved = tf.clone(w);
      optimizer.minimize(lossOf(w), false, [w]);
      const expected = tf.clone(w);
      w.assign(saved);
      const resumed = new LeanAdam(0.1);
      await resumed.setWeights(state);
      resumed.minimize(lossOf(w), false, [w]);
      assertClose(w, expected, 1e-6, 'step after restore');
      const fresh = new LeanAdam(0.1);
      w.assign(saved);
      fresh.minimize(lossOf(w), false, [w]);
      assert.ok(tf.max(tf.abs(tf.sub(w, expected))).dataSync()[0] > 1e-4, 'a fresh optimizer steps differently');
    });

    it('rejects bad hyper-parameters', () => {
      assert.throws(() => new LeanAdam(0), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'learningRate');
      assert.throws(() => new LeanAdam(0.1, 1), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'beta1');
      assert.throws(() => new LeanAdam(0.1, 0.9, 0.999, 1e-7, 'yes' as never), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'fused');
    });

    it('keeps its route choice through getConfig / fromConfig', () => {
      const restored = LeanAdam.fromConfig(LeanAdam, new LeanAdam(0.1, 0.9, 0.999, 1e-7, false).getConfig()) as LeanAdam;
      assert.equal(restored.fused, false);
      assert.equal((LeanAdam.fromConfig(LeanAdam, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }) as LeanAdam).fused, true, 'configs saved before the option');
    });
  });
}
