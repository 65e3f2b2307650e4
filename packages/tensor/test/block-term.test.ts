import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { compact, lstmParamCount } from '@tfjs-compress/prune';
import { BLOCK_TERM, FactorizedDense, FactorizedMatrix, FactorizedProjection, fromDense, product, projectionFromDense, type TensorizedShape } from '../src/index.js';
import { digits, relativeError, roundTrip } from './helpers.js';

/*
 * The block-term format, added through the registry as the ARCHITECTURE.md
 * recipe says (one file, `bt-format.ts`, plus its HOSVD math): tested the way
 * TT and TR are, in FactorizedMatrix, a dense layer and a VIBLSTM projection.
 */

const SHAPE: TensorizedShape = { inShape: [3, 4], outShape: [4, 5], ranks: [2, 3, 4] };

/** W straight from the definition, float64: sum over blocks and r of G[r] prod_k A_k[i_k, j_k, r_k]. */
function naiveBlockTerm(cores: tf.Tensor[], shape: TensorizedShape): number[][] {
  const { inShape: m, outShape: n, ranks } = shape;
  const d = m.length;
  const tucker = ranks.slice(1);
  const values = cores.map((c) => c.dataSync());
  const rows: number[][] = [];
  for (let i = 0; i < product(m); i++) {
    const ii = digits(i, m);
    const row: number[] = [];
    for (let j = 0; j < product(n); j++) {
      const jj = digits(j, n);
      let sum = 0;
      for (let b = 0; b < ranks[0]; b++) {
        const [core, ...factors] = values.slice(b * (d + 1), (b + 1) * (d + 1));
        for (let r = 0; r < product(tucker); r++) {
          const rr = digits(r, tucker);
          let term = core[r];
          for (let k = 0; k < d; k++) term *= factors[k][(ii[k] * n[k] + jj[k]) * tucker[k] + rr[k]];
          sum += term;
        }
      }
      row.push(sum);
    }
    rows.push(row);
  }
  return rows;
}

const randomCores = (shape: TensorizedShape, seed: number) =>
  BLOCK_TERM.coreShapes(shape).map((s, k) => tf.randomNormal(s, 0, 1, 'float32', seed * 17 + k));

