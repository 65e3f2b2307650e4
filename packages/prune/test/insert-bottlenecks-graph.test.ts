import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gatedLayers } from '@tfjs-compress/vib';
import type { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { compact, insertBottlenecks } from '../src/index.js';
import { randomizeWeights, seededValues, setGate, useHardMasks } from './helpers.js';
import { T, VOCABULARY, directions, tokenIds } from './zoo.js';

const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;

/** A plain text model: token ids -> Embedding -> Bidirectional(LSTM) -> Dense, and numbers -> Dense; Concatenate -> Dense. */
function plainModel(): tfl.LayersModel {
  const ids = tfl.input({ shape: [T], name: 'text' });
  const numbers = tfl.input({ shape: [3], name: 'numbers' });
  const lstm = tfl.layers.lstm({ units: 4, recurrentInitializer: 'glorotUniform', name: 'lstm' });
  let text = apply(tfl.layers.embedding({ inputDim: VOCABULARY, outputDim: 5, name: 'embed' }), ids);
  text = apply(tfl.layers.bidirectional({ layer: lstm as never, name: 'bi' }), text);
  const numeric = apply(tfl.layers.dense({ units: 3, activation: 'relu', name: 'numeric' }), numbers);
  const joined = apply(tfl.layers.concatenate({ name: 'join' }), [text, numeric]);
  const hidden = apply(tfl.layers.dense({ units: 4, activation: 'tanh', name: 'hidden' }), joined);
  const model = tfl.model({ inputs: [ids, numbers], outputs: apply(tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }), hidden) });
  randomizeWeights(model, 53);
  return model;
}

const inputs = () => [tokenIds(3, 59), tf.tensor2d(seededValues(9, 61, 1), [3, 3])];

for (const backend of TEST_BACKENDS) {
  describe(`insertBottlenecks on a graph (${backend})`, () => {
    before(() => useBackend(backend));

    it('gates every recurrent layer, inside Bidirectional too, and predicts what the plain model predicts', () => {
      const plain = plainModel();
      const vib = insertBottlenecks(plain, { denseBottleneck: true, embeddingBottleneck: true });
      const [forward, backward] = directions(vib, 'bi');
      assert.equal(forward.getClassName(), 'VIBLSTM');
      assert.ok(forward.cell.inputGate != null && backward.cell.inputGate != null);
      assert.deepEqual(
        gatedLayers(vib).map((l) => l.name),
        ['embed_vib', 'forward_lstm', 'backward_lstm', 'numeric_vib', 'hidden_vib'],
        'gates after the embedding, in both directions, after the Dense layers another Dense reads',
      );
      const x = inputs();
      const expected = plain.predict(x) as tf.Tensor;
      const got = vib.predict(x) as tf.Tensor;
      assertClose(got, expected, 1e-5, 'VIB model at identity vs plain');

      // Shut some gates and compact: the compact model matches the hard-mask model.
      setGate(forward.cell.inputGate!, [0, 2]);
      setGate(backward.cell.inputGate!, [2]);
      setGate((forward as VIBLSTM).cell.gates.o!, [1]);
      setGate((backward as VIBLSTM | VIBGRU).cell.gates.i!, [3]);
      useHardMasks(vib);
      const result = compact(vib);
      assert.deepEqual(result.model.getLayer('embed').getWeights()[0].shape, [VOCABULARY, 4]);
      const prepared = result.prepareInputs(x) as tf.Tensor[];
      const hard = vib.predict(x) as tf.Tensor;
      const compacted = result.model.predict(prepared) as tf.Tensor;
      assertClose(compacted, hard, 1e-5, 'compact after insertBottlenecks');
      tf.dispose([...x, ...prepared, expected, got, hard, compacted]);
      [result.model, vib, plain].forEach((m) => m.dispose());
    });
  });
}
