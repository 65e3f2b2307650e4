import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  TEST_BACKENDS,
  assertClose,
  assertNoLeak,
  finiteDifferenceGradient,
  saveAndLoad,
  useBackend,
} from '@tfjs-compress/testing';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBLayer, VIBTrainer, type VIBLayerArgs } from '../src/index.js';
import { vibKl } from '../src/internal.js';

/** A model with one VIBLayer on [batch, features], built, with mu and logD set to given values. */
function gatedModel(mu: number[], logD: number[], args: VIBLayerArgs = {}) {
  const layer = new VIBLayer({ inputShape: [mu.length], ...args });
  const model = tfl.sequential({ layers: [layer] });
  layer.setWeights([tf.tensor1d(mu), tf.tensor1d(logD)]);
  model.predict(tf.zeros([1, mu.length])); // a Sequential wires its container on first use
  return { model, layer };
}

function handKl(mu: number[], logD: number[], klMult: number): number {
  return mu.reduce((sum, m, k) => sum + 0.5 * klMult * Math.log(1 + (m * m) / (Math.exp(logD[k]) + 1e-8)), 0);
}

for (const backend of TEST_BACKENDS) {
  describe(`VIBLayer on ${backend}`, () => {
    before(() => useBackend(backend));

    it('computes the KL term as the hand formula', () => {
      const mu = [1, -0.5, 0.01, 2];
      const logD = [-9, 0, 3, -2];
      const kl = vibKl(tf.tensor1d(mu), tf.tensor1d(logD), 3);
      assertClose(kl.dataSync()[0], handKl(mu, logD, 3), 1e-5 * handKl(mu, logD, 3), 'KL');
    });

    it('registers klFac * KL as a layer loss that the model collects', () => {
      const mu = [1, 0.5, 0.2];
      const logD = [-9, -1, 2];
      const { model } = gatedModel(mu, logD, { klFac: 0.1, klMult: 2 });
      const losses = model.calculateLosses();
      assert.equal(losses.length, 1);
      assertClose(losses[0].dataSync()[0], 0.1 * handKl(mu, logD, 2), 1e-4, 'layer loss');
    });

    it('applies the weighted, hard and mean inference factors', () => {
      const mu = [0.5, 2, 0.1];
      const logD = [-9, -9, 5]; // log alpha: <0, <0, >0: the third unit is pruned
      const x = tf.tensor2d([[1, 1, 1]]);
      const expected = { weighted: [0.5, 2, 0], hard: [1, 1, 0], mean: [0.5, 2, 0.1] };
      for (const mode of ['weighted', 'hard', 'mean'] as const) {
        const { model } = gatedModel(mu, logD, { inferenceMode: mode });
        assertClose(model.predict(x) as tf.Tensor, expected[mode], 1e-6, mode);
      }
    });

    it('reports log alpha, the mask and the kept units', () => {
      const { layer } = gatedModel([1, 0.01, 1], [-9, -9, 1]);
      assertClose(layer.logAlpha(), [-9, -9 - Math.log(1e-4 + 1e-8), 1], 1e-3, 'log alpha');
      assertClose(layer.mask(), [1, 0, 0], 0, 'mask');
      assert.deepEqual(layer.keptUnits(), [0]);
      assert.deepEqual(layer.keptUnits(100), [0, 1, 2]);
    });

    it('draws fresh noise per example and per call while training, reproducibly for a seed', () => {
      const make = () => gatedModel([1, 1], [-1, -1], { seed: 7 }).model;
      const a = make();
      const b = make();
      const x = tf.ones([2, 2]);
      const first = a.apply(x, { training: true }) as tf.Tensor;
      const second = a.apply(x, { training: true }) as tf.Tensor;
      assert.ok(tf.max(tf.abs(tf.sub(first, second))).dataSync()[0] > 1e-3, 'noise must change between calls');
      const rows = first.arraySync() as number[][];
      assert.notEqual(rows[0][0], rows[1][0], 'noise must differ between examples');
      assertClose(b.apply(x, { training: true }) as tf.Tensor, first, 0, 'same seed, same first draw');
      const inference = a.predict(x) as tf.Tensor;
      assertClose(inference, a.predict(x) as tf.Tensor, 0, 'inference is deterministic');
    });

    it('gates a channel axis of a conv feature map', () => {
      const layer = new VIBLayer({ inputShape: [2, 2, 3], axis: -1, inferenceMode: 'hard' });
      const model = tfl.sequential({ layers: [layer] });
      layer.setWeights([tf.tensor1d([1, 1, 1]), tf.tensor1d([-9, 5, -9])]);
      const out = model.predict(tf.ones([1, 2, 2, 3])) as tf.Tensor;
      assertClose(tf.sum(out, [0, 1, 2]), [4, 0, 4], 0, 'channel 1 removed everywhere');
      const channelsFirst = new VIBLayer({ inputShape: [3, 4], axis: 1, inferenceMode: 'hard' });
      const model2 = tfl.sequential({ layers: [channelsFirst] });
      channelsFirst.setWeights([tf.tensor1d([1, 1, 1]), tf.tensor1d([5, -9, -9])]);
      assertClose(tf.sum(model2.predict(tf.ones([2, 3, 4])) as tf.Tensor, [0, 2]), [0, 8, 8], 0, 'axis 1');
    });

    it('has gradients that match finite differences through the noisy training path', () => {
      const layer = new VIBLayer({ inputShape: [3], seed: 3, klFac: 0.01 });
      const model = tfl.sequential({ layers: [layer] });
      model.predict(tf.zeros([1, 3]));
      layer.setWeights([tf.tensor1d([0.8, -0.3, 1.2]), tf.tensor1d([-1, -0.5, -2])]);
      const x = tf.tensor2d([[0.5, -1, 2], [1, 0.3, -0.7]]);
      const loss = () => {
        layer.resetNoise();
        const y = model.apply(x, { training: true }) as tf.Tensor;
        return tf.add(tf.sum(tf.square(y)), model.calculateLosses()[0]) as tf.Scalar;
      };
      for (const weight of layer.trainableWeights) {
        const variable = weight.read() as tf.Variable;
        const analytic = tf.variableGrads(loss, [variable]).grads[variable.name].dataSync();
        const numeric = finiteDifferenceGradient(loss, variable, undefined, 1e-2);
        for (const [i, value] of numeric) {
          assert.ok(Math.abs(analytic[i] - value) <= 2e-2 * Math.max(1, Math.abs(value)), `${weight.name}[${i}]: ${analytic[i]} vs ${value}`);
        }
      }
    });

    it('freezes the mask for fine-tuning: hard mask in training, no KL, not trainable', () => {
      const { model, layer } = gatedModel([0.5, 2, 1], [-9, -9, 5], { klFac: 1 });
      layer.setFrozenMask(true);
      assert.equal(layer.trainableWeights.length, 0);
      assert.equal(model.calculateLosses()[0].dataSync()[0], 0);
      assertClose(model.apply(tf.ones([2, 3]), { training: true }) as tf.Tensor, [1, 1, 0, 1, 1, 0], 0, 'frozen');
      layer.setFrozenMask(false);
      assert.equal(layer.trainableWeights.length, 2);
    });

    it('unfreezes a gate that was created (or loaded) frozen', () => {
      const { model, layer } = gatedModel([1, 1], [-9, -9], { frozenMask: true });
      assert.equal(layer.trainableWeights.length, 0);
      layer.setFrozenMask(false);
      assert.equal(layer.trainableWeights.length, 2, 'mu and logD trainable again');
      layer.setFrozenMask(true);
      tfl.sequential({ layers: [model] }).predict(tf.zeros([1, 2])); // building a container resets weight flags
      assert.equal(layer.trainableWeights.length, 0, 'still frozen after a model is built around it');
    });

    it('round-trips through model.save and tf.loadLayersModel', async () => {
      const { model } = gatedModel([0.9, 0.2, 1.1], [-9, 3, -4], {
        klFac: 0.5,
        klMult: 3,
        inferenceMode: 'hard',
        threshold: 1,
        seed: 11,
      });
      const loaded = await saveAndLoad(model);
      const restored = loaded.layers[0] as VIBLayer;
      assert.ok(restored instanceof VIBLayer);
      assert.equal(restored.settings.klMult, 3);
      assert.equal(restored.settings.inferenceMode, 'hard');
      assert.equal(restored.seed, 11);
      const x = tf.randomNormal([4, 3]);
      assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6, 'predictions');
      assertClose(loaded.calculateLosses()[0], model.calculateLosses()[0], 1e-6, 'KL loss');
    });

    it('trains with two learning rates and leaks no tensors', async () => {
      const model = tfl.sequential({
        layers: [new VIBLayer({ inputShape: [4], seed: 1 }), tfl.layers.dense({ units: 2, activation: 'softmax' })],
      });
      const trainer = new VIBTrainer(model, { lr: 0.01, ibLr: 0.05 });
      const x = tf.randomNormal([8, 4], 0, 1, 'float32', 5);
      const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'), 2);
      await assertNoLeak(() => trainer.trainOnBatch(x, y), 3, 'VIBTrainer step');
      trainer.dispose();
    });

    it('updates gate parameters at ibLr and the rest at lr', () => {
      const model = tfl.sequential({
        layers: [new VIBLayer({ inputShape: [2], inferenceMode: 'mean' }), tfl.layers.dense({ units: 1, useBias: false })],
      });
      const x = tf.tensor2d([[1, 2]]);
      const loss = () => tf.sum(model.apply(x) as tf.Tensor) as tf.Scalar;
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => {
        const task = loss();
        return tf.add(task, model.calculateLosses()[0]) as tf.Scalar;
      }, variables);
      const before = variables.map((v) => v.dataSync().slice());
      const trainer = new VIBTrainer(model, { lr: 0.001, ibLr: 0.1, optimizer: (rate) => tf.train.sgd(rate) });
      trainer.step(loss);
      variables.forEach((v, i) => {
        const rate = v.name.includes('vib_') ? 0.1 : 0.001;
        const expected = Array.from(before[i], (b, j) => b - rate * grads[v.name].dataSync()[j]);
        assertClose(v, expected, 1e-5, `${v.name} update`);
      });
    });

    it('rejects bad options naming the option', () => {
      const cases: Array<[VIBLayerArgs, string]> = [
        [{ klMult: -1 }, 'klMult'],
        [{ klFac: Number.NaN }, 'klFac'],
        [{ inferenceMode: 'soft' as never }, 'inferenceMode'],
        [{ axis: 0 }, 'axis'],
        [{ muInitializer: 'nope' }, 'muInitializer'],
      ];
      for (const [args, option] of cases) {
        assert.throws(
          () => new VIBLayer(args),
          (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === option && e.message.includes(option),
          option,
        );
      }
      const layer = new VIBLayer({ axis: 3 });
      assert.throws(() => layer.apply(tf.ones([2, 3])), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'axis');
      assert.throws(() => new VIBTrainer(tfl.sequential(), { ibLr: 0 }), /ibLr/);
    });
  });
}
