import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import {
  FactorizedDense,
  FactorizedMatrix,
  FactorizedProjection,
  TRProjection,
  TTDense,
  factorizedFormat,
  factorizedFormatNames,
  fromDense,
  product,
  projectionFromDense,
  registerFactorizedFormat,
  resolveShapes,
  type FactorizedFormat,
} from '../src/index.js';
import { roundTrip } from './helpers.js';

const rejects = (fn: () => unknown, option: string, mentions: string[] = []) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(InvalidArgumentError.isInstance(e), String(e));
    assert.equal(e.option, option, e.message);
    for (const text of mentions) assert.ok(e.message.includes(text), `${e.message} should name ${text}`);
    return true;
  });

/**
 * A format registered from this file only: the whole matrix as one core
 * [prod inShape, prod outShape], no ranks. Registering it is all it takes
 * for FactorizedMatrix, fromDense, a layer and a projection to use it.
 */
const WHOLE: FactorizedFormat = {
  name: 'test-whole',
  tag: 'whole',
  minOrder: 1,
  uniformRanks: () => [],
  checkRanks(ranks, _in, _out, option) {
    if (ranks.length !== 0) throw new InvalidArgumentError(option, ranks, 'no ranks (one whole core)');
  },
  coreShapes: (shape) => [[product(shape.inShape), product(shape.outShape)]],
  paramCount: (shape) => product(shape.inShape) * product(shape.outShape),
  flopsPerRow: (shape) => 2 * product(shape.inShape) * product(shape.outShape),
  contract: (x, cores) => tf.matMul(x, cores[0] as tf.Tensor2D),
  reconstruct: (cores) => tf.clone(cores[0]) as tf.Tensor2D,
  coreStddev: (_shape, variance) => Math.sqrt(variance),
  decompose(matrix, options) {
    const w = matrix instanceof tf.Tensor ? tf.clone(matrix) : tf.tensor2d(matrix);
    const shapes = resolveShapes(w.shape[0], w.shape[1], options.inShape, options.outShape, options.order);
    return { format: 'test-whole', ...shapes, ranks: [], cores: [w], errorBound: 0 };
  },
};
registerFactorizedFormat(WHOLE);

