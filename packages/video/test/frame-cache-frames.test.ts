import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FrameCache, InvalidArgumentError, gatherFrames, sampleFrameIndices } from '../src/index.js';
import { gradientFrames, tempDir } from './helpers.js';

describe('FrameCache.getFrames', () => {
  const width = 8;
  const height = 6;
  const spec = { width, height };

  async function cachedClip(frames: number) {
    const dir = await tempDir();
    const clipPath = join(dir, 'clip.avi');
    await writeFile(clipPath, 'stands in for a video: the cache keys on path, size and mtime only');
    const cache = new FrameCache(join(dir, 'cache'));
    const clip = { width, height, numFrames: frames, data: gradientFrames(width, height, frames) };
    await cache.put(clipPath, spec, clip);
    return { cache, clipPath, clip };
  }

  it('reads exactly the picked frames, in pick order, as gatherFrames would', async () => {
    const { cache, clipPath, clip } = await cachedClip(11);
    let seen = 0;
    const got = await cache.getFrames(clipPath, spec, (n) => {
      seen = n;
      return sampleFrameIndices(n, 4, { mode: 'test' }).indices;
    });
    assert.equal(seen, 11);
    assert.ok(got);
    assert.deepEqual(got.indices, [0, 2, 4, 6]);
    assert.equal(got.numFrames, 11);
    assert.equal(got.clip.numFrames, 4);
    const want = gatherFrames(clip.data, width, height, { indices: got.indices, flip: false, stride: 2, start: 0 });
    assert.deepEqual(got.clip.data, want);
    // Repeats and any order (a short clip looped).
    const looped = await cache.getFrames(clipPath, spec, () => [10, 3, 10, 0]);
    assert.deepEqual(looped!.clip.data, gatherFrames(clip.data, width, height, { indices: [10, 3, 10, 0], flip: false, stride: 1, start: 0 }));
    assert.equal(cache.stats.hits, 2);
  });

  it('misses on another size or a damaged file, and names a bad pick', async () => {
    const { cache, clipPath } = await cachedClip(5);
    assert.equal(await cache.getFrames(clipPath, { width: 4, height: 6 }, () => [0]), undefined);
    assert.equal(await cache.getFrames(join(clipPath, '..', 'missing.avi'), spec, () => [0]), undefined);
    await assert.rejects(cache.getFrames(clipPath, spec, () => [5]), (e: unknown) => InvalidArgumentError.isInstance(e) && (e as InvalidArgumentError).option === 'pick');
    const file = await cache.fileFor(clipPath, spec);
    const { truncate } = await import('node:fs/promises');
    await truncate(file, 100);
    const rejected = cache.stats.rejected;
    assert.equal(await cache.getFrames(clipPath, spec, () => [0]), undefined);
    assert.equal(cache.stats.rejected, rejected + 1);
  });
});
