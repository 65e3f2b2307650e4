import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gatedLayers } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { compact, insertBottlenecks } from '../src/index.js';
import { inputBatch, randomizeWeights, setGate, useHardMasks, assertCompactMatches } from './helpers.js';

/** A trained-looking plain model: lstm -> gru -> dense relu -> dense softmax. */
export function plainModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.lstm({ units: 6, returnSequences: true, inputShape: [5, 7], recurrentInitializer: 'glorotUniform', name: 'lstm' }),
      tfl.layers.gru({ units: 4, recurrentInitializer: 'glorotUniform', name: 'gru' }),
      tfl.layers.dense({ units: 5, activation: 'relu', name: 'fc' }),
      tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  randomizeWeights(model, 13);
  return model;
}

for (const backend of TEST_BACKENDS) {
  describe(`insertBottlenecks (${backend})`, () => {
    before(() => useBackend(backend));

    it('predicts exactly what the plain model predicts, before any fine-tuning', () => {
      const plain = plainModel();
      const start = tf.memory().numTensors;
      const vib = insertBottlenecks(plain, { denseBottleneck: true });
      assert.deepEqual(
        vib.layers.map((l) => l.getClassName()),
        ['InputLayer', 'VIBLSTM', 'VIBGRU', 'Dense', 'VIBLayer', 'Dense'],
      );
      const lstm = vib.getLayer('lstm') as VIBLSTM;
      const gru = vib.getLayer('gru') as VIBGRU;
      assert.ok(lstm.cell.inputGate != null && gru.cell.inputGate == null, "inputBottleneck 'first'");
      assert.equal(lstm.getConfig().recurrentActivation, 'hardSigmoid', 'keeps the tfjs activation');
      assert.equal(gatedLayers(vib as never).length, 3);
      const x = inputBatch(3, 5, 7, 5);
      const expected = plain.predict(x) as tf.Tensor;
      const got = vib.predict(x) as tf.Tensor;
      assertClose(got, expected, 1e-5, 'VIB model at identity vs plain');
      tf.dispose([x, expected, got]);
      const added = vib.weights.length;
      assert.equal(tf.memory().numTensors, start + added, 'only the new weights remain');
      vib.dispose();
      plain.dispose();
    });

    it('plain -> insertBottlenecks -> masks -> compact matches the hard-mask model', () => {
      const plain = plainModel();
      const vib = insertBottlenecks(plain, { inputBottleneck: 'all' });
      const lstm = vib.getLayer('lstm') as VIBLSTM;
      const gru = vib.getLayer('gru') as VIBGRU;
      setGate(lstm.cell.inputGate!, [2, 3]);
      setGate(lstm.cell.gates.g!, [1, 5]);
      setGate(gru.cell.gates.h!, [0]);
      useHardMasks(vib);
      const result = compact(vib);
      assert.deepEqual(result.keptInputs, [0, 1, 4, 5, 6]);
      const x = inputBatch(2, 5, 7, 9);
      assertCompactMatches(vib, result, x, 'compact after insertBottlenecks');
      [result.model, vib, plain].forEach((m) => m.dispose());
    });
  });
}

describe('insertBottlenecks options', () => {
  it('rejects an unknown inputBottleneck placement', () => {
    const plain = plainModel();
    assert.throws(
      () => insertBottlenecks(plain, { inputBottleneck: 'last' as never }),
      (e: unknown) => InvalidArgumentError.isInstance(e) && (e as InvalidArgumentError).option === 'inputBottleneck',
    );
    plain.dispose();
  });
});
