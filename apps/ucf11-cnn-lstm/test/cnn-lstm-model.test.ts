import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { findRecurrentLayer } from '@tfjs-compress/app-kit';
import { compact } from '@tfjs-compress/prune';
import { TEST_BACKENDS, assertClose, saveAndLoad, useBackend } from '@tfjs-compress/testing';
import { buildCnnLstmModel, buildPlainCnnLstmModel, toVibCnnLstm, type CnnLstmModelOptions } from '../src/index.js';
import { pseudoRandom } from './helpers.js';

const OPTIONS: CnnLstmModelOptions = { frames: 3, features: 6, units: 5, classes: 4, dropout: 0, klFac: 1e-3, klMult: 2, seed: 3 };

for (const backend of TEST_BACKENDS) {
  describe(`CNN-LSTM model (${backend})`, () => {
    before(() => useBackend(backend));
    const x = () => tf.tensor3d(pseudoRandom(2 * 3 * 6, 11), [2, 3, 6]);

    it('the pre-trained route starts where the plain model is: bottlenecks at identity predict what it predicts', () => {
      const plain = buildPlainCnnLstmModel(OPTIONS);
      const vib = toVibCnnLstm(plain, OPTIONS);
      const input = x();
      const expected = plain.predict(input) as tf.Tensor;
      const actual = vib.predict(input) as tf.Tensor;
      assertClose(actual.dataSync() as Float32Array, expected.dataSync() as Float32Array, 1e-5, 'VIB at identity vs plain');
      const layer = findRecurrentLayer(vib);
      assert.ok(layer?.cell.inputGate, 'the CNN feature vector has its own VIB gate');
      tf.dispose([input, expected, actual]);
      plain.dispose();
      vib.dispose();
    });

    it('survives save/load and compacts to built-in layers that predict the same (hard masks)', async () => {
      const model = buildCnnLstmModel(OPTIONS);
      const layer = findRecurrentLayer(model)!;
      // Close inputs 0 and 3 and unit 2 (its output gate), as training would.
      const inputGate = layer.cell.inputGate!;
      tf.tidy(() => {
        inputGate.logD.write(tf.tensor1d([10, -9, -9, 10, -9, -9]));
      });
      const outputGate = layer.vibGates[layer.vibGates.length - 1];
      tf.tidy(() => {
        outputGate.logD.write(tf.tensor1d([-9, -9, 10, -9, -9]));
      });
      for (const gate of layer.vibGates) gate.settings.inferenceMode = 'hard';
      const loaded = await saveAndLoad(model);
      const input = x();
      const a = model.predict(input) as tf.Tensor;
      const b = loaded.predict(input) as tf.Tensor;
      assertClose(b.dataSync() as Float32Array, a.dataSync() as Float32Array, 1e-6, 'save/load');
      const result = compact(model);
      assert.deepEqual(result.keptInputs, [1, 2, 4, 5]);
      const kept = tf.gather(input, tf.tensor1d(result.keptInputs, 'int32'), 2);
      const c = result.model.predict(kept) as tf.Tensor;
      assertClose(c.dataSync() as Float32Array, a.dataSync() as Float32Array, 1e-5, 'compact vs hard-mask VIB');
      tf.dispose([input, a, b, c, kept]);
      [model, loaded, result.model].forEach((m) => m.dispose());
    });
  });
}
