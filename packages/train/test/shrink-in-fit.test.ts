import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compact } from '@tfjs-compress/prune';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { measureCompression } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBLSTM, type VIBRecurrentLayer } from '@tfjs-compress/vib-rnn';
import { InPlaceShrinker, disposeSnapshot, restoreSnapshot, sliceSnapshot, takeSnapshot, vibCallback, vibOptimizer, type VIBCallbackOptions } from '../src/index.js';
import { gatedLstm, summedTask } from './helpers.js';

const EPOCHS = 12;
const FIT = { batchSize: 32, shuffle: false, verbose: 0 as const };

/**
 * The fitted model at full size: the same layers without the in-place
 * removal, the recurrent weights spread back (removed rows and columns 0),
 * and the gates as they are. In 'hard' mode it is the masked model.
 */
function fullSizeTwin(model: tfl.LayersModel): tfl.LayersModel {
  const [rnn, head] = model.layers as [VIBRecurrentLayer, tfl.layers.Layer];
  const config = { ...rnn.getConfig() };
  delete config.keptInputs;
  delete config.keptUnits;
  const twinRnn = new VIBLSTM(config as unknown as ConstructorParameters<typeof VIBLSTM>[0]);
  const twin = tfl.sequential({ layers: [twinRnn, tfl.layers.dense(head.getConfig() as unknown as Parameters<typeof tfl.layers.dense>[0])] });
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  for (const w of twin.weights) {
    const from = byName.get(w.originalName);
    if (from && tf.util.arraysEqual(from.shape as number[], w.shape as number[])) w.write(from.read());
  }
  const plain = rnn.plainWeights();
  twinRnn.setPlainWeights(plain);
  tf.dispose(plain);
  return twin;
}

async function fitShrinking(options: VIBCallbackOptions, optimizer: tf.Optimizer, seed = 1) {
  const train = summedTask(768, seed);
  const model = gatedLstm(seed);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const callback = vibCallback(options);
  const history = await model.fit(train.x, train.oneHot, { ...FIT, epochs: EPOCHS, callbacks: [callback] });
  tf.dispose([train.x, train.y, train.oneHot]);
  return { model, callback, history };
}

for (const backend of TEST_BACKENDS) {
  describe(`vibCallback({shrink}) in model.fit (${backend})`, () => {
    before(() => useBackend(backend));

    it('removes pruned inputs and units from the same model during fit; it predicts what the masked full-size model predicts', async () => {
      const validation = summedTask(256, 2);
      const { model, history } = await fitShrinking({ targetCompression: 8, shrink: true }, vibOptimizer({ lr: 1e-2 }));
      const rnn = model.layers[0] as VIBRecurrentLayer;
      const live = rnn.liveIndices;
      assert.ok(live.inputs != null && live.inputs.length < 16, `inputs removed in place (${live.inputs?.length} live)`);
      assert.deepEqual(rnn.cell.projection.weights[0].shape, [live.inputs!.length, 4 * rnn.cell.liveUnits], 'the kernel itself is smaller');
      assert.deepEqual(model.inputs[0].shape, [null, 8, 16], 'the model reads the same input');
      const removed = history.history.removedInputs as number[];
      assert.equal(removed[EPOCHS - 1], 16 - live.inputs!.length, 'logs count what was removed');
      assert.ok(measureCompression(model).ratio >= 2, 'the masks compress as they would without shrinking');
      // The masked model at full size, and what compact builds, both agree with the shrunk one.
      const twin = fullSizeTwin(model);
      const expected = twin.predict(validation.x) as tf.Tensor;
      assertClose(model.predict(validation.x) as tf.Tensor, expected, 1e-5, 'shrunk in place vs masked full size');
      const small = compact(model);
      assertClose(small.model.predict(tf.gather(validation.x, small.keptInputs, 2)) as tf.Tensor, expected, 1e-5, 'compact of the shrunk model');
      small.model.dispose();
      twin.dispose();
      model.optimizer.dispose();
      model.dispose();
      tf.dispose([expected, validation.x, validation.y, validation.oneHot]);
    });
  });
}

