import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, assertClose, assertNoLeak, finiteDifferenceGradient, useBackend } from '@tfjs-compress/testing';
import { compact, groupLasso } from '../src/index.js';
import { groupSquaredNorms } from '../src/recurrent-weights.js';
import { inputBatch, randomizeWeights, assertCompactMatches } from './helpers.js';

function lstmModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.lstm({ units: 5, inputShape: [4, 3], recurrentInitializer: 'glorotUniform', name: 'lstm' }),
      tfl.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  randomizeWeights(model, 3);
  return model;
}

/** G_k by hand from the plain arrays. */
function manualNorms(kernel: number[][], recurrent: number[][], gates: number, units: number): number[] {
  return Array.from({ length: units }, (_, k) => {
    let g = 0;
    for (let b = 0; b < gates; b++) {
      for (const row of kernel) g += row[b * units + k] ** 2;
      for (const row of recurrent) g += row[b * units + k] ** 2;
    }
    for (const v of recurrent[k]) g += v ** 2;
    return g;
  });
}

for (const backend of TEST_BACKENDS) {
  describe(`group lasso (${backend})`, () => {
    before(() => useBackend(backend));

    it('G_k and the penalty match a hand computation', () => {
      const model = lstmModel();
      const layer = model.getLayer('lstm');
      const [kernel, recurrent] = layer.getWeights().map((w) => w.arraySync() as number[][]);
      const expected = manualNorms(kernel, recurrent, 4, 5);
      const norms = groupSquaredNorms(layer);
      assertClose(norms, expected, 1e-4, 'G_k');
      norms.dispose();
      const lasso = groupLasso(model, { lambda: 0.5 });
      const penalty = lasso.penalty();
      assertClose(penalty, [0.5 * expected.reduce((s, g) => s + Math.sqrt(g + 1e-8), 0)], 1e-4, 'penalty');
      penalty.dispose();
      model.dispose();
    });

    it('has the finite-difference gradient', () => {
      const model = lstmModel();
      const lasso = groupLasso(model);
      const variable = model.getLayer('lstm').weights[1].read() as tf.Variable;
      const analytic = tf.tidy(() => tf.grad(() => lasso.penalty())(variable).dataSync() as Float32Array).slice();
      for (const [i, g] of finiteDifferenceGradient(() => lasso.penalty(), variable, [0, 7, 33, 90])) {
        assert.ok(Math.abs(g - analytic[i]) < 2e-4, `coordinate ${i}: ${g} vs ${analytic[i]}`);
      }
      model.dispose();
    });

    it('attached to a VIB model, fit minimises it next to the KL term, without leaks', async () => {
      const model = tfl.sequential({
        layers: [new VIBLSTM({ units: 4, inputBottleneck: true, inputShape: [3, 5], name: 'lstm', seed: 1 }), tfl.layers.dense({ units: 2 })],
      });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      const lasso = groupLasso(model, { lambda: 0.1 }).attach().attach();
      const losses = model.calculateLosses();
      assert.equal(losses.length, 2, 'KL + group lasso (attached once)');
      tf.dispose(losses);
      const x = inputBatch(4, 3, 5, 2);
      const y = tf.zeros([4, 2]);
      const before = lasso.penalty();
      const b = before.dataSync()[0];
      await assertNoLeak(() => model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 }), 2, 'fit with group lasso');
      const after = lasso.penalty();
      assert.ok(after.dataSync()[0] < b, `penalty ${after.dataSync()[0]} should drop below ${b}`);
      tf.dispose([x, y, before, after]);
      model.dispose();
    });

    it('attached to a plain model, calculateLosses includes it', () => {
      const model = lstmModel();
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const lasso = groupLasso(model).attach();
      const [loss] = model.calculateLosses();
      const penalty = lasso.penalty();
      assertClose(loss, penalty, 1e-6, 'registered loss');
      tf.dispose([loss, penalty]);
      model.dispose();
    });

    it('prune() zeroes weak groups; compact then removes those units exactly', () => {
      const model = lstmModel();
      const lasso = groupLasso(model);
      const norms = lasso.groupNorms().lstm;
      const sorted = [...norms].sort((a, b) => a - b);
      const threshold = (sorted[1] + sorted[2]) / 2; // removes the two weakest units
      const split = lasso.prune(threshold);
      assert.equal(split.lstm.removed.length, 2);
      assert.ok(lasso.groupNorms().lstm.every((g, k) => (split.lstm.removed.includes(k) ? g === 0 : g > 0)));
      const result = compact(model);
      assert.deepEqual(result.layers[0].keptUnits, split.lstm.kept);
      assert.deepEqual(result.model.getLayer('lstm').getWeights()[1].shape, [3, 12]);
      const x = inputBatch(2, 4, 3, 8);
      assertCompactMatches(model, result, x, 'compact after group-lasso pruning');
      result.model.dispose();
      model.dispose();
    });
  });
}
