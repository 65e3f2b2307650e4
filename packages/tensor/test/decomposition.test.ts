import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@tfjs-compress/testing';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { reconstruct, trSvd, ttSvd, type TensorizedShape } from '../src/index.js';
import { randomCores, relativeError } from './helpers.js';

// The SVDs run in float64 JavaScript; only the returned cores are tensors, so one backend is enough.
function matrixOf(shape: TensorizedShape, seed: number): tf.Tensor2D {
  const cores = randomCores(shape, seed);
  const dense = reconstruct(cores, shape);
  tf.dispose(cores);
  return dense;
}

function withNoise(matrix: tf.Tensor2D, relative: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const noise = tf.randomNormal(matrix.shape, 0, 1, 'float32', seed);
    const scale = (relative * tf.norm(matrix).dataSync()[0]) / tf.norm(noise).dataSync()[0];
    return tf.add(matrix, tf.mul(noise, scale)) as tf.Tensor2D;
  });
}

describe('ttSvd', () => {
  before(() => useBackend('cpu'));
  const shape: TensorizedShape = { inShape: [3, 2, 4, 2], outShape: [2, 3, 2, 3], ranks: [1, 3, 4, 2, 1] };

  it('recovers a matrix built from random cores with the same ranks (1e-4)', () => {
    const w = matrixOf(shape, 1);
    const result = ttSvd(w, { inShape: shape.inShape, outShape: shape.outShape, maxRank: shape.ranks });
    assert.deepEqual(result.ranks, shape.ranks);
    const approx = reconstruct(result.cores, result);
    assert.ok(relativeError(approx, w) < 1e-4, `error ${relativeError(approx, w)}`);
    tf.dispose([w, approx, ...result.cores]);
  });

  it('with a tolerance finds the true ranks, not larger, and stays within it', () => {
    const w = matrixOf(shape, 2);
    const exact = ttSvd(w, { inShape: shape.inShape, outShape: shape.outShape, tolerance: 1e-4 });
    assert.deepEqual(exact.ranks, shape.ranks);
    const noisy = withNoise(w, 1e-3, 3);
    const result = ttSvd(noisy, { inShape: shape.inShape, outShape: shape.outShape, tolerance: 0.01 });
    assert.deepEqual(result.ranks, shape.ranks, 'noise below the tolerance adds no rank');
    const approx = reconstruct(result.cores, result);
    const error = relativeError(approx, noisy);
    assert.ok(error <= 0.01 && error <= result.errorBound + 1e-6, `error ${error}, bound ${result.errorBound}`);
    tf.dispose([w, noisy, approx, ...exact.cores, ...result.cores]);
  });

  it('truncating below the true ranks gives an error within the reported bound', () => {
    const w = matrixOf(shape, 4);
    const result = ttSvd(w, { inShape: shape.inShape, outShape: shape.outShape, maxRank: 2 });
    assert.deepEqual(result.ranks, [1, 2, 2, 2, 1]);
    const approx = reconstruct(result.cores, result);
    const error = relativeError(approx, w);
    assert.ok(error > 1e-3 && error <= result.errorBound + 1e-6, `error ${error}, bound ${result.errorBound}`);
    tf.dispose([w, approx, ...result.cores]);
  });

  it('accepts plain arrays and factorises automatically', () => {
    const rows = Array.from({ length: 12 }, (_, i) => Array.from({ length: 8 }, (_, j) => Math.sin(i + 2 * j)));
    const result = ttSvd(rows, { order: 2 });
    assert.deepEqual(result.inShape, [4, 3]);
    assert.deepEqual(result.outShape, [4, 2]);
    const approx = reconstruct(result.cores, result);
    assert.ok(relativeError(approx, tf.tensor2d(rows)) < 1e-5);
    tf.dispose([approx, ...result.cores]);
  });

  it('rejects bad shapes, ranks and tolerances', () => {
    const w = tf.zeros([12, 8]) as tf.Tensor2D;
    const check = (options: object, option: string) =>
      assert.throws(() => ttSvd(w, options), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === option);
    check({ inShape: [5, 3], outShape: [4, 2] }, 'inShape');
    check({ inShape: [4, 3], outShape: [4, 3] }, 'outShape');
    check({ inShape: [4, 3], outShape: [4, 2], maxRank: [2, 2, 1] }, 'maxRank');
    check({ inShape: [4, 3], outShape: [4, 2], maxRank: [1, 2] }, 'maxRank');
    check({ inShape: [4, 3], outShape: [4, 2], tolerance: 1.5 }, 'tolerance');
    w.dispose();
  });
});

describe('trSvd', () => {
  before(() => useBackend('cpu'));
  const shapes: TensorizedShape[] = [
    { inShape: [4, 3, 4], outShape: [3, 4, 2], ranks: [2, 3, 2, 2] },
    { inShape: [4, 3, 4], outShape: [3, 4, 2], ranks: [3, 2, 2, 3] },
    { inShape: [2, 3, 2, 2], outShape: [3, 2, 2, 2], ranks: [2, 2, 3, 2, 2] },
  ];
  for (const shape of shapes) {
    it(`recovers random ring cores with ranks [${shape.ranks}] to 1e-4 with those ranks`, () => {
      const w = matrixOf(shape, 5);
      const result = trSvd(w, { inShape: shape.inShape, outShape: shape.outShape, maxRank: shape.ranks });
      assert.deepEqual(result.ranks, shape.ranks);
      const approx = reconstruct(result.cores, result);
      const error = relativeError(approx, w);
      assert.ok(error < 1e-4, `error ${error}`);
      tf.dispose([w, approx, ...result.cores]);
    });
  }

  for (const shape of shapes.slice(0, 2)) {
    it(`with a tolerance finds ranks no larger than [${shape.ranks}] and stays within it`, () => {
      const w = withNoise(matrixOf(shape, 6), 1e-3, 7);
      const result = trSvd(w, { inShape: shape.inShape, outShape: shape.outShape, tolerance: 0.01 });
      assert.equal(result.ranks[0], result.ranks[3]);
      assert.ok(result.ranks.every((r, k) => r <= shape.ranks[k]), `ranks ${result.ranks}`);
      const approx = reconstruct(result.cores, result);
      const error = relativeError(approx, w);
      assert.ok(error <= 0.01, `error ${error}`);
      tf.dispose([w, approx, ...result.cores]);
    });
  }

  it('without the rank estimate (2 cores) still stays within the tolerance', () => {
    const shape: TensorizedShape = { inShape: [4, 6], outShape: [3, 4], ranks: [2, 3, 2] };
    const w = matrixOf(shape, 8);
    const result = trSvd(w, { inShape: shape.inShape, outShape: shape.outShape, tolerance: 1e-3 });
    const approx = reconstruct(result.cores, result);
    assert.ok(relativeError(approx, w) <= 1e-3);
    tf.dispose([w, approx, ...result.cores]);
  });

  it('rejects rings that do not close and single-core rings', () => {
    const w = tf.zeros([12, 6]) as tf.Tensor2D;
    assert.throws(
      () => trSvd(w, { inShape: [4, 3], outShape: [3, 2], maxRank: [2, 2, 3] }),
      (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'maxRank',
    );
    assert.throws(
      () => trSvd(w, { inShape: [12], outShape: [6] }),
      (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'inShape',
    );
    w.dispose();
  });
});
