import assert from 'node:assert/strict';
import { appendFile, readdir, readFile, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  FeatureCache,
  InvalidArgumentError,
  cacheBytesPerClip,
  clipIdentity,
  featureFileBytes,
  temporaryPath,
  type FeatureKey,
} from '../src/index.js';
import { makeTempDir, pseudoRandom, removeDir } from './helpers.js';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe('FeatureCache', () => {
  let root = '';
  let clip = '';
  let key: FeatureKey;
  const shape = [4, 6];
  const values = pseudoRandom(24, 1);

  before(async () => {
    root = await makeTempDir('feature-cache-');
    clip = join(root, 'clip.avi');
    await writeFile(clip, 'not really a video');
    key = { extractorId: 'random-conv:seed=1', clip: await clipIdentity(clip), sampling: { frameIndices: [0, 2, 4, 6], flip: false } };
  });

  after(() => removeDir(root));

  it('misses, then hits with the stored values and shape', async () => {
    const cache = new FeatureCache(join(root, 'a'));
    assert.equal(await cache.get(key), null);
    await cache.put(key, values, shape);
    const hit = await cache.get(key, shape);
    assert.ok(hit);
    assert.deepEqual(hit.shape, shape);
    assert.deepEqual(Array.from(hit.data), Array.from(values));
    assert.deepEqual(cache.stats, { hits: 1, misses: 1, writes: 1, corrupt: 0 });
    assert.equal((await stat(cache.pathFor(key))).size, featureFileBytes(shape));
    // A second cache over the same folder (another process, a later run) sees it too.
    const again = new FeatureCache(join(root, 'a'));
    assert.ok(await again.get(key));
    assert.equal(again.hits, 1);
  });

  it('getOrCompute computes once, then serves from disk', async () => {
    const cache = new FeatureCache(join(root, 'b'));
    let calls = 0;
    const compute = () => {
      calls++;
      return { data: values, shape };
    };
    const first = await cache.getOrCompute(key, compute, shape);
    const second = await cache.getOrCompute(key, compute, shape);
    assert.equal(calls, 1);
    assert.equal(cache.hits, 1);
    assert.deepEqual(Array.from(second.data), Array.from(first.data));
    // Concurrent calls for one key share one computation.
    const other = { ...key, sampling: { frameIndices: [1, 3, 5, 7], flip: false } };
    await Promise.all([1, 2, 3].map(() => cache.getOrCompute(other, async () => compute())));
    assert.equal(calls, 2);
    await assert.rejects(cache.getOrCompute({ ...key, extractorId: 'x' }, compute, [4, 7]),
      (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'compute');
  });

  it('misses when the extractor, the clip (size or mtime) or the sampling changes', async () => {
    const cache = new FeatureCache(join(root, 'c'));
    await cache.put(key, values, shape);
    const variants: FeatureKey[] = [
      { ...key, extractorId: 'random-conv:seed=2' },
      { ...key, sampling: { frameIndices: [0, 2, 4, 6], flip: true } },
      { ...key, sampling: { frameIndices: [0, 2, 4, 5], flip: false } },
    ];
    await utimes(clip, new Date(), new Date(Date.now() + 5000));
    variants.push({ ...key, clip: await clipIdentity(clip) });
    await appendFile(clip, '!');
    const grown = await clipIdentity(clip);
    assert.notEqual(grown.size, key.clip.size);
    variants.push({ ...key, clip: grown });
    const paths = new Set(variants.map((v) => cache.pathFor(v)));
    assert.equal(paths.size, variants.length, 'every change gives a different entry');
    for (const variant of variants) assert.equal(await cache.get(variant), null);
    assert.ok(await cache.get(key), 'the original entry is still there');
    assert.deepEqual(cache.stats, { hits: 1, misses: variants.length, writes: 1, corrupt: 0 });
  });

  it('treats a truncated or altered file as a miss and rewrites it', async () => {
    const cache = new FeatureCache(join(root, 'd'));
    await cache.put(key, values, shape);
    const path = cache.pathFor(key);
    const full = (await stat(path)).size;
    await truncate(path, full - 10);
    let calls = 0;
    const compute = () => {
      calls++;
      return { data: values, shape };
    };
    const recomputed = await cache.getOrCompute(key, compute, shape);
    assert.equal(calls, 1);
    assert.deepEqual(Array.from(recomputed.data), Array.from(values));
    assert.equal((await stat(path)).size, full, 'rewritten in full');
    assert.equal(cache.stats.corrupt, 1);
    assert.ok(await cache.get(key, shape));

    // A flipped payload byte fails the checksum; a header cut short fails too.
    const bytes = await readFile(path);
    bytes[bytes.length - 3] ^= 0xff;
    await writeFile(path, bytes);
    assert.equal(await cache.get(key), null);
    await truncate(path, 20);
    assert.equal(await cache.get(key), null);
    assert.equal(cache.stats.corrupt, 3);
    // A valid entry of another shape is a miss when a shape is expected.
    await cache.put(key, values, [24]);
    assert.equal(await cache.get(key, shape), null);
    assert.ok(await cache.get(key, [24]));
  });

  it('lets concurrent writers of one key race safely through unique temp files', async () => {
    const cache = new FeatureCache(join(root, 'e'));
    const candidates = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => pseudoRandom(24, seed));
    await Promise.all(candidates.map((data) => cache.put(key, data, shape)));
    const entry = await cache.get(key, shape);
    assert.ok(entry, 'the surviving file is whole');
    assert.ok(candidates.some((c) => c.every((v, i) => v === entry.data[i])), 'it is one of the writes');
    assert.deepEqual(await listFiles(cache.dir), [cache.pathFor(key).split('/').pop()], 'no temp files left');
    const names = new Set(Array.from({ length: 1000 }, () => temporaryPath('/x/entry.f32')));
    assert.equal(names.size, 1000);
    for (const name of names) assert.match(name, new RegExp(`^/x/entry\\.f32\\.${process.pid}\\.[0-9a-f-]{36}\\.tmp$`));
  });

  it('validates keys and values', async () => {
    const cache = new FeatureCache(join(root, 'f'));
    await assert.rejects(cache.put(key, values, [5, 5]), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'data');
    await assert.rejects(cache.get({ ...key, extractorId: '' }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'key.extractorId');
    await assert.rejects(cache.get({ ...key, sampling: { frameIndices: [-1], flip: false } }),
      (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'key.sampling');
    await assert.rejects(clipIdentity(join(root, 'missing.avi')), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'clip');
  });

  it('computes the disk cost per clip', () => {
    assert.equal(featureFileBytes([16, 2048]), 60 + 16 * 2048 * 4);
    assert.equal(cacheBytesPerClip(16, 2048, 5), 5 * (60 + 131072));
  });
});
