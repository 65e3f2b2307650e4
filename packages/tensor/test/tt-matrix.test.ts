import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, assertClose, finiteDifferenceGradient, useBackend } from '@tfjs-compress/testing';
import { contract, reconstruct, type TensorizedShape } from '../src/index.js';
import { naiveMatrix, randomCores } from './helpers.js';

const CASES: Array<[string, TensorizedShape]> = [
  ['TT, 3 cores', { inShape: [3, 4, 2], outShape: [2, 3, 5], ranks: [1, 3, 2, 1] }],
  ['TT, 1 core', { inShape: [6], outShape: [4], ranks: [1, 1] }],
  ['TT, unit modes', { inShape: [1, 5, 2], outShape: [3, 1, 2], ranks: [1, 2, 2, 1] }],
  ['TR, 3 cores', { inShape: [3, 4, 2], outShape: [2, 3, 5], ranks: [2, 3, 2, 2] }],
  ['TR, 2 cores', { inShape: [4, 5], outShape: [3, 2], ranks: [3, 2, 3] }],
];

for (const backend of TEST_BACKENDS) {
  describe(`tt-matrix (${backend})`, () => {
    before(() => useBackend(backend));

    for (const [label, shape] of CASES) {
      it(`${label}: reconstruct matches the trace definition and contract matches x W`, () => {
        const start = tf.memory().numTensors;
        const cores = randomCores(shape, 3);
        const dense = reconstruct(cores, shape);
        assertClose(dense, naiveMatrix(cores, shape).flat(), 1e-4, 'reconstruct');
        const x = tf.randomNormal([7, dense.shape[0]], 0, 1, 'float32', 5) as tf.Tensor2D;
        const y = contract(x, cores, shape);
        const expected = tf.matMul(x, dense);
        assertClose(y, expected, 1e-4, 'contract');
        tf.dispose([...cores, dense, x, y, expected]);
        assert.equal(tf.memory().numTensors, start, 'no tensor left behind');
      });
    }

    it('contract has the gradient of x W with respect to every core (finite differences)', () => {
      const shape: TensorizedShape = { inShape: [2, 3, 2], outShape: [2, 2, 3], ranks: [2, 2, 3, 2] };
      const variables = randomCores(shape, 7, 0.7).map((c) => tf.variable(c));
      const x = tf.randomNormal([4, 12], 0, 1, 'float32', 9) as tf.Tensor2D;
      const weights = tf.randomNormal([4, 12], 0, 1, 'float32', 10);
      const loss = () => tf.sum(tf.mul(contract(x, variables, shape), weights)) as tf.Scalar;
      const { grads } = tf.variableGrads(loss, variables);
      variables.forEach((variable, k) => {
        const coords = [0, 3, variable.size - 1, Math.floor(variable.size / 2)];
        const numeric = finiteDifferenceGradient(loss, variable, coords);
        const analytic = grads[variable.name].dataSync();
        for (const [i, value] of numeric) {
          assert.ok(Math.abs(value - analytic[i]) <= 2e-2 * Math.max(1, Math.abs(value)), `core ${k}[${i}]: ${value} vs ${analytic[i]}`);
        }
      });
      tf.dispose([...variables, x, weights, ...Object.values(grads)]);
    });

    it('rejects an input whose width is not the product of inShape', () => {
      const shape: TensorizedShape = { inShape: [2, 3], outShape: [2, 2], ranks: [1, 2, 1] };
      const cores = randomCores(shape);
      const x = tf.zeros([2, 5]) as tf.Tensor2D;
      assert.throws(() => contract(x, cores, shape), /input size/);
      tf.dispose([...cores, x]);
    });
  });
}
