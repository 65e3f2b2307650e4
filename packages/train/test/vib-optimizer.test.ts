import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import { gatedLayers, setFrozenMask } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBOptimizer, isGateVariableName, vibOptimizer } from '../src/index.js';
import { gatedLstm, summedTask } from './helpers.js';

type NamedTensor = { name: string; tensor: tf.Tensor };

/** The reference: two plain `tf.train.adam`s, one per side of the gate / rest split. */
class TwoAdams extends tf.Optimizer {
  static get className(): string {
    return 'TwoAdamsForTest';
  }
  private readonly gate: tf.Optimizer;
  private readonly rest: tf.Optimizer;
  constructor(lr: number, ibLr: number) {
    super();
    this.gate = tf.train.adam(ibLr);
    this.rest = tf.train.adam(lr);
  }
  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(gradients) ? gradients : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
    const gate = list.filter((g) => g.tensor != null && isGateVariableName(g.name));
    const rest = list.filter((g) => g.tensor != null && !isGateVariableName(g.name));
    if (gate.length) this.gate.applyGradients(gate);
    if (rest.length) this.rest.applyGradients(rest);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

async function weightsOf(model: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => (await w.read().data()) as Float32Array));
}

/** The weights of gatedLstm(7, 8) after `epochs` of fit with `optimizer` (fixed batch order). */
async function trainedWeights(data: { x: tf.Tensor; oneHot: tf.Tensor }, optimizer: tf.Optimizer, epochs: number): Promise<Float32Array[]> {
  const model = gatedLstm(7, 8);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  await model.fit(data.x, data.oneHot, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  const weights = await weightsOf(model);
  model.dispose();
  return weights;
}

/** Largest |a - b| / max(1, |b|): float32 steps on logD (about -9) are 1e-6 apart in absolute terms. */
function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((values, i) => values.forEach((v, k) => (max = Math.max(max, Math.abs(v - b[i][k]) / Math.max(1, Math.abs(b[i][k]))))));
  return max;
}

function resetNoise(model: tfl.LayersModel): void {
  for (const layer of gatedLayers(model) as unknown as Array<{ resetNoise?: () => void }>) layer.resetNoise?.();
}

for (const backend of TEST_BACKENDS) {
  describe(`VIBOptimizer (${backend})`, () => {
    before(() => useBackend(backend));

    it('takes the steps of two tf.train.adam on the gate and non-gate weights (1e-6 relative), KL and noise included', async () => {
      const data = summedTask(96, 5);
      const ours = await trainedWeights(data, vibOptimizer({ lr: 2e-3, ibLr: 1e-2 }), 2);
      const reference = await trainedWeights(data, new TwoAdams(2e-3, 1e-2), 2);
      const untrained = await weightsOf(gatedLstm(7, 8));
      assert.ok(maxDifference(ours, untrained) > 1e-3, 'the weights moved');
      assert.ok(maxDifference(ours, reference) <= 1e-6, `max difference ${maxDifference(ours, reference)}`);
      tf.dispose([data.x, data.y, data.oneHot]);
    });

    it('with a learning-rate scale takes the steps of both rates times the scale; reset keeps the scale', async () => {
      const data = summedTask(96, 5);
      const run = (optimizer: tf.Optimizer) => trainedWeights(data, optimizer, 1);
      const scaled = vibOptimizer({ lr: 2e-3, ibLr: 1e-2 });
      scaled.setLearningRateScale(0.25);
      scaled.reset();
      assert.equal(scaled.learningRateScale, 0.25);
      const ours = await run(scaled);
      const reference = await run(new TwoAdams(5e-4, 2.5e-3));
      const unscaled = await run(vibOptimizer({ lr: 2e-3, ibLr: 1e-2 }));
      assert.ok(maxDifference(ours, unscaled) > 1e-4, 'the scale changed the steps');
      assert.ok(maxDifference(ours, reference) <= 1e-6, `max difference ${maxDifference(ours, reference)}`);
      assert.throws(() => scaled.setLearningRateScale(0), (e) => InvalidArgumentError.isInstance(e) && e.option === 'scale');
      tf.dispose([data.x, data.y, data.oneHot]);
    });

    it('leaves frozen gates where they are', async () => {
      const data = summedTask(64, 6);
      const model = gatedLstm(8, 8);
      model.compile({ optimizer: vibOptimizer({ ibLr: 5e-2 }), loss: 'categoricalCrossentropy' });
      await model.fit(data.x, data.oneHot, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
      setFrozenMask(model, true);
      const gates = gatedLayers(model).flatMap((l) => l.vibGates.flatMap((g) => [g.mu, g.logD]));
      const before = await Promise.all(gates.map((w) => w.read().data()));
      await model.fit(data.x, data.oneHot, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
      const after = await Promise.all(gates.map((w) => w.read().data()));
      assert.deepEqual(after, before);
      model.dispose();
      tf.dispose([data.x, data.y, data.oneHot]);
    });

    it('round-trips through model.save with includeOptimizer and tf.loadLayersModel, moments included', async () => {
      const data = summedTask(64, 7);
      const model = gatedLstm(9, 8);
      model.compile({ optimizer: vibOptimizer({ lr: 2e-3, ibLr: 3e-2, weightDecay: 1e-4 }), loss: 'categoricalCrossentropy' });
      await model.fit(data.x, data.oneHot, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
      let artifacts: tf.io.ModelArtifacts | null = null;
      await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), {
        includeOptimizer: true,
      });
      // One more epoch from the saved state, noise restarted: what the loaded model must repeat.
      resetNoise(model);
      await model.fit(data.x, data.oneHot, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
      const continued = await weightsOf(model);
      model.dispose();

      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
      assert.ok(loaded.optimizer instanceof VIBOptimizer);
      assert.deepEqual(loaded.optimizer.getConfig(), { lr: 2e-3, ibLr: 3e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 1e-4, fused: true });
      assert.equal(loaded.optimizer.iterations, 2);
      await loaded.fit(data.x, data.oneHot, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
      assert.ok(maxDifference(await weightsOf(loaded), continued) <= 1e-6, 'the loaded model continues as the saved one did');
      loaded.dispose();
      tf.dispose([data.x, data.y, data.oneHot]);
    });
  });
}

describe('VIBOptimizer options', () => {
  it('names the bad option and value', () => {
    assert.throws(() => vibOptimizer({ ibLr: 0 }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'ibLr' && e.value === 0);
    assert.throws(() => vibOptimizer({ beta2: 1 }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'beta2');
    assert.throws(() => vibOptimizer({ weightDecay: -1 }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'weightDecay');
  });

  it('is not instanceof-equal to other optimizers (tfjs duck-types Optimizer)', () => {
    const adam = tf.train.adam(1e-3);
    assert.ok(adam instanceof tf.Optimizer);
    assert.equal(adam instanceof VIBOptimizer, false);
    assert.ok(vibOptimizer() instanceof VIBOptimizer);
    adam.dispose();
  });

  it('tells gate variables from the rest, uniquified names too', () => {
    assert.equal(isGateVariableName('vib_lstm_VIBLSTM1/input_vib_mu'), true);
    assert.equal(isGateVariableName('vib_lstm_VIBLSTM1/i_vib_log_d_2'), true);
    assert.equal(isGateVariableName('vib_lstm_VIBLSTM1/kernel'), false);
    assert.equal(isGateVariableName('dense_Dense1/bias_1'), false);
  });
});
