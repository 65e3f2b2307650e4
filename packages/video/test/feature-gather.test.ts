import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import { FeatureGather, InvalidArgumentError, gatherFrames, mulberry32, sampleFrameIndices, toBatchTensors, type Normalization } from '../src/index.js';

const width = 7;
const height = 5;
const frameBytes = width * height * 3;

function randomClip(numFrames: number, seed: number) {
  const rng = mulberry32(seed);
  const data = new Uint8Array(numFrames * frameBytes);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.next() * 256);
  return { width, height, numFrames, data };
}

/** The training path: sampled frames -> full float batch [1, T, H*W*3] -> x[..., features]. */
function reference(clip: ReturnType<typeof randomClip>, indices: number[], flip: boolean, features: number[], normalization?: Normalization): Float32Array {
  const sample = { indices, flip, stride: 1, start: 0 };
  const frames = gatherFrames(clip.data, width, height, sample);
  const { xs, ys } = toBatchTensors(frames, [0], { framesPerClip: indices.length, width, height, numClasses: 1, normalization });
  const picked = tf.tidy(() => tf.gather(xs, tf.tensor1d(features, 'int32'), 2).dataSync() as Float32Array);
  tf.dispose([xs, ys]);
  return picked;
}

for (const backend of TEST_BACKENDS) {
  describe(`FeatureGather (${backend})`, () => {
    before(() => useBackend(backend));

    it('equals normalising the whole frame and then selecting, with and without flip', () => {
      const clip = randomClip(9, 1);
      const rng = mulberry32(2);
      // Unsorted, with a repeat and both ends of the frame.
      const features = [0, frameBytes - 1, ...Array.from({ length: 20 }, () => Math.floor(rng.next() * frameBytes)), 4, 4];
      const sample = sampleFrameIndices(clip.numFrames, 4, { mode: 'test' });
      for (const normalization of ['imagenet', 'unit', { mean: [0.1, 0.2, 0.3], std: [0.5, 0.6, 0.7] }] as Normalization[]) {
        const gather = new FeatureGather(features, { width, height, normalization });
        for (const flip of [false, true]) {
          const got = gather.gather(clip, { indices: sample.indices, flip });
          const want = reference(clip, sample.indices, flip, features, normalization);
          assert.equal(got.length, 4 * features.length);
          // Same table lookups in the same order: bit-for-bit.
          assert.deepEqual(Array.from(got), Array.from(want), `${JSON.stringify(normalization)} flip ${flip}`);
        }
      }
    });

    it('defaults to ImageNet normalisation and writes into a given buffer', () => {
      const clip = randomClip(3, 3);
      const features = [5, 6, 7, 50];
      const out = new Float32Array(2 * features.length).fill(NaN);
      const got = new FeatureGather(features, { width, height }).gather(clip, { indices: [2, 0] }, out);
      assert.equal(got, out);
      assert.deepEqual(Array.from(out), Array.from(reference(clip, [2, 0], false, features)));
    });
  });
}

describe('FeatureGather validation', () => {
  it('names the bad option', () => {
    const bad = (fn: () => unknown, option: string) =>
      assert.throws(fn, (e: unknown) => InvalidArgumentError.isInstance(e) && (e as InvalidArgumentError).option === option, option);
    bad(() => new FeatureGather([0], { width: 0, height: 2 }), 'width');
    bad(() => new FeatureGather([0], { width: 2, height: 1.5 }), 'height');
    bad(() => new FeatureGather([], { width: 2, height: 2 }), 'featureIndices');
    bad(() => new FeatureGather([12], { width: 2, height: 2 }), 'featureIndices');
    bad(() => new FeatureGather([-1], { width: 2, height: 2 }), 'featureIndices');
    bad(() => new FeatureGather([0.5], { width: 2, height: 2 }), 'featureIndices');
    bad(() => new FeatureGather([0], { width: 2, height: 2, normalization: 'zscore' as never }), 'normalization');
    const gather = new FeatureGather([0, 1], { width, height });
    const clip = randomClip(2, 4);
    bad(() => gather.gather({ ...clip, width: width + 1 }, { indices: [0] }), 'clip');
    bad(() => gather.gather({ ...clip, data: clip.data.subarray(1) }, { indices: [0] }), 'clip');
    bad(() => gather.gather(clip, { indices: [2] }), 'sample');
    bad(() => gather.gather(clip, { indices: [0] }, new Float32Array(3)), 'out');
  });
});