describe('the format registry', () => {
  before(() => useBackend('cpu'));
  it('refuses an unknown format, naming it and the registered ones', () => {
    assert.deepEqual(factorizedFormatNames().slice(0, 3), ['tensor-train', 'tensor-ring', 'block-term']);
    for (const fn of [
      () => factorizedFormat('hierarchical-tucker'),
      () => FactorizedMatrix.resolve({ format: 'hierarchical-tucker', rows: 6, cols: 4 }),
      () => fromDense(tf.zeros([6, 4]) as tf.Tensor2D, { format: 'hierarchical-tucker' }),
    ]) {
      rejects(fn, 'format', ["'hierarchical-tucker'", "'tensor-train'", "'tensor-ring'", "'block-term'", "'test-whole'"]);
    }
  });

  it('applies each format rules when resolving ranks and shapes', () => {
    const tt = FactorizedMatrix.resolve({ format: 'tensor-train', rows: 24, cols: 8, inShape: [4, 6], ranks: 100 });
    assert.deepEqual([tt.outShape, tt.ranks], [[4, 2], [1, 12, 1]], 'lowered to the full rank min(4 * 4, 6 * 2)');
    const tr = FactorizedMatrix.resolve({ format: 'tensor-ring', rows: 24, cols: 8, inShape: [4, 6], ranks: 3 });
    assert.deepEqual(tr.ranks, [3, 3, 3]);
    rejects(() => FactorizedMatrix.resolve({ format: 'tensor-ring', rows: 24, cols: 8, order: 1 }), 'inShape', ['at least 2']);
    rejects(() => FactorizedMatrix.resolve({ format: 'tensor-train', rows: 24, cols: 8, order: 2, ranks: [2, 2, 1] }), 'ranks');
    rejects(
      () => FactorizedMatrix.resolve({ format: 'tensor-ring', rows: 24, cols: 8, order: 2, ranks: [2, 2, 3], optionPrefix: 'projection.' }),
      'projection.ranks',
    );
    const whole = FactorizedMatrix.resolve({ format: 'test-whole', rows: 24, cols: 8, ranks: 0.5 });
    assert.deepEqual([whole.ranks, whole.coreShapes, whole.paramCount()], [[], [[24, 8]], 192]);
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`FactorizedMatrix (${backend})`, () => {
    before(() => useBackend(backend));

    for (const format of ['tensor-train', 'tensor-ring']) {
      it(`${format}: fromDense at full rank reconstructs the matrix (1e-5) and matmul equals x W`, () => {
        const start = tf.memory().numTensors;
        const w = tf.randomNormal([12, 12], 0, 1, 'float32', 5) as tf.Tensor2D;
        const x = tf.randomNormal([3, 12], 0, 1, 'float32', 6) as tf.Tensor2D;
        const matrix = FactorizedMatrix.fromDense(w, { format, inShape: [3, 4], outShape: [4, 3] });
        assert.equal(matrix.format.name, format);
        assert.ok(matrix.errorBound < 1e-6);
        assert.equal(matrix.paramCount(), matrix.coreShapes.reduce((sum, shape) => sum + product(shape), 0));
        tf.tidy(() => {
          assertClose(matrix.toDense(), w, 1e-5, `${format} reconstruction`);
          assertClose(matrix.matmul(x), tf.matMul(x, w), 1e-4, `${format} contraction`);
        });
        matrix.dispose();
        tf.dispose([w, x]);
        assert.equal(tf.memory().numTensors, start, 'dispose frees the cores it owns');
      });
    }

    it('a format registered from a test file works in FactorizedMatrix, fromDense, a layer and a projection', async () => {
      const w = tf.randomNormal([6, 4], 0, 1, 'float32', 7) as tf.Tensor2D;
      const x = tf.randomNormal([2, 6], 0, 1, 'float32', 8) as tf.Tensor2D;
      const matrix = FactorizedMatrix.fromDense(w, { format: 'test-whole' });
      tf.tidy(() => {
        assertClose(matrix.matmul(x), tf.matMul(x, w), 1e-5, 'matmul');
        assertClose(matrix.toDense(), w, 0, 'toDense');
      });
      matrix.dispose();

      const dense = tfl.layers.dense({ units: 4, inputShape: [6], biasInitializer: 'ones', name: 'source' });
      dense.apply(x);
      const layer = fromDense(dense, { format: 'test-whole' });
      assert.ok(layer instanceof FactorizedDense && layer.format === 'test-whole');
      assert.equal(layer.name, 'source_whole');
      assertClose(layer.apply(x) as tf.Tensor, dense.apply(x) as tf.Tensor, 1e-5, 'converted layer');
      assert.equal(layer.paramCount(), 6 * 4 + 4);

      // Saved and loaded with its format in the config.
      const model = tfl.sequential({ layers: [new FactorizedDense({ format: 'test-whole', units: 3, inputShape: [6], seed: 1 })] });
      const loaded = await roundTrip(model);
      assert.equal(loaded.layers[0].getClassName(), 'FactorizedDense');
      assert.equal((loaded.layers[0] as FactorizedDense).format, 'test-whole');
      assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6, 'loaded');

      // A VIBLSTM whose projection is in the new format, from a converted LSTM kernel, saved and loaded.
      const lstm = tfl.layers.lstm({ units: 2, recurrentInitializer: 'glorotUniform' });
      lstm.apply(tf.zeros([1, 3, 6]));
      const projection = projectionFromDense(lstm, { format: 'test-whole' });
      assert.ok(projection instanceof FactorizedProjection && projection.format === 'test-whole');
      const vib = tfl.sequential({ layers: [new VIBLSTM({ units: 2, projection, inputShape: [3, 6] })] });
      tf.tidy(() => assertClose((vib.layers[0] as VIBLSTM).cell.projection.toDense(), lstm.getWeights()[0], 1e-6, 'projection starts from the kernel'));
      const sequence = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 9);
      const reloaded = await roundTrip(vib);
      assert.equal((reloaded.layers[0] as VIBLSTM).cell.projection.className, 'factorized');
      assertClose(reloaded.predict(sequence) as tf.Tensor, vib.predict(sequence) as tf.Tensor, 1e-6, 'loaded VIBLSTM');
      tf.dispose([w, x, sequence]);
    });

    it('the layers and projections of the built-in formats hold one', () => {
      const layer = new TTDense({ units: 8, inShape: [4, 6], ranks: 2 });
      assert.equal(layer.factorized.format.name, 'tensor-train');
      assert.deepEqual(layer.factorized.ranks, [1, 2, 1]);
      const projection = new TRProjection({ inShape: [4, 6], outShape: [4, 2], ranks: 2 });
      assert.equal(projection.factorized.format.name, 'tensor-ring');
      assert.deepEqual(projection.factorized.ranks, [2, 2, 2]);
    });
  });
}
