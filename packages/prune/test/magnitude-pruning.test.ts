import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { TEST_BACKENDS, assertNoLeak, useBackend } from '@tfjs-compress/testing';
import {
  compact,
  constantSparsity,
  polynomialDecay,
  pruneLowMagnitude,
  pruneUnitsByMagnitude,
  stripPruning,
} from '../src/index.js';
import { magnitudeMask } from '../src/magnitude-pruning.js';
import { inputBatch, randomizeWeights, assertCompactMatches } from './helpers.js';

function model(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.lstm({ units: 6, inputShape: [4, 5], returnSequences: true, recurrentInitializer: 'glorotUniform', name: 'lstm' }),
      tfl.layers.gru({ units: 5, recurrentInitializer: 'glorotUniform', name: 'gru' }),
      tfl.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  randomizeWeights(m, 19);
  return m;
}

describe('pruning schedules', () => {
  it('constantSparsity updates on its frequency inside [begin, end]', () => {
    const s = constantSparsity({ targetSparsity: 0.5, beginStep: 10, endStep: 30, frequency: 10 });
    assert.deepEqual([0, 10, 15, 20, 30, 40].map((t) => s.sparsityAt(t)), [null, 0.5, null, 0.5, 0.5, null]);
    assert.throws(() => constantSparsity({ targetSparsity: 1 }), (e: unknown) => InvalidArgumentError.isInstance(e));
  });

  it('polynomialDecay follows final + (initial - final)(1 - p)^power', () => {
    const s = polynomialDecay({ initialSparsity: 0.1, finalSparsity: 0.9, beginStep: 0, endStep: 100, frequency: 25 });
    const expected = (t: number) => 0.9 + (0.1 - 0.9) * (1 - t / 100) ** 3;
    for (const t of [0, 25, 50, 75, 100]) assert.ok(Math.abs(s.sparsityAt(t)! - expected(t)) < 1e-12, `step ${t}`);
    assert.equal(s.sparsityAt(10), null);
    assert.equal(s.sparsityAt(125), null);
    assert.throws(() => polynomialDecay({ finalSparsity: 0.5, beginStep: 5, endStep: 5 }), /endStep/);
  });

  it('magnitudeMask prunes exactly floor(s * n) smallest magnitudes', () => {
    assert.deepEqual(Array.from(magnitudeMask([0.5, -0.1, 0.3, 0.1, -2], 0.4)), [1, 0, 1, 0, 1]);
    assert.deepEqual(Array.from(magnitudeMask([1, 1, 1, 1], 0.5)), [0, 0, 1, 1]);
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`magnitude pruning (${backend})`, () => {
    before(() => useBackend(backend));

    it('fit with the callback reaches the schedule sparsity on kernels only, without leaks', async () => {
      const m = model();
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      const pruning = pruneLowMagnitude(m, { schedule: polynomialDecay({ finalSparsity: 0.75, endStep: 6, frequency: 2 }) });
      assert.equal(pruning.weights.length, 5, 'lstm/gru kernel + recurrent kernel, dense kernel');
      const x = inputBatch(8, 4, 5, 1);
      const y = tf.ones([8, 2]);
      const fit = () => m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [pruning.callback()] });
      await assertNoLeak(fit, 3, 'pruned fit');
      assert.equal(pruning.step, 8);
      for (const [name, s] of Object.entries(pruning.sparsity())) {
        const size = m.weights.find((w) => w.name === name)!.shape.reduce((a, b) => a! * b!, 1)!;
        assert.equal(s, Math.floor(0.75 * size) / size, name);
      }
      const bias = m.getLayer('lstm').getWeights()[2].dataSync();
      assert.ok(bias.every((v) => v !== 0), 'biases untouched');
      const before = tf.memory().numTensors;
      const stripped = stripPruning(m);
      assert.equal(stripped, m);
      assert.equal(tf.memory().numTensors, before - pruning.weights.length, 'masks released');
      await fit(); // no longer masked: training revives weights
      assert.ok(Object.values(pruning.sparsity()).every((s) => s < 0.75));
      tf.dispose([x, y]);
      m.dispose();
    });

    it('structured pruning zeroes whole units; compact shrinks them and matches', () => {
      const m = model();
      const splits = pruneUnitsByMagnitude(m, { fraction: 0.5 });
      assert.equal(splits.lstm.kept.length, 3);
      assert.equal(splits.gru.kept.length, 3);
      const result = compact(m);
      assert.deepEqual(result.model.getLayer('lstm').getWeights().map((w) => w.shape), [[5, 12], [3, 12], [12]]);
      assert.deepEqual(result.model.getLayer('gru').getWeights().map((w) => w.shape), [[3, 9], [3, 9], [9]]);
      const x = inputBatch(3, 4, 5, 4);
      assertCompactMatches(m, result, x, 'compact after structured pruning');
      result.model.dispose();
      m.dispose();
    });
  });
}
