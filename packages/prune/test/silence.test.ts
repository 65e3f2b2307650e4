import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LeanAdam, VIBLayer, VIBTrainer, silenceGates, type SilencePlan } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, assertClose, saveAndLoad, useBackend } from '@tfjs-compress/testing';
import { planShrink, shrinkVIB } from '../src/index.js';
import { inputBatch, randomizeWeights, seededValues, setGate } from './helpers.js';

const T = 4;
const F = 9;
const H = 6;

function buildModel(kind: 'lstm' | 'gru', frontGate: boolean): tfl.LayersModel {
  const layers: tfl.layers.Layer[] = [];
  if (frontGate) layers.push(new VIBLayer({ name: 'front_gate', inputShape: [T, F], seed: 3 }));
  const args = { name: 'rnn', units: H, inputBottleneck: !frontGate, seed: 4, ...(frontGate ? {} : { inputShape: [T, F] }) };
  layers.push(kind === 'lstm' ? new VIBLSTM(args) : new VIBGRU(args));
  layers.push(tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }));
  const model = tfl.sequential({ layers, name: 'silence_test' });
  randomizeWeights(model, 5);
  // Input 7 and unit 2 pruned by their log alpha; the plans below also take kept ones.
  const rnn = model.getLayer('rnn') as VIBLSTM | VIBGRU;
  setGate(frontGate ? (model.getLayer('front_gate') as VIBLayer).vibGates[0] : rnn.cell.inputGate!, [7]);
  for (const gate of Object.values(rnn.cell.gates)) if (gate) setGate(gate, [2], 8);
  return model;
}

/** Input 7 and unit 2 (pruned) plus input 1 and unit 4 (kept by their masks). */
function planOf(frontGate: boolean): Record<string, SilencePlan> {
  return frontGate ? { front_gate: { units: [1, 7] }, rnn: { units: [2, 4] } } : { rnn: { inputs: [1, 7], units: [2, 4] } };
}

const predict = (model: tfl.LayersModel, x: tf.Tensor) => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);

for (const backend of TEST_BACKENDS) {
  describe(`silenceGates (${backend})`, () => {
    before(() => useBackend(backend));

    for (const [kind, frontGate] of [['lstm', false], ['gru', false], ['lstm', true]] as const) {
      it(`${kind}${frontGate ? ' behind a VIBLayer' : ''}: a silenced model predicts what shrinkVIB's removal of the same plan does`, () => {
        const plan = planOf(frontGate);
        const removed = shrinkVIB(buildModel(kind, frontGate), { plan });
        assert.deepEqual(removed.removed, { inputs: 2, units: 2 });
        const silenced = buildModel(kind, frontGate);
        const x = inputBatch(5, T, F, 21);
        const before = predict(silenced, x);
        silenceGates(silenced, plan);
        const after = predict(silenced, x);
        assertClose(after, predict(removed.model, x), 1e-5, 'silenced vs removed');
        // Teeth: silencing kept units changes the predictions.
        assert.ok(before.some((v, i) => Math.abs(v - after[i]) > 1e-4), 'silencing input 1 and unit 4 must change the output');
        // Repeating the plan changes nothing.
        silenceGates(silenced, plan);
        assertClose(predict(silenced, x), after, 0, 'idempotent');
        x.dispose();
        removed.model.dispose();
        silenced.dispose();
      });
    }

    it('training: silenced inputs and units take no part (no noise, zero gradients) and steps leak nothing', () => {
      const model = buildModel('lstm', false);
      silenceGates(model, planOf(false));
      const rnn = model.getLayer('rnn') as VIBLSTM;
      const x = inputBatch(4, T, F, 3);
      // The same batch with other values at the silenced inputs 1 and 7.
      const changed = tf.tidy(() => {
        const column = tf.reshape(tf.sum(tf.oneHot(tf.tensor1d([1, 7], 'int32'), F), 0), [1, 1, F]);
        return tf.add(x, tf.mul(column, tf.tensor(seededValues(4 * T * F, 9, 3), [4, T, F])));
      });
      const trainingOutput = (input: tf.Tensor) =>
        tf.tidy(() => {
          rnn.resetNoise();
          return (model.apply(input, { training: true }) as tf.Tensor).dataSync() as Float32Array;
        });
      assertClose(trainingOutput(changed), trainingOutput(x), 1e-6, 'silenced inputs do not reach the output, noise included');
      const weights = Object.fromEntries(model.trainableWeights.map((w) => [w.originalName, w]));
      const { grads } = tf.variableGrads(() => {
        rnn.resetNoise();
        return tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
      }, model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
      const gradOf = (name: string) => {
        const variable = (weights[name] as unknown as { val: tf.Variable }).val;
        return grads[variable.name].arraySync() as number[] | number[][];
      };
      const kernel = gradOf('rnn/kernel') as number[][];
      for (const row of [1, 7]) assert.ok(kernel[row].every((v) => v === 0), `kernel row ${row} gets no gradient`);
      assert.ok(kernel[0].some((v) => v !== 0), 'kept rows do');
      for (const name of ['rnn/input_vib_mu', 'rnn/input_vib_log_d']) {
        const g = gradOf(name) as number[];
        assert.equal(g[1], 0, `${name}[1]`);
        assert.notEqual(g[0], 0, `${name}[0] (kept)`);
      }
      tf.dispose(Object.values(grads));
      const trainer = new VIBTrainer(model, { lr: 1e-2, ibLr: 5e-2, optimizer: (rate) => new LeanAdam(rate) });
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
      trainer.trainOnBatch(x, y);
      const steady = tf.memory().numTensors;
      trainer.trainOnBatch(x, y);
      trainer.trainOnBatch(x, y);
      assert.equal(tf.memory().numTensors, steady, 'training steps of a silenced model');
      trainer.dispose();
      tf.dispose([x, changed, y]);
      model.dispose();
    });

    it('a saved silenced model loads with those units pruned (mu = 0, log alpha >= 18)', async () => {
      const model = buildModel('gru', false);
      silenceGates(model, planOf(false));
      const loaded = await saveAndLoad(model);
      assert.deepEqual(planShrink(loaded).rnn, { inputs: [1, 7], units: [2, 4] });
      const x = inputBatch(3, T, F, 8);
      assertClose(predict(loaded, x), predict(model, x), 1e-6, 'loaded vs silenced');
      x.dispose();
      model.dispose();
      loaded.dispose();
    });

    it('bad plans name the layer or index', () => {
      const model = buildModel('lstm', false);
      assert.throws(() => silenceGates(model, { nope: { units: [0] } }), (e: unknown) => InvalidArgumentError.isInstance(e) && /nope/.test((e as Error).message));
      assert.throws(() => silenceGates(model, { rnn: { units: [H] } }), (e: unknown) => InvalidArgumentError.isInstance(e) && /silenced unit.*6.*\[0, 6\)/.test((e as Error).message));
      assert.throws(() => silenceGates(model, { rnn: { inputs: [-1] } }), InvalidArgumentError);
      model.dispose();
    });
  });
}
