import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { FeatureCache, RandomConvFeatures, clipIdentity, featuriseClip, type FeatureKey } from '../src/index.js';
import { makeTempDir, removeDir } from './helpers.js';

for (const backend of TEST_BACKENDS) {
  describe(`clip -> features -> cache (${backend})`, () => {
    let root = '';
    before(async () => {
      await useBackend(backend);
      root = await makeTempDir('pipeline-');
    });
    after(() => removeDir(root));

    it('featurises a sampled clip once and serves it from the cache afterwards', async () => {
      const extractor = new RandomConvFeatures({ featureSize: 12, inputHeight: 8, inputWidth: 10, channels: [4, 4] });
      const clipPath = join(root, 'v_biking_01_01.avi');
      await writeFile(clipPath, 'stand-in for a video file');
      const frames = Uint8Array.from({ length: 3 * 8 * 10 * 3 }, (_, i) => (i * 37) % 256);
      const cache = new FeatureCache(join(root, 'features'));
      const key: FeatureKey = {
        extractorId: extractor.id,
        clip: await clipIdentity(clipPath),
        sampling: { frameIndices: [0, 5, 10], flip: false },
      };
      const shape = [3, extractor.featureSize];
      const start = tf.memory().numTensors;
      let computed = 0;
      const compute = async () => {
        computed++;
        return { data: await featuriseClip(extractor, frames), shape };
      };
      const first = await cache.getOrCompute(key, compute, shape);
      const second = await cache.getOrCompute(key, compute, shape);
      assert.equal(computed, 1);
      assert.equal(cache.hits, 1);
      assertClose(second.data, first.data, 0, 'cached features');
      // Another seed is another extractor id, hence another entry.
      const other = new RandomConvFeatures({ featureSize: 12, inputHeight: 8, inputWidth: 10, channels: [4, 4], seed: 2 });
      await cache.getOrCompute({ ...key, extractorId: other.id }, async () => ({ data: await featuriseClip(other, frames), shape }), shape);
      assert.equal(cache.stats.writes, 2);
      extractor.dispose();
      other.dispose();
      assert.ok(tf.memory().numTensors <= start, 'no tensors left behind');
    });
  });
}
