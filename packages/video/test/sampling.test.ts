import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSeed, gatherFrames, InvalidArgumentError, mulberry32, sampleFrameIndices, shuffled } from '../src/index.js';

describe('mulberry32', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 20 }, () => a.next());
    assert.deepEqual(sa, Array.from({ length: 20 }, () => b.next()));
    assert.notDeepEqual(sa, Array.from({ length: 20 }, () => c.next()));
    assert.ok(sa.every((v) => v >= 0 && v < 1));
  });

  it('int covers [lo, hi] uniformly enough', () => {
    const rng = mulberry32(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[rng.int(0, 3)]++;
    for (const c of counts) assert.ok(c > 1800 && c < 2200, `counts ${counts}`);
  });

  it('deriveSeed separates its parts and shuffled keeps the input', () => {
    assert.notEqual(deriveSeed(1, 0, 1), deriveSeed(1, 1, 0));
    assert.equal(deriveSeed(5, 2, 3), deriveSeed(5, 2, 3));
    const items = [1, 2, 3, 4, 5, 6];
    const out = shuffled(items, mulberry32(1));
    assert.deepEqual(items, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...out].sort(), items);
  });
});

describe('sampleFrameIndices', () => {
  it('test mode: start 0, stride max(1, floor(n/T)), no flip', () => {
    assert.deepEqual(sampleFrameIndices(40, 8, { mode: 'test' }), { indices: [0, 5, 10, 15, 20, 25, 30, 35], stride: 5, start: 0, flip: false });
    assert.deepEqual(sampleFrameIndices(17, 8, { mode: 'test' }).indices, [0, 2, 4, 6, 8, 10, 12, 14]);
    assert.deepEqual(sampleFrameIndices(8, 8, { mode: 'test' }).indices, [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('train mode: stride in [1, floor(n/T)], all frames in range, start in the range that fits', () => {
    const rng = mulberry32(3);
    const strides = new Set<number>();
    const starts = new Set<number>();
    let flips = 0;
    const runs = 2000;
    for (let i = 0; i < runs; i++) {
      const s = sampleFrameIndices(50, 8, { mode: 'train', rng });
      assert.ok(s.stride >= 1 && s.stride <= 6, `stride ${s.stride}`);
      assert.ok(s.start >= 0 && s.start + 7 * s.stride <= 49, `start ${s.start} stride ${s.stride}`);
      assert.deepEqual(s.indices, Array.from({ length: 8 }, (_, t) => s.start + t * s.stride));
      strides.add(s.stride);
      starts.add(s.start);
      if (s.flip) flips++;
    }
    assert.deepEqual([...strides].sort(), [1, 2, 3, 4, 5, 6]);
    assert.ok(starts.has(0) && starts.has(42), 'start reaches both ends of its range (stride 1: 0..42)');
    assert.ok(Math.abs(flips / runs - 0.5) < 0.05, `flip rate ${flips / runs}`);
  });

  it('train mode is deterministic per seed', () => {
    const draw = (seed: number) => Array.from({ length: 10 }, (_, i) => sampleFrameIndices(100, 8, { mode: 'train', rng: mulberry32(deriveSeed(seed, 0, i)) }));
    assert.deepEqual(draw(11), draw(11));
    assert.notDeepEqual(draw(11), draw(12));
  });

  it('short clips loop or pad with the last frame', () => {
    assert.deepEqual(sampleFrameIndices(3, 8, { mode: 'test' }).indices, [0, 1, 2, 0, 1, 2, 0, 1]);
    assert.deepEqual(sampleFrameIndices(3, 8, { mode: 'test', shortClip: 'pad-last' }).indices, [0, 1, 2, 2, 2, 2, 2, 2]);
    const s = sampleFrameIndices(5, 8, { mode: 'train', rng: mulberry32(1), flipProbability: 0 });
    assert.deepEqual(s, { indices: [0, 1, 2, 3, 4, 0, 1, 2], stride: 1, start: 0, flip: false });
  });

  it('flipProbability 0 and 1 are honoured; bad options throw InvalidArgumentError', () => {
    const rng = mulberry32(9);
    for (let i = 0; i < 50; i++) {
      assert.equal(sampleFrameIndices(20, 4, { mode: 'train', rng, flipProbability: 0 }).flip, false);
      assert.equal(sampleFrameIndices(20, 4, { mode: 'train', rng, flipProbability: 1 }).flip, true);
    }
    assert.throws(() => sampleFrameIndices(20, 4, { mode: 'train' }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'rng');
    assert.throws(() => sampleFrameIndices(0, 4, { mode: 'test' }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'numFrames');
    assert.throws(() => sampleFrameIndices(10, 4, { mode: 'test', shortClip: 'wrap' as never }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'shortClip');
    assert.throws(() => sampleFrameIndices(10, 4, { mode: 'eval' as never }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'mode');
  });
});

describe('gatherFrames', () => {
  it('copies the chosen frames and mirrors rows when flipping', () => {
    const width = 3;
    const height = 2;
    const frames = 4;
    const data = Uint8Array.from({ length: frames * width * height * 3 }, (_, i) => i % 251);
    const sample = { indices: [2, 0], stride: 1, start: 0, flip: false };
    const out = gatherFrames(data, width, height, sample);
    const fb = width * height * 3;
    assert.deepEqual([...out.subarray(0, fb)], [...data.subarray(2 * fb, 3 * fb)]);
    assert.deepEqual([...out.subarray(fb)], [...data.subarray(0, fb)]);
    const flipped = gatherFrames(data, width, height, { ...sample, flip: true });
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          assert.equal(flipped[(y * width + x) * 3 + c], data[2 * fb + (y * width + (width - 1 - x)) * 3 + c]);
        }
      }
    }
  });
});
