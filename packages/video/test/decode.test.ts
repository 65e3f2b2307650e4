import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  decodeClip, encodeVideo, FfmpegNotFoundError, FfmpegWorker, findFfmpeg, InvalidArgumentError, VideoDecodeError,
} from '../src/index.js';
import { VIDEO_FORMATS } from '../src/encode-video.js';
import { listEncoders } from '../src/find-ffmpeg.js';
import { channelMeans, gradientFrames, tempDir } from './helpers.js';

const W = 32;
const H = 24;
const FRAMES = 12;

describe('findFfmpeg', () => {
  it('finds a working ffmpeg and reports where it came from', async () => {
    const info = await findFfmpeg();
    assert.match(info.version, /^ffmpeg version/);
    assert.ok(['env', 'path', 'installer'].includes(info.source));
  });

  it('prefers FFMPEG_PATH, then PATH, then the installer package', async () => {
    const real = (await findFfmpeg()).path;
    const fromEnv = await findFfmpeg({ env: { FFMPEG_PATH: real, PATH: '' } });
    assert.deepEqual([fromEnv.path, fromEnv.source], [real, 'env']);
    const dir = await tempDir();
    await mkdir(join(dir, 'bin'));
    await copyFile(real, join(dir, 'bin', 'ffmpeg'));
    await chmod(join(dir, 'bin', 'ffmpeg'), 0o755);
    const fromPath = await findFfmpeg({ env: { PATH: `/nonexistent:${join(dir, 'bin')}` } });
    assert.deepEqual([fromPath.path, fromPath.source], [join(dir, 'bin', 'ffmpeg'), 'path']);
    const fromInstaller = await findFfmpeg({ env: { PATH: '/nonexistent' } });
    assert.equal(fromInstaller.source, 'installer');
  });

  it('says how to get ffmpeg when none is found, and rejects a broken FFMPEG_PATH', async () => {
    await assert.rejects(findFfmpeg({ env: { PATH: '/nonexistent' }, useInstaller: false }), (e: unknown) => {
      assert.ok(FfmpegNotFoundError.isInstance(e));
      assert.match(e.message, /apt-get install ffmpeg/);
      assert.match(e.message, /FFMPEG_PATH/);
      assert.match(e.message, /npm install @ffmpeg-installer\/ffmpeg/);
      return true;
    });
    await assert.rejects(findFfmpeg({ env: { FFMPEG_PATH: '/no/such/ffmpeg' } }), (e: unknown) =>
      FfmpegNotFoundError.isInstance(e) && /FFMPEG_PATH=\/no\/such\/ffmpeg/.test(e.message));
  });

  it('lists the encoders the generator needs', async () => {
    const encoders = await listEncoders((await findFfmpeg()).path);
    for (const codec of ['mpeg4', 'mpeg1video', 'mpeg2video']) assert.ok(encoders.has(codec), codec);
  });
});

