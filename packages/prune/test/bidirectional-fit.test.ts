import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gatedLayers, setFrozenMask } from '@tfjs-compress/vib';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import { inputBatch } from './helpers.js';

const T = 4;
const F = 3;

function model(): tfl.LayersModel {
  const input = tfl.input({ shape: [T, F] });
  const bi = tfl.layers.bidirectional({ layer: new VIBLSTM({ units: 3, inputBottleneck: true, seed: 1, name: 'lstm' }) as never, name: 'bi' });
  const out = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(bi.apply(input)) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

const gateValues = (m: tfl.LayersModel) => gatedLayers(m).flatMap((l) => l.vibGates.map((g) => Array.from(g.mu.read().dataSync())));

for (const backend of TEST_BACKENDS) {
  describe(`Bidirectional(VIBLSTM) in model.fit (${backend})`, () => {
    before(() => useBackend(backend));

    it('trains: both directions are found as gated layers and their gates receive gradients', async () => {
      const m = model();
      assert.deepEqual(gatedLayers(m).map((l) => l.name), ['forward_lstm', 'backward_lstm']);
      m.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
      const x = inputBatch(8, T, F, 3);
      const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1], 'int32'), 2);
      const before = gateValues(m);
      await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
      const after = gateValues(m);
      assert.equal(after.length, 10, 'input gate and i, f, g, o gates in each direction');
      after.forEach((mu, k) => assert.ok(mu.some((v, i) => v !== before[k][i]), `gate ${k} did not move`));
      setFrozenMask(m, true);
      for (const layer of gatedLayers(m)) assert.ok(layer.vibGates.every((g) => g.settings.frozenMask), `${layer.name} frozen`);
      tf.dispose([x, y]);
      m.dispose();
    });

    it('puts the KL terms of both directions into the training loss (vib-rnn patches Bidirectional.calculateLosses)', () => {
      const m = model();
      assert.equal(m.calculateLosses().length, 2);
      m.dispose();
    });
  });
}
