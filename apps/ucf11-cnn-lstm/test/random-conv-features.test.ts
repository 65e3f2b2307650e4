import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, assertClose, assertNoLeak, maxAbsDiff, useBackend } from '@tfjs-compress/testing';
import {
  DEFAULT_RANDOM_FEATURE_SIZE,
  DEFAULT_RANDOM_INPUT_HEIGHT,
  DEFAULT_RANDOM_INPUT_WIDTH,
  InvalidArgumentError,
  RandomConvFeatures,
} from '../src/index.js';
import { pseudoRandom } from './helpers.js';

const small = { featureSize: 16, inputHeight: 12, inputWidth: 16, channels: [4, 8] } as const;

function frames(n: number, seed = 1): tf.Tensor4D {
  return tf.tensor4d(pseudoRandom(n * small.inputHeight * small.inputWidth * 3, seed), [n, small.inputHeight, small.inputWidth, 3]);
}

/** The same network written out with plain (unfused) tf ops, from weights drawn the same way. */
function reference(extractor: RandomConvFeatures, x: tf.Tensor4D): tf.Tensor2D {
  const kernels = (extractor as unknown as { kernels: tf.Tensor4D[] }).kernels;
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    kernels.forEach((k, i) => { y = tf.relu(tf.conv2d(y, k, i === kernels.length - 1 ? 1 : 2, 'same')); });
    return tf.mean(y, [1, 2]) as tf.Tensor2D;
  });
}

describe('RandomConvFeatures options', () => {
  before(() => useBackend(TEST_BACKENDS[0]));

  it('has the documented defaults, id and FLOP count', () => {
    const extractor = new RandomConvFeatures();
    assert.equal(extractor.featureSize, DEFAULT_RANDOM_FEATURE_SIZE);
    assert.equal(extractor.inputHeight, DEFAULT_RANDOM_INPUT_HEIGHT);
    assert.equal(extractor.inputWidth, DEFAULT_RANDOM_INPUT_WIDTH);
    assert.equal(extractor.id, 'random-conv:seed=1:channels=32-64-128:features=2048:size=160x120:norm=imagenet');
    // 60x80x32x27 + 30x40x64x288 + 15x20x128x576 + 15x20x2048x128 multiply-adds, x2.
    assert.equal(extractor.flopsPerFrame, 2 * (60 * 80 * 32 * 27 + 30 * 40 * 64 * 288 + 15 * 20 * 128 * 576 + 15 * 20 * 2048 * 128));
    extractor.dispose();
  });

  it('rejects bad options by name', () => {
    assert.throws(() => new RandomConvFeatures({ featureSize: 0 }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'featureSize');
    assert.throws(() => new RandomConvFeatures({ channels: [] }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'channels');
    assert.throws(() => new RandomConvFeatures({ seed: 1.5 }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'seed');
    assert.throws(() => new RandomConvFeatures({ normalization: { mean: [0, 0, 0], std: [1, 0, 1] } }),
      (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'normalization');
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`RandomConvFeatures (${backend})`, () => {
    before(() => useBackend(backend));

    it('maps [N, H, W, 3] to [N, featureSize] and matches unfused tf ops', () => {
      const extractor = new RandomConvFeatures(small);
      const x = frames(3);
      const y = extractor.extract(x);
      assert.deepEqual(y.shape, [3, 16]);
      const expected = reference(extractor, x);
      assertClose(y, expected, 1e-5, 'fused vs reference');
      assert.ok(Array.from(y.dataSync()).every((v) => v >= 0), 'ReLU + mean is non-negative');
      assert.ok(tf.tidy(() => maxAbsDiff(tf.slice(y, 0, 1), tf.slice(y, 1, 1))) > 1e-4, 'different frames give different features');
      tf.dispose([x, y, expected]);
      extractor.dispose();
    });

    it('is deterministic for a seed; another seed gives other features', () => {
      const a = new RandomConvFeatures({ ...small, seed: 42 });
      const b = new RandomConvFeatures({ ...small, seed: 42 });
      const c = new RandomConvFeatures({ ...small, seed: 43 });
      assert.equal(a.id, b.id);
      assert.notEqual(a.id, c.id);
      const x = frames(2, 5);
      const [ya, yb, yc] = [a.extract(x), b.extract(x), c.extract(x)];
      assert.deepEqual(Array.from(ya.dataSync()), Array.from(yb.dataSync()));
      assert.ok(maxAbsDiff(ya, yc) > 1e-3, 'seeds 42 and 43 should differ');
      tf.dispose([x, ya, yb, yc]);
      for (const e of [a, b, c]) e.dispose();
    });

    it('runs the default 160x120 -> 2048 network', () => {
      const extractor = new RandomConvFeatures();
      const x = tf.randomUniform([2, 120, 160, 3], -2, 2, 'float32', 3) as tf.Tensor4D;
      const y = extractor.extract(x);
      assert.deepEqual(y.shape, [2, 2048]);
      const values = y.dataSync();
      assert.ok(values.every(Number.isFinite));
      assert.ok(values.filter((v) => v > 0).length > 1024, 'most features should be active');
      tf.dispose([x, y]);
      extractor.dispose();
    });

    it('leaks no tensors, and dispose frees its weights', async () => {
      const start = tf.memory().numTensors;
      const extractor = new RandomConvFeatures(small);
      const x = frames(2);
      await assertNoLeak(() => extractor.extract(x).dispose(), 3, 'extract');
      x.dispose();
      extractor.dispose();
      assert.equal(tf.memory().numTensors, start);
      const one = frames(1);
      assert.throws(() => extractor.extract(one), /after dispose/);
      one.dispose();
    });

    it('rejects frames of the wrong size', () => {
      const extractor = new RandomConvFeatures(small);
      const x = tf.zeros([1, 5, 5, 3]) as tf.Tensor4D;
      assert.throws(() => extractor.extract(x), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'frames');
      x.dispose();
      extractor.dispose();
    });
  });
}

describe('RandomConvFeatures across backends', () => {
  it('gives the same features on every backend (weights come from the seed, not the backend)', async () => {
    const outputs: Float32Array[] = [];
    for (const backend of TEST_BACKENDS) {
      await useBackend(backend);
      const extractor = new RandomConvFeatures({ ...small, seed: 7 });
      const x = frames(2, 3);
      const y = extractor.extract(x);
      outputs.push(y.dataSync() as Float32Array);
      tf.dispose([x, y]);
      extractor.dispose();
    }
    for (const other of outputs.slice(1)) assertClose(other, outputs[0], 1e-5, 'backend vs first backend');
  });
});