describe('vibCallback({shrink}) inside tf.layers.bidirectional', () => {
  before(() => useBackend(TEST_BACKENDS.includes('wasm') ? 'wasm' : TEST_BACKENDS[0]));

  it('shrinks both directions in place during fit, and compact predicts what the shrunk model predicts', async () => {
    const train = summedTask(768, 1);
    const validation = summedTask(256, 2);
    const model = tfl.sequential({
      layers: [
        tfl.layers.bidirectional({ layer: new VIBLSTM({ units: 12, inputBottleneck: true, seed: 1 }) as unknown as tfl.layers.RNN, inputShape: [8, 16] }),
        tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    model.compile({ optimizer: vibOptimizer({ lr: 1e-2 }), loss: 'categoricalCrossentropy' });
    await model.fit(train.x, train.oneHot, { ...FIT, epochs: EPOCHS, callbacks: [vibCallback({ targetCompression: 8, shrink: true })] });
    const wrapper = model.layers[0] as unknown as { forwardLayer: VIBRecurrentLayer; backwardLayer: VIBRecurrentLayer };
    for (const rnn of [wrapper.forwardLayer, wrapper.backwardLayer]) {
      const live = rnn.liveIndices;
      assert.ok(live.inputs != null && live.inputs.length < 16, `${rnn.name}: inputs removed in place (${live.inputs?.length} live)`);
    }
    const small = compact(model);
    const expected = model.predict(validation.x) as tf.Tensor;
    assertClose(small.model.predict(tf.gather(validation.x, small.keptInputs, 2)) as tf.Tensor, expected, 1e-5, 'compact of the shrunk Bidirectional');
    small.model.dispose();
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([expected, train.x, train.y, train.oneHot, validation.x, validation.y, validation.oneHot]);
  });
});

describe('vibCallback({shrink}) with other optimizers and settings', () => {
  before(() => useBackend(TEST_BACKENDS.includes('wasm') ? 'wasm' : TEST_BACKENDS[0]));

  it("slices a tfjs optimizer's slots (Adam, RMSProp) with the weights and keeps training", async () => {
    for (const optimizer of [tf.train.adam(1e-2), tf.train.rmsprop(1e-2)]) {
      const { model } = await fitShrinking({ targetCompression: 8, shrink: { patience: 1 } }, optimizer);
      const rnn = model.layers[0] as VIBRecurrentLayer;
      assert.ok(rnn.liveIndices.inputs != null, `${optimizer.getClassName()}: shrunk`);
      const slots = await optimizer.getWeights();
      const kernelName = (rnn.cell.projection.weights[0].read() as tf.Variable).name;
      const kernelSlots = slots.filter((s) => s.name.startsWith(`${kernelName}/`));
      assert.ok(kernelSlots.length > 0);
      for (const s of kernelSlots) assert.deepEqual(s.tensor.shape, rnn.cell.projection.weights[0].shape, `${s.name} sliced with the kernel`);
      tf.dispose(slots.slice(0, 1).map((s) => s.tensor));
      optimizer.dispose();
      model.dispose();
    }
  });

  it('keeps what a held weight copy still needs: only what every copy prunes too is removed', async () => {
    const model = gatedLstm(1);
    model.predict(tf.zeros([1, 8, 16]));
    const rnn = model.layers[0] as VIBRecurrentLayer;
    const prune = (inputs: number[]) => {
      const gate = rnn.cell.inputGate!;
      const logD = gate.logD.read().dataSync().slice();
      for (const k of inputs) logD[k] = 10;
      gate.logD.write(tf.tensor1d(logD));
    };
    prune([2, 3]);
    const held = takeSnapshot(model);
    prune([2, 3, 4, 5]);
    const shrinker = new InPlaceShrinker({ patience: 1 });
    const outcome = await shrinker.check(model, { held: [held] });
    assert.equal(outcome.inputs, 2);
    assert.deepEqual(rnn.liveIndices.inputs, [0, 1, ...Array.from({ length: 12 }, (_, i) => i + 4)]);
    // The copy follows the weights (sliceSnapshot), so restoring it fits the shrunk layer.
    const carried = sliceSnapshot(outcome.slices)(held);
    restoreSnapshot(carried);
    assert.deepEqual(rnn.prunableUnits().inputs.removed, [2, 3], 'the copy restored: 4 and 5 are back, 2 and 3 stay removed');
    assert.equal((await shrinker.check(model, {})).inputs, 0, 'nothing more to remove');
    disposeSnapshot(held);
    disposeSnapshot(carried);
    model.dispose();
  });

  it('leaks no tensors, and names bad settings', async () => {
    const run = async () => {
      const { model, callback } = await fitShrinking({ targetCompression: 8, shrink: true }, vibOptimizer({ lr: 1e-2 }));
      callback.disposeCandidates();
      model.optimizer.dispose();
      model.dispose();
    };
    await run();
    const count = tf.memory().numTensors;
    await run();
    assert.equal(tf.memory().numTensors, count);
    assert.throws(() => vibCallback({ shrink: { patience: 0 } }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'shrink.patience');
    assert.throws(() => vibCallback({ shrink: 3 as never }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'shrink');
  });
});