describe('decodeClip', () => {
  let dir: string;
  const raw = gradientFrames(W, H, FRAMES);
  const rawMeans = channelMeans(raw, W, H);
  before(async () => {
    dir = await tempDir();
  });

  for (const format of VIDEO_FORMATS) {
    it(`decodes .${format}: frame count, size and pixel values near what was written`, async () => {
      const file = join(dir, `clip.${format}`);
      await encodeVideo(raw, file, { width: W, height: H, fps: 25, quality: 2 });
      const clip = await decodeClip(file, { width: W, height: H });
      assert.deepEqual([clip.numFrames, clip.width, clip.height, clip.data.length], [FRAMES, W, H, FRAMES * W * H * 3]);
      const means = channelMeans(clip.data, W, H);
      for (let f = 0; f < FRAMES; f++) {
        for (let c = 0; c < 3; c++) {
          assert.ok(Math.abs(means[f][c] - rawMeans[f][c]) < 5, `.${format} frame ${f} channel ${c}: ${means[f][c].toFixed(1)} vs ${rawMeans[f][c].toFixed(1)}`);
        }
      }
    });
  }

  it('resizes and honours maxFrames', async () => {
    const file = join(dir, 'resize.avi');
    await encodeVideo(raw, file, { width: W, height: H, fps: 25, quality: 2 });
    const small = await decodeClip(file, { width: 16, height: 12 });
    assert.deepEqual([small.numFrames, small.data.length], [FRAMES, FRAMES * 16 * 12 * 3]);
    const means = channelMeans(small.data, 16, 12);
    assert.ok(Math.abs(means[5][1] - rawMeans[5][1]) < 5);
    const first = await decodeClip(file, { width: W, height: H, maxFrames: 4 });
    assert.equal(first.numFrames, 4);
  });

  it('reports garbage, truncated, empty and missing files by path, with the tail of ffmpeg stderr where it ran', async () => {
    const garbage = join(dir, 'garbage.avi');
    await writeFile(garbage, Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256)));
    const truncated = join(dir, 'truncated.avi');
    await encodeVideo(raw, join(dir, 'whole.avi'), { width: W, height: H, fps: 25 });
    await writeFile(truncated, (await readFile(join(dir, 'whole.avi'))).subarray(0, 300));
    for (const bad of [garbage, truncated, join(dir, 'missing.avi')]) {
      await assert.rejects(decodeClip(bad, { width: W, height: H }), (e: unknown) => {
        assert.ok(VideoDecodeError.isInstance(e), String(e));
        assert.equal(e.path, bad);
        assert.ok(e.message.startsWith(bad));
        assert.ok(e.stderrTail.length > 0 || /no video frames|does not exist/.test(e.message));
        return true;
      });
    }
    // ffmpeg's "Invalid data" would not say why: a missing or empty file says so itself.
    const empty = join(dir, 'empty.avi');
    await writeFile(empty, '');
    await assert.rejects(decodeClip(empty, { width: W, height: H }), (e: unknown) => VideoDecodeError.isInstance(e) && e.reason === 'empty file (0 bytes)');
    await assert.rejects(decodeClip(join(dir, 'missing.avi'), { width: W, height: H }), (e: unknown) => VideoDecodeError.isInstance(e) && /does not exist/.test(e.reason));
  });

  it('times out and validates its options', async () => {
    const file = join(dir, 'timeout.avi');
    await encodeVideo(raw, file, { width: W, height: H, fps: 25 });
    await assert.rejects(decodeClip(file, { width: W, height: H, timeoutMs: 1 }), (e: unknown) => VideoDecodeError.isInstance(e) && /timed out/.test(e.message));
    await assert.rejects(decodeClip(file, { width: 0, height: H }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'width');
    await assert.rejects(decodeClip(file, { width: W, height: H, scaleFlags: 'nearest' as never }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'scaleFlags');
  });

  it('decodes the same bytes from a worker thread, at most maxProcesses ffmpeg at once', async () => {
    const file = join(dir, 'worker.avi');
    await encodeVideo(raw, file, { width: W, height: H, fps: 25 });
    const worker = new FfmpegWorker({ maxProcesses: 2 });
    try {
      const onMain = await decodeClip(file, { width: W, height: H });
      const onWorker = await Promise.all(Array.from({ length: 6 }, () => decodeClip(file, { width: W, height: H, worker })));
      for (const clip of onWorker) assert.deepEqual(clip, onMain);
      assert.equal(worker.peakProcesses, 2);
      await assert.rejects(decodeClip(join(dir, 'missing.avi'), { width: W, height: H, worker }), (e: unknown) => VideoDecodeError.isInstance(e));
      await assert.rejects(decodeClip(file, { width: W, height: H, worker, timeoutMs: 1 }), (e: unknown) => VideoDecodeError.isInstance(e) && /timed out/.test(e.message));
      // Aborting jobs still queued in the worker (only 2 run at a time).
      const controller = new AbortController();
      const jobs = Array.from({ length: 5 }, () => decodeClip(file, { width: W, height: H, worker, signal: controller.signal }));
      controller.abort();
      const settled = await Promise.allSettled(jobs);
      assert.ok(settled.every((r) => r.status === 'rejected' && /aborted/.test(String(r.reason))));
      await assert.rejects(decodeClip(file, { width: W, height: H, worker, ffmpegPath: '/no/such/ffmpeg' }), (e: unknown) => FfmpegNotFoundError.isInstance(e));
    } finally {
      await worker.close();
    }
  });

  it('encodeVideo rejects what the containers cannot hold', async () => {
    await assert.rejects(encodeVideo(raw, join(dir, 'x.mpg'), { width: W, height: H, fps: 12 }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'fps');
    await assert.rejects(encodeVideo(raw, join(dir, 'x.avi'), { width: 31, height: H, fps: 25 }), (e: unknown) => InvalidArgumentError.isInstance(e));
    await assert.rejects(encodeVideo(raw, join(dir, 'x.webm'), { width: W, height: H, fps: 25 }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'format');
  });
});
