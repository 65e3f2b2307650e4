import assert from 'node:assert/strict';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import {
  decodeClip, FfmpegNotFoundError, FrameCache, gatherFrames, generateSyntheticDataset, IMAGENET_MEAN, IMAGENET_STD, readUcf11,
  sampleFrameIndices, VideoBatchStream, videoBatches, type BadClip, type ClipDecoder, type VideoClip,
} from '../src/index.js';
import { countingDecoder, tempDir } from './helpers.js';

const W = 32;
const H = 24;
const T = 8;

let clips: VideoClip[];
let withBad: VideoClip[];
let garbagePath: string;
let truncatedPath: string;

before(async () => {
  const dir = await tempDir();
  await generateSyntheticDataset({ root: join(dir, 'ds'), classes: 3, groupsPerClass: 2, clipsPerGroup: 2, framesPerClip: 16, width: W, height: H });
  clips = (await readUcf11(join(dir, 'ds'))).clips;
  garbagePath = join(dir, 'garbage.avi');
  await writeFile(garbagePath, Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 131) % 256)));
  truncatedPath = join(dir, 'truncated.avi');
  await writeFile(truncatedPath, (await readFile(clips[0].path)).subarray(0, 200));
  withBad = [...clips.slice(0, 5), { ...clips[0], path: garbagePath }, ...clips.slice(5, 9), { ...clips[1], path: truncatedPath }, ...clips.slice(9)];
});

/** What a test-mode batch row must hold, computed the slow way. */
async function expectedRow(clip: VideoClip): Promise<Float32Array> {
  const decoded = await decodeClip(clip.path, { width: W, height: H });
  const frames = gatherFrames(decoded.data, W, H, sampleFrameIndices(decoded.numFrames, T, { mode: 'test' }));
  return Float32Array.from(frames, (v, i) => (v / 255 - IMAGENET_MEAN[i % 3]) / IMAGENET_STD[i % 3]);
}

const base = { framesPerClip: T, width: W, height: H, batchSize: 5, concurrency: 2 } as const;

for (const backend of TEST_BACKENDS) {
  describe(`VideoBatchStream on ${backend}`, () => {
    before(() => useBackend(backend));

    it('yields [B, T, H*W*3] ImageNet-normalised batches with one-hot labels and leaks no tensors', async () => {
      const start = tf.memory().numTensors;
      const seen: string[] = [];
      const sizes: number[] = [];
      for await (const batch of videoBatches(clips, { ...base, mode: 'test', numClasses: 3 })) {
        sizes.push(batch.size);
        assert.deepEqual(batch.xs.shape, [batch.size, T, H * W * 3]);
        assert.deepEqual(batch.ys.shape, [batch.size, 3]);
        assert.equal(batch.xs.dtype, 'float32');
        const xs = await batch.xs.data();
        const ys = await batch.ys.array() as number[][];
        for (let b = 0; b < batch.size; b++) {
          const clip = clips.find((c) => c.path === batch.paths[b]) as VideoClip;
          assert.equal(batch.labels[b], clip.label);
          assert.deepEqual(ys[b], [0, 1, 2].map((k) => (k === clip.label ? 1 : 0)));
          const expected = await expectedRow(clip);
          const row = xs.subarray(b * expected.length, (b + 1) * expected.length);
          let worst = 0;
          for (let i = 0; i < row.length; i++) worst = Math.max(worst, Math.abs(row[i] - expected[i]));
          assert.ok(worst < 1e-5, `row ${b} differs by ${worst}`);
        }
        seen.push(...batch.paths);
        tf.dispose([batch.xs, batch.ys]);
      }
      assert.deepEqual(sizes, [5, 5, 2]);
      assert.deepEqual(seen, clips.map((c) => c.path), 'test mode keeps the list order');
      assert.equal(tf.memory().numTensors, start);
    });

    it("'frames' layout, index labels, 'unit' and 'none' normalisation", async () => {
      const it1 = videoBatches(clips.slice(0, 2), { ...base, mode: 'test', layout: 'frames', labelEncoding: 'index', normalization: 'none' });
      const first = (await it1.next()).value;
      assert.deepEqual(first.xs.shape, [2, T, H, W, 3]);
      assert.deepEqual([first.ys.shape, first.ys.dtype], [[2], 'int32']);
      const raw = await first.xs.data();
      assert.ok(raw.every((v: number) => Number.isInteger(v) && v >= 0 && v <= 255));
      const it2 = videoBatches(clips.slice(0, 2), { ...base, mode: 'test', normalization: 'unit' });
      const second = (await it2.next()).value;
      const unit = await second.xs.data();
      for (let i = 0; i < unit.length; i += 997) assert.ok(Math.abs(unit[i] - raw[i] / 255) < 1e-6);
      tf.dispose([first.xs, first.ys, second.xs, second.ys]);
      assert.equal((await it1.next()).done, true);
      assert.equal((await it2.next()).done, true);
    });

    it('stopping early leaks nothing and ends the epoch', async () => {
      const start = tf.memory().numTensors;
      const stream = new VideoBatchStream(clips, { ...base, batchSize: 2, seed: 3 });
      const epoch = stream.epoch();
      for await (const batch of epoch) {
        tf.dispose([batch.xs, batch.ys]);
        break;
      }
      assert.equal(tf.memory().numTensors, start);
      assert.equal(epoch.summary.complete, false);
      assert.equal((await epoch.next()).done, true);
      assert.equal(stream.lastSummary, epoch.summary);
    });
  });
}

