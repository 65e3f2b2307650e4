import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertClose, useBackend } from '@tfjs-compress/testing';
import { VIBGRU, VIBLSTM, type VIBRecurrentLayer } from '../src/index.js';

function bidirectional(layer: tfl.layers.Layer): tfl.LayersModel {
  const model = tfl.sequential({ layers: [tfl.layers.bidirectional({ layer: layer as tfl.layers.RNN, inputShape: [4, 6] }), tfl.layers.dense({ units: 2 })] });
  model.predict(tf.zeros([1, 4, 6]));
  return model;
}

describe('losses inside tf.layers.bidirectional', () => {
  it("reach the model's loss from both directions: a VIB layer's KL terms", async () => {
    await useBackend('cpu');
    const model = bidirectional(new VIBLSTM({ units: 3, inputBottleneck: true, klFac: 0.5, seed: 2 }));
    const wrapper = model.layers[0] as unknown as { forwardLayer: VIBRecurrentLayer; backwardLayer: VIBRecurrentLayer };
    const losses = model.calculateLosses();
    assert.equal(losses.length, 2, 'one KL term per direction');
    const expected = [...wrapper.forwardLayer.calculateLosses(), ...wrapper.backwardLayer.calculateLosses()];
    losses.forEach((loss, i) => assertClose(loss, expected[i], 1e-7, `direction ${i}`));
    assert.ok(losses.every((l) => l.dataSync()[0] > 0), 'the KL terms are not zero');
    tf.dispose([...losses, ...expected]);
    model.dispose();
  });

  it('reach the loss from both directions of a VIBGRU with gate bottlenecks too', async () => {
    await useBackend('cpu');
    const model = bidirectional(new VIBGRU({ units: 3, gateBottleneck: true, klFac: 0.5, seed: 4 }));
    const losses = model.calculateLosses();
    assert.equal(losses.length, 2);
    assert.ok(losses.every((l) => l.dataSync()[0] > 0));
    tf.dispose(losses);
    model.dispose();
  });
});
