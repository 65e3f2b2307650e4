import { assertOneOf, InvalidArgumentError, mulberry32, shuffled } from '@tfjs-compress/common';
import type { VideoClip } from './dataset-index.js';

export const DEFAULT_TEST_FRACTION = 0.2;
export const DEFAULT_SPLIT_SEED = 0;

export interface ClipSplit {
  train: VideoClip[];
  test: VideoClip[];
}

export interface RandomSplitOptions {
  /** Share of clips in the test set, in (0, 1). Default: 0.2. */
  testFraction?: number;
  /** Default: 0. */
  seed?: number;
}

export const GROUP_KEYS = ['group', 'class-and-group'] as const;
/**
 * 'group': the group name alone is the unit (UCF101's official splits use
 * group numbers across all classes, and the synthetic generator gives group
 * gg the same style in every class). 'class-and-group': <class>/<group>.
 */
export type GroupKey = (typeof GROUP_KEYS)[number];

export interface GroupSplitOptions extends RandomSplitOptions {
  /** Default: 'group'. */
  groupKey?: GroupKey;
}

function checkCommon(options: RandomSplitOptions): { testFraction: number; seed: number } {
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) {
    throw new InvalidArgumentError('testFraction', testFraction, 'a number in (0, 1)');
  }
  const seed = options.seed ?? DEFAULT_SPLIT_SEED;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
  return { testFraction, seed };
}

/**
 * Seeded random split of clips (the tensor-train paper's 80/20 protocol):
 * round(n * testFraction) clips go to test. Output keeps the input order.
 */
export function randomSplit(clips: readonly VideoClip[], options: RandomSplitOptions = {}): ClipSplit {
  const { testFraction, seed } = checkCommon(options);
  const order = shuffled(clips.map((_, i) => i), mulberry32(seed));
  const testSet = new Set(order.slice(0, Math.round(clips.length * testFraction)));
  return {
    train: clips.filter((_, i) => !testSet.has(i)),
    test: clips.filter((_, i) => testSet.has(i)),
  };
}

/**
 * Seeded split that keeps every group on one side. Groups are shuffled and
 * moved to test until the test share is as close as possible to
 * testFraction (so the share is approximate: groups come whole). Clips
 * without a group count as groups of their own.
 */
export function groupSplit(clips: readonly VideoClip[], options: GroupSplitOptions = {}): ClipSplit {
  const { testFraction, seed } = checkCommon(options);
  const groupKey = options.groupKey ?? 'group';
  assertOneOf(groupKey, GROUP_KEYS, 'groupKey');
  const keyOf = (clip: VideoClip, i: number): string =>
    clip.group === null ? `\u0000clip:${i}` : groupKey === 'group' ? clip.group : `${clip.className}/${clip.group}`;
  const sizes = new Map<string, number>();
  clips.forEach((clip, i) => sizes.set(keyOf(clip, i), (sizes.get(keyOf(clip, i)) ?? 0) + 1));
  const keys = shuffled([...sizes.keys()].sort(), mulberry32(seed));
  const target = clips.length * testFraction;
  const testKeys = new Set<string>();
  let testCount = 0;
  for (const key of keys) {
    const size = sizes.get(key) ?? 0;
    // Add a group when that brings the test count closer to the target.
    if (Math.abs(testCount + size - target) < Math.abs(testCount - target)) {
      testKeys.add(key);
      testCount += size;
    }
  }
  // Never leave a side empty when there are two groups or more.
  if (testKeys.size === 0 && keys.length > 1) testKeys.add(keys[0]);
  if (testKeys.size === keys.length && keys.length > 1) testKeys.delete(keys[keys.length - 1]);
  return {
    train: clips.filter((c, i) => !testKeys.has(keyOf(c, i))),
    test: clips.filter((c, i) => testKeys.has(keyOf(c, i))),
  };
}
