import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { IMAGENET_MEAN, IMAGENET_STD } from '@tfjs-compress/video';
import {
  InvalidArgumentError,
  RandomConvFeatures,
  featuriseClip,
  type FrameFeatureExtractor,
  type Normalization,
} from '../src/index.js';

const H = 4;
const W = 6;
const FRAME = H * W * 3;

/** Returns each frame's normalised pixels as its features, and records batch sizes. */
class PixelsExtractor implements FrameFeatureExtractor {
  readonly id = 'pixels';
  readonly featureSize = FRAME;
  readonly inputHeight = H;
  readonly inputWidth = W;
  readonly batches: number[] = [];
  constructor(readonly normalization: Normalization = 'imagenet') {}
  extract(frames: tf.Tensor4D): tf.Tensor2D {
    this.batches.push(frames.shape[0]);
    return tf.reshape(frames, [frames.shape[0], FRAME]);
  }
  dispose(): void {}
}

function clipBytes(frames: number, seed = 3): Uint8Array {
  const bytes = new Uint8Array(frames * FRAME);
  let s = seed;
  for (let i = 0; i < bytes.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    bytes[i] = s >>> 24;
  }
  return bytes;
}

for (const backend of TEST_BACKENDS) {
  describe(`featuriseClip (${backend})`, () => {
    before(() => useBackend(backend));

    it('applies ImageNet mean/std per channel by default, batch by batch', async () => {
      const extractor = new PixelsExtractor();
      const bytes = clipBytes(5);
      const features = await featuriseClip(extractor, bytes, { batchSize: 2 });
      assert.deepEqual(extractor.batches, [2, 2, 1]);
      const expected = Float32Array.from(bytes, (v, i) => (v / 255 - IMAGENET_MEAN[i % 3]) / IMAGENET_STD[i % 3]);
      assertClose(features, expected, 1e-6, 'imagenet normalisation');
    });

    it("follows the extractor's normalisation, and an explicit option over it", async () => {
      const bytes = clipBytes(2, 9);
      const unit = await featuriseClip(new PixelsExtractor('unit'), bytes);
      assertClose(unit, Float32Array.from(bytes, (v) => v / 255), 1e-6, 'unit');
      const custom = { mean: [0.5, 0.25, 0] as [number, number, number], std: [0.5, 2, 1] as [number, number, number] };
      const overridden = await featuriseClip(new PixelsExtractor('unit'), bytes, { normalization: custom });
      assertClose(overridden, Float32Array.from(bytes, (v, i) => (v / 255 - custom.mean[i % 3]) / custom.std[i % 3]), 1e-6, 'custom');
      const none = await featuriseClip(new PixelsExtractor('none'), bytes);
      assertClose(none, Float32Array.from(bytes), 0, 'none');
    });

    it('gives the same features batched and unbatched, equal to extract() on a manually normalised tensor', async () => {
      const extractor = new RandomConvFeatures({ featureSize: 8, inputHeight: H, inputWidth: W, channels: [4] });
      const bytes = clipBytes(7, 1);
      const before = tf.memory().numTensors;
      const batched = await featuriseClip(extractor, bytes, { batchSize: 3 });
      const whole = await featuriseClip(extractor, bytes, { batchSize: 64 });
      assert.equal(tf.memory().numTensors, before, 'featuriseClip leaked tensors');
      assert.equal(batched.length, 7 * 8);
      assertClose(batched, whole, 1e-5, 'batched vs unbatched');
      const manual = tf.tensor4d(Float32Array.from(bytes, (v, i) => (v / 255 - IMAGENET_MEAN[i % 3]) / IMAGENET_STD[i % 3]), [7, H, W, 3]);
      const expected = extractor.extract(manual);
      assertClose(whole, expected.dataSync() as Float32Array, 1e-5, 'vs extract');
      tf.dispose([manual, expected]);
      extractor.dispose();
    });

    it('rejects a byte count that is not whole frames, and a bad batch size', async () => {
      const extractor = new PixelsExtractor();
      await assert.rejects(featuriseClip(extractor, new Uint8Array(FRAME + 1)),
        (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'frames' && /multiple of 72/.test(e.message));
      await assert.rejects(featuriseClip(extractor, new Uint8Array(FRAME), { batchSize: 0 }),
        (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'batchSize');
      assert.equal((await featuriseClip(extractor, new Uint8Array(0))).length, 0);
    });
  });
}