describe('VideoBatchStream (cpu)', () => {
  before(() => useBackend('cpu'));

  async function collect(stream: VideoBatchStream, epoch?: number): Promise<{ paths: string[]; data: number[][]; flat: Float32Array[] }> {
    const paths: string[] = [];
    const data: number[][] = [];
    const flat: Float32Array[] = [];
    for await (const batch of stream.epoch(epoch)) {
      paths.push(...batch.paths);
      const values = (await batch.xs.data()) as Float32Array;
      flat.push(values);
      data.push([values[0], values[values.length - 1]]);
      tf.dispose([batch.xs, batch.ys]);
    }
    return { paths, data, flat };
  }

  it('train mode: shuffled, deterministic per seed and epoch', async () => {
    const a = await collect(new VideoBatchStream(clips, { ...base, seed: 7 }), 0);
    const b = await collect(new VideoBatchStream(clips, { ...base, seed: 7 }), 0);
    const c = await collect(new VideoBatchStream(clips, { ...base, seed: 7 }), 1);
    assert.deepEqual(a.paths, b.paths);
    assert.deepEqual(a.flat, b.flat);
    assert.notDeepEqual(a.paths, c.paths);
    assert.notDeepEqual(a.paths, clips.map((x) => x.path));
    assert.deepEqual([...a.paths].sort(), clips.map((x) => x.path).sort());
  });

  it('skips bad clips, reports them by path, counts them, and does not retry them', async () => {
    const reported: BadClip[] = [];
    const decoder = countingDecoder();
    const stream = new VideoBatchStream(withBad, { ...base, mode: 'test', decoder, onBadClip: (b) => reported.push(b) });
    const first = await collect(stream);
    assert.deepEqual(first.paths, clips.map((c) => c.path));
    assert.deepEqual(reported.map((r) => r.path), [garbagePath, truncatedPath]);
    assert.ok(reported.every((r) => r.error.message.includes(r.path)));
    const summary = stream.lastSummary;
    assert.ok(summary);
    assert.deepEqual([summary.clips, summary.used, summary.bad, summary.batches, summary.complete], [14, 12, 2, 3, true]);
    assert.equal(decoder.calls, 14);
    await collect(stream);
    assert.equal(decoder.calls, 26, 'known bad clips are not decoded again');
    assert.equal(stream.lastSummary?.bad, 2);
    assert.ok(stream.lastSummary?.badClips.every((b) => b.known));
    assert.equal(reported.length, 2, 'each bad clip is reported once');
  });

  it('reports each clip shorter than T once, with its frame count, and still uses it', async () => {
    const short: Array<[string, number]> = [];
    const stream = new VideoBatchStream(clips.slice(0, 3), { ...base, framesPerClip: 20, mode: 'test', decoder: countingDecoder(), onShortClip: (path, n) => short.push([path, n]) });
    await collect(stream);
    await collect(stream);
    // Clips decode concurrently: reports come in the order decodes finish.
    assert.deepEqual(short.sort(([a], [b]) => a.localeCompare(b)), clips.slice(0, 3).map((c) => [c.path, 16] as [string, number]).sort(([a], [b]) => a.localeCompare(b)));
    assert.equal(stream.lastSummary?.used, 3);
    const long = new VideoBatchStream(clips.slice(0, 3), { ...base, mode: 'test', decoder: countingDecoder(), onShortClip: () => assert.fail('16 frames are enough for 8') });
    await collect(long);
  });

  it('the frame cache: the second epoch spawns no ffmpeg, gives the same data, and a half-written cache file is ignored', async () => {
    const cacheDir = join(await tempDir(), 'cache');
    const decoder = countingDecoder();
    const options = { ...base, mode: 'test' as const, decoder, cacheDir, onBadClip: () => undefined };
    const stream = new VideoBatchStream(withBad, options);
    const first = await collect(stream);
    assert.equal(decoder.calls, 14);
    assert.deepEqual([stream.lastSummary?.decoded, stream.lastSummary?.cacheHits], [14, 0]);
    const second = await collect(stream);
    assert.equal(decoder.calls, 14, 'no decoder call in epoch 2');
    assert.equal(stream.lastSummary?.cacheHits, 12);
    assert.deepEqual(second, first);

    // A crash of a writer that did not rename atomically: the file is there but short.
    const cache = new FrameCache(cacheDir);
    const victim = await cache.fileFor(clips[3].path, { width: W, height: H });
    const full = (await readFile(victim)).length;
    await truncate(victim, Math.floor(full / 2));
    const fresh = new VideoBatchStream(withBad, options);
    const third = await collect(fresh);
    assert.equal(decoder.calls, 14 + 1 + 2, 'only the damaged entry (and the two bad clips) are decoded again');
    assert.deepEqual(third, first);
    assert.equal((await readFile(victim)).length, full, 'the damaged entry was rewritten');

    // Train-mode sampling still varies per epoch on top of the cache.
    const train = new VideoBatchStream(clips, { ...options, mode: 'train', seed: 1 });
    const e0 = await collect(train, 0);
    const e1 = await collect(train, 1);
    assert.equal(decoder.calls, 17);
    assert.notDeepEqual(e0.data, e1.data);
  });

  it('decodes at most `concurrency` clips at once and at most `prefetchBatches` ahead', async () => {
    const slow: ClipDecoder = async (path, spec, signal) => {
      await new Promise((r) => setTimeout(r, 15));
      return decodeClip(path, { ...spec, signal });
    };
    const decoder = countingDecoder(slow);
    const stream = new VideoBatchStream(clips, { ...base, batchSize: 2, prefetchBatches: 1, concurrency: 2, decoder });
    const epoch = stream.epoch();
    const first = await epoch.next();
    tf.dispose([first.value.xs, first.value.ys]);
    await new Promise((r) => setTimeout(r, 400));
    // 1 batch taken + 1 queued + 1 being filled (2 clips each) + 2 in flight.
    assert.ok(decoder.calls <= 8, `decoded ${decoder.calls} of 12 while the consumer was idle`);
    assert.ok(decoder.maxInFlight <= 2, `in flight ${decoder.maxInFlight}`);
    let rest = 0;
    for await (const batch of epoch) {
      rest += batch.size;
      tf.dispose([batch.xs, batch.ys]);
    }
    assert.equal(rest, 10);
    assert.equal(decoder.maxInFlight, 2);
  });

  it("decodeThread 'worker' (the default) and 'main' give the same batches", async () => {
    const onWorker = new VideoBatchStream(withBad, { ...base, seed: 2, onBadClip: () => undefined });
    const onMain = new VideoBatchStream(withBad, { ...base, seed: 2, decodeThread: 'main', onBadClip: () => undefined });
    assert.equal(onWorker.lookahead, 2 + 5);
    assert.equal(onMain.lookahead, 2);
    const a = await collect(onWorker);
    const b = await collect(onMain);
    assert.deepEqual(a, b);
    assert.equal(onWorker.lastSummary?.bad, 2);
    await onWorker.close();
  });

  it('a missing ffmpeg is fatal, not a bad clip; bad options name themselves', async () => {
    const noFfmpeg: ClipDecoder = async () => {
      throw new FfmpegNotFoundError(['test']);
    };
    const epoch = videoBatches(clips, { ...base, decoder: noFfmpeg });
    await assert.rejects(epoch.next(), (e: unknown) => FfmpegNotFoundError.isInstance(e));
    assert.throws(() => new VideoBatchStream(clips, { batchSize: 0 }), /batchSize/);
    assert.throws(() => new VideoBatchStream(clips, { numClasses: 2 }), /labels in \[0, 2\)/);
    assert.throws(() => new VideoBatchStream(clips, { normalization: { mean: [0, 0, 0], std: [1, 0, 1] } }), /normalization/);
    assert.throws(() => new VideoBatchStream(clips, { layout: 'nchw' as never }), /layout/);
    assert.throws(() => new VideoBatchStream(clips, { decodeThread: 'gpu' as never }), /decodeThread/);
    const broken = videoBatches(clips, { ...base, ffmpegPath: '/no/such/ffmpeg' });
    await assert.rejects(broken.next(), (e: unknown) => FfmpegNotFoundError.isInstance(e));
  });
});
