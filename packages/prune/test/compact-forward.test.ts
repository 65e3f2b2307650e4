import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertNoLeak, TEST_BACKENDS, useBackend, maxAbsDiff, namesOption } from '@tfjs-compress/testing';
import { CompactForward } from '../src/compact-forward.js';
import { seededValues } from './helpers.js';


// Seeds spread apart: the helper's generator gives correlated streams for neighbouring seeds.
const seeded = (shape: number[], seed: number, scale = 0.5) =>
  tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), Math.imul(seed, 0x9e3779b1), scale), shape);

/** Seeded weights everywhere; positive moving variances; a larger LSTM scale so gates leave their linear range. */
function randomize(model: tfl.LayersModel, seed: number): void {
  for (const [l, layer] of model.layers.entries()) {
    const weights = layer.getWeights();
    const values = weights.map((w, i) =>
      layer.getClassName() === 'BatchNormalization' && i === weights.length - 1
        ? tf.tidy(() => tf.add(tf.abs(seeded(w.shape, seed + 10 * l + i)), 0.5))
        : seeded(w.shape, seed + 10 * l + i, layer.getClassName() === 'LSTM' && i < 2 ? 1 : 0.5),
    );
    layer.setWeights(values);
    tf.dispose(values);
  }
}

const VARIANTS: Array<{ what: string; layers: () => tfl.layers.Layer[] }> = [
  {
    what: 'hardSigmoid, no bias, batch norm without centre, tanh head',
    layers: () => [
      tfl.layers.lstm({ units: 5, recurrentInitializer: 'glorotUniform', inputShape: [6, 7], recurrentActivation: 'hardSigmoid', useBias: false }),
      tfl.layers.batchNormalization({ center: false, epsilon: 0.01 }),
      tfl.layers.dense({ units: 4, activation: 'tanh' }),
      tfl.layers.dropout({ rate: 0.3 }),
      tfl.layers.dense({ units: 3, activation: 'sigmoid' }),
    ],
  },
  {
    what: 'sigmoid gates, linear dense, relu activation layer, softmax',
    layers: () => [
      tfl.layers.lstm({ units: 4, recurrentInitializer: 'glorotUniform', inputShape: [null as unknown as number, 7], recurrentActivation: 'sigmoid' }),
      tfl.layers.dense({ units: 6 }),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
];

for (const backend of TEST_BACKENDS) {
  describe(`CompactForward (${backend})`, () => {
    before(() => useBackend(backend));

    it('equals model.predict on LSTM + head variants (1e-5), without leaking', async () => {
      for (const [v, variant] of VARIANTS.entries()) {
        const model = tfl.sequential({ layers: variant.layers() });
        randomize(model, 100 * v + 1);
        const x = seeded([1, 6, 7], 7 + v, 2);
        const expected = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
        const input = x.dataSync() as Float32Array;
        // The input projection in JS (the default at this size) and as a backend matMul.
        for (const jsProjectionMaxMacs of [undefined, 0]) {
          const forward = new CompactForward(model, { jsProjectionMaxMacs });
          assert.deepEqual([forward.features, forward.outputs], [7, 3]);
          const got = forward.run(input);
          await assertNoLeak(() => forward.run(input), 3, variant.what);
          const what = `${variant.what}, jsProjectionMaxMacs ${jsProjectionMaxMacs}`;
          assert.ok(maxAbsDiff(got, expected) < 1e-5, `${what}: ${maxAbsDiff(got, expected)}`);
        }
        assert.ok(Math.max(...expected) - Math.min(...expected) > 1e-2, `${variant.what}: outputs are not flat`);
        tf.dispose(x);
        model.dispose();
      }
    });

    it('refuses what it cannot run, naming the layer', () => {
      const cases: Array<[string, tfl.layers.Layer[]]> = [
        ['GRU', [tfl.layers.gru({ units: 2, recurrentInitializer: 'glorotUniform', inputShape: [3, 4] })]],
        ['returnSequences', [tfl.layers.lstm({ units: 2, recurrentInitializer: 'glorotUniform', inputShape: [3, 4], returnSequences: true })]],
        ['activation "elu"', [tfl.layers.lstm({ units: 2, recurrentInitializer: 'glorotUniform', inputShape: [3, 4] }), tfl.layers.dense({ units: 2, activation: 'elu' })]],
        ['layer type', [tfl.layers.lstm({ units: 2, recurrentInitializer: 'glorotUniform', inputShape: [3, 4] }), tfl.layers.layerNormalization({})]],
      ];
      for (const [what, layers] of cases) {
        const model = tfl.sequential({ layers });
        const reason = CompactForward.supports(model);
        assert.ok(reason != null && reason.includes(layers.at(-1)!.name), `${what}: ${reason}`);
        model.dispose();
      }
      const model = tfl.sequential({ layers: [tfl.layers.lstm({ units: 2, recurrentInitializer: 'glorotUniform', inputShape: [3, 4] })] });
      const forward = new CompactForward(model);
      assert.throws(() => forward.run(new Float32Array(8)), namesOption('x'), 'two steps where the model has three');
      assert.throws(() => forward.run(new Float32Array(5)), namesOption('x'));
      model.dispose();
    });
  });
}
