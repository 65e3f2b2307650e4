import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLayer, gatedLayers } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import { compact } from '../src/index.js';
import { inputBatch, randomizeWeights, setGate, useHardMasks, assertCompactMatches } from './helpers.js';

function gateOf(layer: tfl.layers.Layer) {
  return (layer as VIBLayer).vibGates[0];
}

/** input [T, 6] -> VIBLayer -> dense 5 -> VIBLayer -> batchNorm -> relu -> dense 3 */
function denseModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [4, 6] });
  let x = new VIBLayer({ name: 'in_gate' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 5, name: 'hidden' }).apply(x) as tfl.SymbolicTensor;
  x = new VIBLayer({ name: 'hidden_gate' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu', name: 'act' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ rate: 0.5, name: 'drop' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, name: 'head' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

for (const backend of TEST_BACKENDS) {
  describe(`compact dense chains (${backend})`, () => {
    before(() => useBackend(backend));

    it('drops pruned inputs and hidden features, folding constants through batch norm', () => {
      const model = denseModel();
      randomizeWeights(model, 11);
      setGate(gateOf(model.getLayer('in_gate')), [0, 3]);
      setGate(gateOf(model.getLayer('hidden_gate')), [1, 4]);
      useHardMasks(model);
      const start = tf.memory().numTensors;
      const result = compact(model);
      assert.deepEqual(result.keptInputs, [1, 2, 4, 5]);
      assert.deepEqual(
        result.model.layers.map((l) => l.getClassName()),
        ['InputLayer', 'Dense', 'BatchNormalization', 'Activation', 'Dropout', 'Dense'],
      );
      assert.deepEqual(result.model.getLayer('hidden').getWeights()[0].shape, [4, 3]);
      assert.deepEqual(result.model.getLayer('head').getWeights()[0].shape, [3, 3]);
      const x = inputBatch(3, 4, 6);
      assertCompactMatches(model, result, x, 'compact vs hard-mask prediction');
      result.model.dispose();
      assert.equal(tf.memory().numTensors, start, 'compact leaked tensors');
      model.dispose();
    });

    it('threshold overrides the gates: a high one keeps everything', () => {
      const model = denseModel();
      setGate(gateOf(model.getLayer('in_gate')), [0, 3]);
      useHardMasks(model);
      const strict = compact(model);
      assert.deepEqual(strict.keptInputs, [1, 2, 4, 5]);
      strict.model.dispose();
      const loose = compact(model, { threshold: 100 });
      assert.deepEqual(loose.keptInputs, [0, 1, 2, 3, 4, 5]);
      assert.throws(() => compact(model, { threshold: Number.NaN }), (e: unknown) => InvalidArgumentError.isInstance(e));
      loose.model.dispose();
      model.dispose();
    });

    it('throws a clear error when every input is pruned', () => {
      const model = denseModel();
      setGate(gateOf(model.getLayer('in_gate')), [0, 1, 2, 3, 4, 5]);
      useHardMasks(model);
      assert.throws(() => compact(model), (e: unknown) => InvalidArgumentError.isInstance(e) && /every input/.test((e as Error).message));
      model.dispose();
    });

    it("refuses gates in 'weighted' mode that a compact model cannot reproduce, and says what to do", () => {
      const model = denseModel();
      setGate(gateOf(model.getLayer('in_gate')), [0, 3]);
      assert.throws(
        () => compact(model),
        (e: unknown) =>
          InvalidArgumentError.isInstance(e) && /layer 'in_gate' gate 0 in 'weighted' mode/.test((e as Error).message) && /vibCallback/.test((e as Error).message),
      );
      // Asked for explicitly, it rebuilds the hard-mask model.
      const forced = compact(model, { allowSoftGates: true });
      useHardMasks(model);
      assertCompactMatches(model, forced, inputBatch(3, 4, 6), 'allowSoftGates gives the hard-mask model');
      forced.model.dispose();
      // Weighted gates whose kept mu are exactly 1 evaluate as their masks: nothing to refuse.
      for (const layer of gatedLayers(model)) {
        for (const gate of layer.vibGates) {
          gate.settings.inferenceMode = 'weighted';
          gate.mu.write(tf.onesLike(gate.mu.read()));
        }
      }
      compact(model).model.dispose();
      model.dispose();
    });
  });
}
