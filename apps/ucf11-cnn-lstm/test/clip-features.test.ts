import assert from 'node:assert/strict';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { readDataset, type VideoClip } from '@tfjs-compress/video';
import { ClipFeatures, FeatureCache, InvalidArgumentError, RandomConvFeatures, clipIdentity, featuriseClip } from '../src/index.js';
import { makeTempDir, removeDir } from './helpers.js';
import { tinySet } from './run-helpers.js';

for (const backend of TEST_BACKENDS) {
  describe(`ClipFeatures (${backend})`, () => {
    let dir = '';
    let clips: VideoClip[] = [];
    let extractor: RandomConvFeatures;
    before(async () => {
      await useBackend(backend);
      dir = await makeTempDir('clip-features-');
      // Copies of two tiny clips, so touching them does not affect other tests.
      const { copyFile, mkdir } = await import('node:fs/promises');
      const source = (await readDataset(await tinySet(), { layout: 'auto' })).clips.slice(0, 2);
      await mkdir(join(dir, 'clips'));
      clips = await Promise.all(source.map(async (c, i) => {
        const path = join(dir, 'clips', `clip${i}.avi`);
        await copyFile(c.path, path);
        return { ...c, path };
      }));
      extractor = new RandomConvFeatures({ featureSize: 8, inputHeight: 12, inputWidth: 16, channels: [4], poolGrid: [2, 2] });
    });
    after(async () => {
      extractor.dispose();
      await removeDir(dir);
    });

    it('computes each sampling once; later epochs are cache hits with the same values', async () => {
      const features = new ClipFeatures(extractor, new FeatureCache(join(dir, 'cache-a')), { frames: 3, samplings: 2, seed: 5, progress: false });
      const computed = await features.prepare(clips, 'train', () => undefined);
      assert.ok(computed >= 2 && computed <= 4, `${computed} entries`);
      assert.equal(await features.prepare(clips, 'train', () => undefined), 0, 'nothing left to compute');
      const start = tf.memory().numTensors;
      const source = features.source(clips, 'train', 2);
      const seen: number[][] = [];
      for (const epoch of [1, 2]) {
        for await (const batch of source.batches(epoch)) {
          assert.deepEqual(batch.xs.shape, [2, 3, 8]);
          assert.equal(batch.size, 2);
          seen.push(Array.from(batch.labels!));
          tf.dispose([batch.xs, batch.ys]);
        }
      }
      await source.close();
      assert.equal(features.cache.stats.writes, computed, 'no entry written twice');
      assert.ok(features.cache.hits >= 4);
      assert.equal(tf.memory().numTensors, start, 'batches disposed, nothing leaked');
      // The entry equals featurising the sampled frames directly.
      const { decodeClip, gatherFrames } = await import('@tfjs-compress/video');
      const identity = await clipIdentity(clips[0].path);
      const decoded = await decodeClip(clips[0].path, { width: 16, height: 12 });
      const sample = features.sampling(identity, decoded.numFrames, 'test', 0);
      assert.deepEqual(sample.indices, [0, 2, 4], 'test sampling: start 0, stride n/T');
      const direct = await featuriseClip(extractor, gatherFrames(decoded.data, 16, 12, sample));
      assertClose(await features.read(clips[0], 'test', 0), direct, 1e-6, 'cached vs direct');
    });

    it('samplings are seeded per clip and index: the same in a new instance, different across indices', async () => {
      const a = new ClipFeatures(extractor, new FeatureCache(join(dir, 'cache-b')), { frames: 3, samplings: 4, seed: 5 });
      const b = new ClipFeatures(extractor, new FeatureCache(join(dir, 'cache-b')), { frames: 3, samplings: 4, seed: 5 });
      const identity = await clipIdentity(clips[0].path);
      const picks = [0, 1, 2, 3].map((i) => a.sampling(identity, 40, 'train', i));
      assert.deepEqual(picks, [0, 1, 2, 3].map((i) => b.sampling(identity, 40, 'train', i)));
      assert.ok(new Set(picks.map((p) => JSON.stringify(p))).size > 1, 'the samplings differ');
    });

    it('a changed clip (new mtime) misses the cache and is featurised again', async () => {
      const features = new ClipFeatures(extractor, new FeatureCache(join(dir, 'cache-c')), { frames: 3, samplings: 1, seed: 5 });
      await features.prepare(clips.slice(0, 1), 'test', () => undefined);
      assert.equal(await features.prepare(clips.slice(0, 1), 'test', () => undefined), 0);
      const later = new Date(Date.now() + 60_000);
      await utimes(clips[0].path, later, later);
      assert.equal(await features.prepare(clips.slice(0, 1), 'test', () => undefined), 1, 'recomputed after the clip changed');
    });

    it('rejects bad options, naming them', () => {
      const cache = new FeatureCache(join(dir, 'cache-d'));
      assert.throws(() => new ClipFeatures(extractor, cache, { frames: 0, seed: 1 }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'frames');
      assert.throws(() => new ClipFeatures(extractor, cache, { frames: 2, samplings: 0, seed: 1 }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'samplings');
      const features = new ClipFeatures(extractor, cache, { frames: 2, seed: 1 });
      assert.throws(() => features.source(clips, 'test', 0), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'batchSize');
    });
  });
}

describe('RandomConvFeatures poolGrid', () => {
  before(() => useBackend('cpu'));

  it('grid cells are the means of their parts of the last feature map; 1x1 is global pooling', () => {
    const grid = new RandomConvFeatures({ featureSize: 12, inputHeight: 8, inputWidth: 8, channels: [2], poolGrid: [2, 2] });
    const global = new RandomConvFeatures({ featureSize: 3, inputHeight: 8, inputWidth: 8, channels: [2] });
    assert.match(grid.id, /:grid=2x2$/);
    assert.doesNotMatch(global.id, /grid/);
    // Same seed and first layer, and the 1x1 conv to 3 channels is the same too (same draws in the same order).
    const frames = tf.randomUniform([1, 8, 8, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const cells = grid.extract(frames);
    const pooled = global.extract(frames);
    assert.deepEqual(cells.shape, [1, 12]);
    const c = cells.dataSync();
    const meanOfCells = [0, 1, 2].map((k) => (c[k] + c[3 + k] + c[6 + k] + c[9 + k]) / 4);
    assertClose(meanOfCells, pooled.dataSync() as Float32Array, 1e-5, 'equal-sized cells average to the global mean');
    tf.dispose([frames, cells, pooled]);
    grid.dispose();
    global.dispose();
    assert.throws(() => new RandomConvFeatures({ featureSize: 10, poolGrid: [2, 2] }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'poolGrid');
  });
});