for (const backend of TEST_BACKENDS) {
  describe(`block-term format (${backend})`, () => {
    before(() => useBackend(backend));

    it('reconstruct follows the definition; contract equals x W, with the gradients of x W (x and every core)', () => {
      for (const shape of [SHAPE, { inShape: [6], outShape: [5], ranks: [3, 4] }, { inShape: [2, 3, 2], outShape: [2, 2, 3], ranks: [2, 2, 3, 2] }]) {
        const cores = randomCores(shape, 3);
        const what = `[${shape.inShape}] x [${shape.outShape}], ranks [${shape.ranks}]`;
        tf.tidy(() => {
          const w = BLOCK_TERM.reconstruct(cores, shape);
          assertClose(w, tf.tensor2d(naiveBlockTerm(cores, shape)), 1e-4, `${what}: reconstruct`);
          const x = tf.randomNormal([3, product(shape.inShape)], 0, 1, 'float32', 4) as tf.Tensor2D;
          const g = tf.randomNormal([3, product(shape.outShape)], 0, 1, 'float32', 5);
          assertClose(BLOCK_TERM.contract(x, cores, shape), tf.matMul(x, w), 1e-4, `${what}: contract`);
          const viaContract = tf.grads((xi: tf.Tensor, ...c: tf.Tensor[]) => tf.sum(tf.mul(BLOCK_TERM.contract(xi as tf.Tensor2D, c, shape), g)));
          const viaDense = tf.grads((xi: tf.Tensor, ...c: tf.Tensor[]) => tf.sum(tf.mul(tf.matMul(xi as tf.Tensor2D, BLOCK_TERM.reconstruct(c, shape)), g)));
          const a = viaContract([x, ...cores]);
          const b = viaDense([x, ...cores]);
          a.forEach((grad, k) => assertClose(grad, b[k], 1e-3, `${what}: gradient ${k}`));
        });
        assert.equal(BLOCK_TERM.paramCount(shape), BLOCK_TERM.coreShapes(shape).reduce((s, c) => s + product(c), 0), `${what}: paramCount`);
        tf.dispose(cores);
      }
    });

    it('fromDense: exact at full Tucker rank; truncated, its errorBound is the error, and more blocks never add error', () => {
      const w = tf.randomNormal([12, 20], 0, 1, 'float32', 6) as tf.Tensor2D;
      const exact = FactorizedMatrix.fromDense(w, { format: 'block-term', inShape: [3, 4], outShape: [4, 5] });
      assert.deepEqual(exact.ranks, [1, 12, 12], 'one block of full Tucker ranks (modes 12 and 20: each unfolding has rank at most 12)');
      assert.ok(exact.errorBound < 1e-6);
      tf.tidy(() => assertClose(exact.toDense(), w, 1e-4, 'exact recovery'));
      exact.dispose();
      let previous = Infinity;
      for (const blocks of [1, 2, 3]) {
        const truncated = FactorizedMatrix.fromDense(w, { format: 'block-term', inShape: [3, 4], outShape: [4, 5], maxRank: [blocks, 3, 3] });
        const error = tf.tidy(() => relativeError(truncated.toDense(), w));
        assert.ok(Math.abs(error - truncated.errorBound) < 1e-4, `${blocks} blocks: errorBound ${truncated.errorBound} vs ${error}`);
        assert.ok(error <= previous + 1e-6, `${blocks} blocks: ${error} after ${previous}`);
        assert.ok(error > 0.05, 'truncated: not exact');
        previous = error;
        truncated.dispose();
      }
      // A matrix that is one small block plus 1% noise: the tolerance finds the small ranks.
      const lowRankShape = { inShape: [3, 4], outShape: [4, 5], ranks: [1, 2, 2] };
      const cores = randomCores(lowRankShape, 9);
      const structured = tf.tidy(() => {
        const base = BLOCK_TERM.reconstruct(cores, lowRankShape);
        return tf.add(base, tf.mul(tf.randomNormal([12, 20], 0, 1, 'float32', 10), 0.01 * (tf.norm(base).dataSync()[0] / Math.sqrt(240)))) as tf.Tensor2D;
      });
      const tolerant = FactorizedMatrix.fromDense(structured, { format: 'block-term', inShape: [3, 4], outShape: [4, 5], tolerance: 0.1 });
      assert.ok(tolerant.errorBound <= 0.1, `tolerance 0.1: error ${tolerant.errorBound}`);
      assert.deepEqual(tolerant.ranks, [1, 2, 2], 'the ranks of the block it was made of');
      tolerant.dispose();
      tf.dispose([w, structured, ...cores]);
    });

    it('integer ranks ask for two blocks, lowered per mode; bad rank lists are named', () => {
      const resolved = FactorizedMatrix.resolve({ format: 'block-term', rows: 12, cols: 20, inShape: [3, 4], outShape: [4, 5], ranks: 16 });
      assert.deepEqual(resolved.ranks, [2, 12, 12]);
      assert.throws(
        () => FactorizedMatrix.resolve({ format: 'block-term', rows: 12, cols: 20, inShape: [3, 4], outShape: [4, 5], ranks: [2, 13, 4] }),
        (e) => InvalidArgumentError.isInstance(e) && e.option === 'ranks' && /no larger than its mode can hold \[12, 12\]/.test(e.message),
      );
      assert.throws(() => FactorizedMatrix.resolve({ format: 'block-term', rows: 12, cols: 20, inShape: [3, 4], ranks: [2, 4] }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'ranks');
    });

    it('the default initializer gives W entries the requested variance', () => {
      const shape = { inShape: [4, 4], outShape: [4, 4], ranks: [2, 3, 3] };
      const std = BLOCK_TERM.coreStddev(shape, 0.04);
      const variances = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) =>
        tf.tidy(() => {
          const cores = BLOCK_TERM.coreShapes(shape).map((s, k) => tf.randomNormal(s, 0, std, 'float32', seed * 101 + k));
          return tf.moments(BLOCK_TERM.reconstruct(cores, shape)).variance.dataSync()[0];
        }),
      );
      const mean = variances.reduce((a, b) => a + b, 0) / variances.length;
      assert.ok(mean > 0.02 && mean < 0.08, `mean variance ${mean} for 0.04`);
    });

    it('a dense layer in the format: fromDense of a Dense at full rank predicts what it predicts; saves and loads', async () => {
      const x = tf.randomNormal([4, 12], 0, 1, 'float32', 7) as tf.Tensor2D;
      const dense = tfl.layers.dense({ units: 20, inputShape: [12], biasInitializer: 'ones', name: 'source' });
      dense.apply(x);
      const layer = fromDense(dense, { format: 'block-term', inShape: [3, 4], outShape: [4, 5], maxRank: [1, 12, 12] });
      assert.ok(layer instanceof FactorizedDense && layer.format === 'block-term');
      assert.equal(layer.name, 'source_bt');
      assertClose(layer.apply(x) as tf.Tensor, dense.apply(x) as tf.Tensor, 1e-4, 'converted layer');
      const model = tfl.sequential({ layers: [new FactorizedDense({ format: 'block-term', units: 20, inShape: [3, 4], outShape: [4, 5], ranks: 3, inputShape: [12], seed: 2 })] });
      const loaded = await roundTrip(model);
      assert.equal((loaded.layers[0] as FactorizedDense).format, 'block-term');
      assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6, 'loaded');
      tf.dispose(x);
    });

    it('a BT-LSTM: the projection starts from an LSTM kernel, prunes, is counted, and compacts to a plain LSTM predicting what it predicts', async () => {
      const F = 12;
      const H = 5;
      const lstm = tfl.layers.lstm({ units: H, recurrentInitializer: 'glorotUniform' });
      lstm.apply(tf.zeros([1, 3, F]));
      const projection = projectionFromDense(lstm, { format: 'block-term', inShape: [3, 4], outShape: [4, H], maxRank: [1, 12, 12] });
      assert.ok(projection instanceof FactorizedProjection && projection.format === 'block-term');
      const rnn = new VIBLSTM({ units: H, projection, inputShape: [3, F], inputBottleneck: true, name: 'bt_lstm' });
      const model = tfl.sequential({ layers: [rnn, tfl.layers.dense({ units: 3, activation: 'softmax' })] });
      tf.tidy(() => assertClose(rnn.cell.projection.toDense(), lstm.getWeights()[0], 1e-4, 'starts from the kernel'));
      // Shut two inputs and one unit, evaluate with hard masks.
      const shut = (gate: { logD: tfl.LayerVariable; mu: tfl.LayerVariable }, indices: number[]) => {
        const size = gate.mu.shape[0] as number;
        gate.logD.write(tf.tensor1d(Array.from({ length: size }, (_, k) => (indices.includes(k) ? 20 : -9))));
      };
      shut(rnn.cell.inputGate as never, [2, 7]);
      shut(rnn.cell.gates.o as never, [1]);
      for (const gate of rnn.vibGates) gate.settings.inferenceMode = 'hard';
      const result = compact(model);
      assert.equal(result.model.getLayer('bt_lstm').getClassName(), 'LSTM');
      assert.equal(result.keptInputs.length, F - 2);
      const row = result.report.layers.find((r) => r.name === 'bt_lstm')!;
      assert.equal(row.paramsBefore, projection.paramCount() + H * 4 * H + 4 * H, 'the report counts the block-term cores');
      assert.equal(row.paramsAfter, lstmParamCount(F - 2, H - 1));
      const x = tf.randomNormal([2, 3, F], 0, 1, 'float32', 8);
      assertClose(result.model.predict(tf.gather(x, result.keptInputs, 2)) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-5, 'compact vs hard-mask BT-LSTM');
      const reloaded = await roundTrip(model);
      assert.equal((reloaded.layers[0] as VIBLSTM).cell.projection.className, 'factorized');
      tf.dispose(x);
      [model, result.model, reloaded].forEach((m) => m.dispose());
    });
  });
}
