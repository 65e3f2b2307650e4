import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { LeanAdam, VIBLayer, VIBTrainer, categoricalCrossentropy } from '../src/index.js';
import { applyVibUpdate, splitTrainableWeights, vibLossAndGrads } from '../src/internal.js';

const OPTIONS = { lr: 0.01, ibLr: 0.05, weightDecay: 0.1 };

/** Built alike every time: the same weights and the same seeded gate noise. */
function twin(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      new VIBLayer({ inputShape: [4], seed: 3, klFac: 0.05 }),
      tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }) }),
    ],
  });
}

const values = (model: tfl.LayersModel) => model.weights.map((w) => Array.from(w.read().dataSync()));

for (const backend of TEST_BACKENDS) {
  describe(`vibLossAndGrads + applyVibUpdate on ${backend}`, () => {
    before(() => useBackend(backend));

    it('are VIBTrainer.step: the same losses and weights after 3 steps, bit for bit', () => {
      const x = tf.randomNormal([6, 4], 0, 1, 'float32', 11);
      const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
      const viaTrainer = twin();
      const viaHalves = twin();
      const trainer = new VIBTrainer(viaTrainer, OPTIONS);
      const update = { gateOptimizer: new LeanAdam(OPTIONS.ibLr), restOptimizer: new LeanAdam(OPTIONS.lr), weightDecay: OPTIONS.weightDecay };
      for (let step = 0; step < 3; step++) {
        const expected = trainer.trainOnBatch(x, y);
        const { gate, rest } = splitTrainableWeights(viaHalves);
        const variables = [...gate, ...rest].map((w) => w.read() as tf.Variable);
        const taskLoss = () => categoricalCrossentropy(y, viaHalves.apply(x, { training: true }) as tf.Tensor);
        const { total, task, grads } = vibLossAndGrads(viaHalves, taskLoss, variables);
        const gateNames = new Set(variables.slice(0, gate.length).map((v) => v.name));
        const gateGrads: tf.NamedTensorMap = {};
        const restGrads: tf.NamedTensorMap = {};
        for (const [name, g] of Object.entries(grads)) (gateNames.has(name) ? gateGrads : restGrads)[name] = g;
        applyVibUpdate(update, gateGrads, restGrads, variables);
        assert.equal(total.dataSync()[0], expected, `step ${step}: loss`);
        assert.ok(task.dataSync()[0] < expected, 'the task part leaves out the KL terms');
        tf.dispose([total, task]);
      }
      assert.deepEqual(values(viaHalves), values(viaTrainer));
      trainer.dispose();
      update.gateOptimizer.dispose();
      update.restOptimizer.dispose();
      tf.dispose([x, y]);
    });

    it('weights the loss whose gradients it takes, not the losses it returns', () => {
      const x = tf.randomNormal([4, 4], 0, 1, 'float32', 12);
      const y = tf.tensor1d([0, 1, 2, 0], 'int32');
      // A fresh twin each time: the same weights and the same first noise draw.
      const run = (weight?: number) => {
        const model = twin();
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const result = vibLossAndGrads(model, () => categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor), variables, { weight });
        return { ...result, names: variables.map((v) => v.name) };
      };
      const whole = run();
      const quarter = run(0.25);
      assert.equal(quarter.total.dataSync()[0], whole.total.dataSync()[0]);
      assert.equal(quarter.task.dataSync()[0], whole.task.dataSync()[0]);
      whole.names.forEach((name, i) => {
        const scaled = Array.from(whole.grads[name].dataSync(), (g) => g * 0.25);
        assert.deepEqual(Array.from(quarter.grads[quarter.names[i]].dataSync()), scaled, name);
      });
      assert.equal(whole.names.length, 4, 'mu, logD, kernel, bias');
      tf.dispose([whole.total, whole.task, whole.grads, quarter.total, quarter.task, quarter.grads, x, y]);
    });

    it('decays the non-gate weights only, and steps a group exactly when it is given one', () => {
      const gate = tf.variable(tf.tensor1d([1, -2]));
      const rest = tf.variable(tf.tensor1d([3, 4]));
      const update = { gateOptimizer: tf.train.sgd(0.5), restOptimizer: tf.train.sgd(0.1), weightDecay: 0.2 };
      const before = tf.memory().numTensors;
      applyVibUpdate(update, { [gate.name]: tf.tensor1d([1, 1]) }, { [rest.name]: tf.tensor1d([1, 1]) }, [gate, rest]);
      const after = tf.memory().numTensors;
      // gate - 0.5 * g (no decay); rest - 0.1 * (g + 0.2 * rest).
      assert.deepEqual(Array.from(gate.dataSync()), [0.5, -2.5], 'the gates are not decayed');
      assertClose(rest, [3 - 0.1 * 1.6, 4 - 0.1 * 1.8], 1e-6, 'decayed rest');
      assert.equal(after, before, 'the gradients it was given are disposed');

      const adam = { gateOptimizer: new LeanAdam(0.1), restOptimizer: new LeanAdam(0.1), weightDecay: 0.2 };
      // null: the group has no gradients this step; an empty map: it has, elsewhere (a worker's empty part).
      applyVibUpdate(adam, null, {}, []);
      assert.deepEqual([adam.gateOptimizer.iterations, adam.restOptimizer.iterations], [0, 1]);
      tf.dispose([gate, rest]);
      update.gateOptimizer.dispose();
      update.restOptimizer.dispose();
    });
  });
}
