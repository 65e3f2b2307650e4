import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupSplit, InvalidArgumentError, randomSplit, type VideoClip } from '../src/index.js';

function fakeClips(classes: number, groups: number, clipsPerGroup: (g: number) => number): VideoClip[] {
  const clips: VideoClip[] = [];
  for (let k = 0; k < classes; k++) {
    for (let g = 1; g <= groups; g++) {
      const gg = String(g).padStart(2, '0');
      for (let c = 1; c <= clipsPerGroup(g); c++) {
        clips.push({ path: `/d/c${k}/v_c${k}_${gg}/v_c${k}_${gg}_${c}.avi`, label: k, className: `c${k}`, group: gg });
      }
    }
  }
  return clips;
}

describe('randomSplit', () => {
  const clips = fakeClips(11, 25, (g) => 3 + (g % 5));
  it('is seeded, disjoint, complete and about 80/20', () => {
    const a = randomSplit(clips, { seed: 1 });
    const b = randomSplit(clips, { seed: 1 });
    const c = randomSplit(clips, { seed: 2 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.test, c.test);
    assert.equal(a.train.length + a.test.length, clips.length);
    assert.equal(new Set([...a.train, ...a.test].map((x) => x.path)).size, clips.length);
    assert.equal(a.test.length, Math.round(clips.length * 0.2));
    const tenth = randomSplit(clips, { seed: 1, testFraction: 0.1 });
    assert.equal(tenth.test.length, Math.round(clips.length * 0.1));
    // Every class shows up in the test set of a random 20% split of 11 x 25 groups.
    assert.equal(new Set(a.test.map((x) => x.label)).size, 11);
  });

  it('validates its options', () => {
    assert.throws(() => randomSplit(clips, { testFraction: 1 }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'testFraction');
    assert.throws(() => randomSplit(clips, { seed: 0.5 }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'seed');
  });
});

describe('groupSplit', () => {
  const clips = fakeClips(11, 25, (g) => 3 + (g % 5));
  for (const groupKey of ['group', 'class-and-group'] as const) {
    it(`never puts a group on both sides (${groupKey}), seeded, near the fraction`, () => {
      for (const seed of [0, 1, 2, 3]) {
        const split = groupSplit(clips, { seed, groupKey });
        const key = (c: VideoClip) => (groupKey === 'group' ? c.group : `${c.className}/${c.group}`);
        const trainGroups = new Set(split.train.map(key));
        for (const clip of split.test) assert.ok(!trainGroups.has(key(clip)), `group ${key(clip)} on both sides`);
        assert.equal(split.train.length + split.test.length, clips.length);
        const share = split.test.length / clips.length;
        assert.ok(Math.abs(share - 0.2) < 0.04, `test share ${share}`);
        assert.deepEqual(split, groupSplit(clips, { seed, groupKey }));
      }
      assert.notDeepEqual(groupSplit(clips, { seed: 0, groupKey }).test, groupSplit(clips, { seed: 1, groupKey }).test);
    });
  }

  it('treats clips without a group as their own groups and keeps both sides non-empty', () => {
    const ungrouped = fakeClips(2, 1, () => 10).map((c, i) => ({ ...c, path: `${c.path}${i}`, group: null }));
    const split = groupSplit(ungrouped, { seed: 4 });
    assert.equal(split.test.length, 4);
    const two = fakeClips(1, 2, () => 1);
    const tiny = groupSplit(two, { testFraction: 0.1 });
    assert.deepEqual([tiny.train.length, tiny.test.length], [1, 1]);
  });
});
