import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import {
  generateSyntheticDataset, InvalidArgumentError, readUcf11, renderSyntheticClip, SYNTHETIC_MOTIONS, syntheticTrajectory, UCF11_CLASSES,
} from '../src/index.js';
import { tempDir } from './helpers.js';

const tiny = { classes: 4, groupsPerClass: 2, clipsPerGroup: 2, framesPerClip: 8, width: 32, height: 24 } as const;
const motionIndex = (m: (typeof SYNTHETIC_MOTIONS)[number]): number => SYNTHETIC_MOTIONS.indexOf(m);

/** Largest gap between two empirical distributions' CDFs (Kolmogorov-Smirnov statistic). */
function ksDistance(a: number[], b: number[]): number {
  const all = [...a, ...b].sort((x, y) => x - y);
  const cdf = (xs: number[], v: number) => xs.filter((x) => x <= v).length / xs.length;
  return Math.max(...all.map((v) => Math.abs(cdf(a, v) - cdf(b, v))));
}

describe('synthetic dataset', () => {
  it('is deterministic for a seed: same file list, same raw frames before encoding', async () => {
    const dir = await tempDir();
    const a = await generateSyntheticDataset({ ...tiny, root: join(dir, 'a'), seed: 5 });
    const b = await generateSyntheticDataset({ ...tiny, root: join(dir, 'b'), seed: 5 });
    const c = await generateSyntheticDataset({ ...tiny, root: join(dir, 'c'), seed: 6 });
    const view = (d: typeof a) => d.files.map((f) => [relative(d.root, f.path), f.rawSha256]);
    assert.equal(a.files.length, 4 * 2 * 2);
    assert.deepEqual(view(a), view(b));
    assert.deepEqual(a.files.map((f) => relative(a.root, f.path)), c.files.map((f) => relative(c.root, f.path)));
    const shaA = new Set(a.files.map((f) => f.rawSha256));
    assert.equal(shaA.size, a.files.length, 'every clip differs');
    assert.ok(c.files.every((f) => !shaA.has(f.rawSha256)), 'another seed gives other frames');
    assert.equal(relative(a.root, a.files[5].path), join('biking', 'v_biking_01', 'v_biking_01_02.avi'));
    const spec = { classIndex: 3, group: 1, clip: 0, seed: 5, width: 32, height: 24, frames: 6 };
    assert.deepEqual(renderSyntheticClip(spec), renderSyntheticClip({ ...spec }));
    assert.deepEqual(renderSyntheticClip(spec), renderSyntheticClip({ ...spec, difficulty: 'normal' }), "'normal' is the default");
    assert.notDeepEqual(renderSyntheticClip(spec), renderSyntheticClip({ ...spec, difficulty: 'hard' }));
    const index = await readUcf11(a.root);
    assert.deepEqual(index.classes, UCF11_CLASSES.slice(0, 4));
  });

  it('generates 11 classes x 4 groups x 3 clips x 24 frames at 160x120, and says how long it took', async () => {
    const dir = await tempDir();
    const result = await generateSyntheticDataset({ root: dir, framesPerClip: 24 });
    assert.equal(result.files.length, 132);
    assert.equal(result.classes.length, 11);
    // Its speed is a benchmark's business (a loaded machine makes any bound flaky): logged only.
    console.log(`# generate 132 clips x 24 frames at 160x120: ${(result.elapsedMs / 1000).toFixed(2)} s`);
    assert.ok(Number.isFinite(result.elapsedMs) && result.elapsedMs > 0);
  });

  it('validates its options', async () => {
    await assert.rejects(generateSyntheticDataset({ root: '/tmp/x', classes: 12 }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'classes');
    await assert.rejects(generateSyntheticDataset({ root: '/tmp/x', classes: ['running'] }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'classes');
    await assert.rejects(generateSyntheticDataset({ root: '/tmp/x', format: 'webm' as never }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'format');
    await assert.rejects(generateSyntheticDataset({ root: '/tmp/x', difficulty: 'extreme' as never }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'difficulty');
  });
});

describe('synthetic motions', () => {
  const clips = 150;
  const W = 64;
  const H = 48;
  const frames = 16;
  const trajectories = (motion: (typeof SYNTHETIC_MOTIONS)[number]) =>
    Array.from({ length: clips }, (_, clip) => syntheticTrajectory({ classIndex: motionIndex(motion), group: clip % 5, clip, seed: 1, width: W, height: H, frames }));
  /** Signed step from a to b on a circle of length n (shortest way). */
  const wrapStep = (a: number, b: number, n: number) => ((((b - a) % n) + 1.5 * n) % n) - n / 2;

  it("'down' and 'up' look alike in any one frame and differ only in the order of frames", () => {
    const down = trajectories('down');
    const up = trajectories('up');
    for (const f of [0, 7, 15]) {
      const yDown = down.map((t) => ((t[f][0].y % H) + H) % H);
      const yUp = up.map((t) => ((t[f][0].y % H) + H) % H);
      assert.ok(ksDistance(yDown, yUp) < 0.2, `frame ${f}: KS ${ksDistance(yDown, yUp)}`);
    }
    assert.ok(down.every((t) => t.slice(1).every((o, f) => wrapStep(t[f][0].y, o[0].y, H) > 0)));
    assert.ok(up.every((t) => t.slice(1).every((o, f) => wrapStep(t[f][0].y, o[0].y, H) < 0)));
  });

  it("'grow' and 'shrink' sweep the same sizes in opposite directions", () => {
    const grow = trajectories('grow');
    const shrink = trajectories('shrink');
    const r = (ts: typeof grow, f: number) => ts.map((t) => t[f][0].r);
    assert.ok(ksDistance(r(grow, 0), r(shrink, 0)) < 0.2);
    const steps = (ts: typeof grow) => ts.flatMap((t) => t.slice(1).map((o, f) => Math.sign(o[0].r - t[f][0].r)));
    // Mostly monotone; a sawtooth restart at most once per clip.
    assert.ok(steps(grow).filter((s) => s > 0).length > 0.85 * steps(grow).length);
    assert.ok(steps(shrink).filter((s) => s < 0).length > 0.85 * steps(shrink).length);
  });

  it('every motion is left-right symmetric (horizontal flips in training cannot turn one class into another)', () => {
    for (const motion of ['horizontal', 'gallop', 'orbit'] as const) {
      const ts = trajectories(motion);
      const rightward = ts.filter((t) => wrapStep(t[0][0].x, t[1][0].x, W) > 0).length;
      assert.ok(Math.abs(rightward / clips - 0.5) < 0.15, `${motion}: ${rightward} of ${clips} move right`);
    }
    const converge = trajectories('converge');
    assert.ok(converge.every((t) => t.every((o) => Math.abs(o[0].y - o[1].y) < 1e-9 && o[0].x < o[1].x)));
  });

  it('harder levels have smaller objects, more noise and distractors', () => {
    const spec = { classIndex: 2, group: 0, clip: 0, seed: 1, width: W, height: H, frames: 4 };
    const radius = (difficulty: 'easy' | 'normal' | 'hard') =>
      Array.from({ length: 40 }, (_, clip) => syntheticTrajectory({ ...spec, clip, difficulty })[0][0].r);
    const max = (xs: number[]) => Math.max(...xs);
    const min = (xs: number[]) => Math.min(...xs);
    assert.ok(min(radius('easy')) >= 0.16 * H - 1e-9 && max(radius('easy')) <= 0.3 * H + 1e-9);
    assert.ok(min(radius('hard')) >= 0.08 * H - 1e-9 && max(radius('hard')) <= 0.2 * H + 1e-9);
    // The median change of a pixel between two frames is noise (moving objects cover little of the frame).
    const roughness = (difficulty: 'easy' | 'hard') => {
      let total = 0;
      for (let clip = 0; clip < 10; clip++) {
        const frames = renderSyntheticClip({ ...spec, clip, difficulty });
        const fb = W * H * 3;
        const diffs = Array.from({ length: fb }, (_, i) => Math.abs(frames[i] - frames[fb + i])).sort((a, b) => a - b);
        total += diffs[fb >> 1];
      }
      return total;
    };
    assert.ok(roughness('easy') < roughness('hard'));
  });

  it('things move in every class', () => {
    for (const motion of SYNTHETIC_MOTIONS) {
      const t = trajectories(motion)[0];
      const moved = t.slice(1).some((o, f) => o.some((b, i) => Math.hypot(b.x - t[f][i].x, b.y - t[f][i].y) + Math.abs(b.r - t[f][i].r) > 0.5));
      assert.ok(moved, motion);
    }
  });
});
