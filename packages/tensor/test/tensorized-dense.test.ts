import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, assertClose, assertNoLeak, finiteDifferenceGradient, useBackend } from '@tfjs-compress/testing';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { TRDense, TTDense, contractionFlopsPerRow, fromDense, maxTTRanks, trDense, ttDense, type TensorizedDense } from '../src/index.js';
import { roundTrip } from './helpers.js';

type Maker = (args: ConstructorParameters<typeof TTDense>[0]) => TensorizedDense;
const FORMATS: Array<[string, Maker, 'tensor-train' | 'tensor-ring']> = [
  ['TTDense', ttDense, 'tensor-train'],
  ['TRDense', trDense, 'tensor-ring'],
];

const rejects = (fn: () => unknown, option: string) =>
  assert.throws(fn, (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === option);

for (const backend of TEST_BACKENDS) {
  describe(`TTDense / TRDense (${backend})`, () => {
    before(() => useBackend(backend));

    it('TTDense at full ranks equals tfl.layers.dense holding the reconstructed kernel (1e-5)', () => {
      const inShape = [2, 3, 2];
      const outShape = [3, 1, 2];
      const layer = new TTDense({ units: 6, inShape, outShape, ranks: maxTTRanks(inShape, outShape), activation: 'tanh', biasInitializer: 'randomNormal', seed: 3 });
      const x = tf.randomNormal([5, 12], 0, 1, 'float32', 1);
      const y = layer.apply(x) as tf.Tensor;
      assert.deepEqual(layer.tensorShape.ranks, [1, 6, 4, 1]);
      const kernel = layer.toDense();
      const bias = layer.getWeights()[3];
      const dense = tfl.layers.dense({ units: 6, activation: 'tanh', weights: [kernel, bias] });
      assertClose(y, dense.apply(x) as tf.Tensor, 1e-5, 'TTDense vs dense');
      // Full ranks can hold any kernel: fromDense of a random dense layer is exact.
      const reference = tfl.layers.dense({ units: 6, activation: 'relu', kernelInitializer: tfl.initializers.randomNormal({ seed: 4 }), biasInitializer: 'ones' });
      const expected = reference.apply(x) as tf.Tensor;
      const converted = fromDense(reference, { inShape, outShape, maxRank: 100 });
      assert.deepEqual(converted.tensorShape.ranks, [1, 6, 4, 1]);
      assertClose(converted.apply(x) as tf.Tensor, expected, 1e-5, 'fromDense at full rank');
      assert.equal(converted.activation, 'relu');
    });

    for (const [name, make, format] of FORMATS) {
      describe(name, () => {
        it('equals a dense layer with its toDense() kernel, on 2-D and 3-D inputs', () => {
          const layer = make({ units: 12, inShape: [4, 2, 3], outShape: [2, 3, 2], ranks: 3, seed: 1 });
          assert.equal(layer.format, format);
          const x = tf.randomNormal([3, 4, 24], 0, 1, 'float32', 2);
          const y = layer.apply(x) as tf.Tensor;
          assert.deepEqual(y.shape, [3, 4, 12]);
          const kernel = layer.toDense();
          const expected = tf.add(tf.matMul(tf.reshape(x, [12, 24]), kernel), layer.getWeights()[3]);
          assertClose(tf.reshape(y, [12, 12]), expected, 1e-5);
        });

        it('counts parameters, FLOPs and compression', () => {
          const layer = make({ units: 64, inShape: [8, 8, 8], outShape: [4, 4, 4], ranks: 4 });
          const ranks = format === 'tensor-train' ? [1, 4, 4, 1] : [4, 4, 4, 4];
          assert.deepEqual(layer.tensorShape.ranks, ranks);
          const cores = [0, 1, 2].reduce((s, k) => s + ranks[k] * 8 * 4 * ranks[k + 1], 0);
          assert.equal(layer.paramCount(), cores + 64);
          assert.equal(layer.compressionRatio(), (512 * 64 + 64) / (cores + 64));
          assert.equal(layer.flopsPerExample(), contractionFlopsPerRow(layer.tensorShape) + 64);
          // The ring carries r_0 through the whole contraction, so only the train is cheaper at this small size.
          if (format === 'tensor-train') assert.ok(layer.flopsPerExample() < 2 * 512 * 64);
          layer.build([null, 512]);
          assert.equal(layer.countParams(), layer.paramCount());
        });

        it('starts with a kernel whose std is within 20% of Glorot', () => {
          const layer = make({ units: 256, inShape: [8, 8, 8], outShape: [8, 8, 4], ranks: 8, seed: 11 });
          layer.build([null, 512]);
          const kernel = layer.toDense();
          const std = tf.tidy(() => tf.sqrt(tf.mean(tf.square(kernel))).dataSync()[0]);
          const glorot = Math.sqrt(2 / (512 + 256));
          assert.ok(Math.abs(std / glorot - 1) < 0.2, `std ${std} vs Glorot ${glorot}`);
          kernel.dispose();
        });

        it('has the gradients of finite differences, for cores and bias', () => {
          const layer = make({ units: 6, inShape: [3, 2], outShape: [3, 2], ranks: 2, activation: 'tanh', seed: 5 });
          const x = tf.randomNormal([4, 6], 0, 1, 'float32', 6);
          layer.build([null, 6]);
          const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          const loss = () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar;
          const { grads } = tf.variableGrads(loss, variables);
          for (const variable of variables) {
            const coords = [0, variable.size - 1, Math.floor(variable.size / 2)];
            const numeric = finiteDifferenceGradient(loss, variable, coords, 1e-2);
            const analytic = grads[variable.name].dataSync();
            for (const [i, value] of numeric) {
              assert.ok(Math.abs(value - analytic[i]) <= 2e-2 * Math.max(1, Math.abs(value)), `${variable.name}[${i}]: ${value} vs ${analytic[i]}`);
            }
          }
          tf.dispose(Object.values(grads));
        });

        it('survives save and load, and a training step leaks no tensors', async () => {
          const model = tfl.sequential({
            layers: [
              make({ units: 8, inputShape: [12], inShape: [3, 4], ranks: 2, activation: 'relu', seed: 2, coresRegularizer: 'l2' }),
              make({ units: 2, inShape: [4, 2], outShape: [2, 1], ranks: 2, activation: 'softmax', seed: 3 }),
            ],
          });
          const x = tf.randomNormal([6, 12], 0, 1, 'float32', 3);
          const before = model.predict(x) as tf.Tensor;
          assertClose(tf.sum(before, -1), tf.ones([6]), 1e-5, 'softmax rows');
          assert.equal(model.layers[0].losses.length, 2, 'one l2 loss per core');
          const loaded = await roundTrip(model);
          assert.equal(loaded.layers[0].getClassName(), name);
          const restored = loaded.layers[0] as TensorizedDense;
          assert.deepEqual(restored.tensorShape, (model.layers[0] as TensorizedDense).tensorShape);
          assert.equal(restored.losses.length, 2, 'regularizer survives loading');
          assertClose(loaded.predict(x) as tf.Tensor, before, 1e-6, 'loaded model');
          const optimizer = tf.train.adam(0.01);
          const target = tf.zeros([6, 2]);
          await assertNoLeak(() => {
            optimizer.minimize(() => tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
          });
          const start = tf.memory().numTensors;
          tf.tidy(() => {
            model.predict(x);
          });
          assert.equal(tf.memory().numTensors, start);
        });

        it('rejects bad shapes and ranks with errors that name the option', () => {
          rejects(() => make({ units: 10, inShape: [2, 3], outShape: [2, 4] }), 'outShape');
          rejects(() => make({ units: 8, inShape: [2, 3], outShape: [2, 2, 2] }), 'outShape');
          rejects(() => make({ units: 8, inShape: [2, 3], ranks: [1, 2] }), 'ranks');
          rejects(() => make({ units: 8, inShape: [2, -3] }), 'inShape');
          rejects(() => make({ units: 0 }), 'units');
          rejects(() => make({ units: 8, activation: 'nope' }), 'activation');
          rejects(() => make({}), 'units');
          const wrongInput = make({ units: 8, inShape: [2, 3] });
          rejects(() => wrongInput.apply(tf.zeros([2, 7])), 'inShape');
          if (format === 'tensor-train') rejects(() => make({ units: 8, inShape: [2, 3], ranks: [2, 2, 1] }), 'ranks');
          else rejects(() => make({ units: 8, inShape: [2, 3], ranks: [2, 2, 3] }), 'ranks');
        });
      });
    }

    it('fromDense converts a trained dense layer into TRDense within the reported error', () => {
      const reference = tfl.layers.dense({ units: 8, useBias: true, biasInitializer: 'ones', kernelInitializer: tfl.initializers.glorotNormal({ seed: 8 }) });
      const x = tf.randomNormal([5, 24], 0, 1, 'float32', 9);
      const expected = reference.apply(x) as tf.Tensor;
      const converted = fromDense(reference, { format: 'tensor-ring', inShape: [4, 6], outShape: [2, 4], tolerance: 1e-3 });
      assert.ok(converted instanceof TRDense);
      assertClose(converted.apply(x) as tf.Tensor, expected, 5e-3, 'TR conversion');
      const ttFromKernel = fromDense(reference.getWeights()[0] as tf.Tensor2D, { order: 2, maxRank: 2 });
      assert.ok(ttFromKernel instanceof TTDense && !ttFromKernel.useBias);
      assert.deepEqual(ttFromKernel.tensorShape.ranks, [1, 2, 1]);
      rejects(() => fromDense(tfl.layers.lstm({ units: 2 }) as unknown as tfl.layers.Layer), 'layer');
    });
  });
}
