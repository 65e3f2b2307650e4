import type { RunSplit } from '@tfjs-compress/app-kit';
import type { VideoClip } from '@tfjs-compress/video';
import type { ClipFeatures } from './clip-features.js';

/**
 * What `train` does when the feature cache lacks entries of the run's clips:
 * 'extract' computes them (the run's own cache), 'fail' refuses to start
 * (a shared cache that `features --shard` jobs were meant to fill), 'skip'
 * trains and tests without those clips (counted).
 */
export const MISSING_FEATURES = ['extract', 'fail', 'skip'] as const;
export type MissingFeatures = (typeof MISSING_FEATURES)[number];

/** The policy in force: the one asked for, else 'fail' on a cache given with --cache-dir and 'extract' on the run's own. */
export function missingFeaturesOf(o: { missingFeatures?: MissingFeatures; cacheDir?: string }): MissingFeatures {
  return o.missingFeatures ?? (o.cacheDir != null ? 'fail' : 'extract');
}

/**
 * The split `train` will use on this cache. Every clip needs the entries
 * `features` writes: a training clip its training samplings and its test
 * sampling (validation clips are carved from the training clips and judged
 * like test clips), a test clip its test sampling. Only file names are
 * looked at: nothing is decoded or read (a damaged entry is recomputed when
 * training reads it; `features --status` checks the contents).
 */
export async function splitOnCache(
  split: RunSplit<VideoClip>,
  features: ClipFeatures,
  policy: MissingFeatures,
  log: (line: string) => void = console.log,
): Promise<RunSplit<VideoClip>> {
  if (policy === 'extract') return split;
  /** Per clip without all its entries: how many it lacks. */
  const incomplete = new Map<VideoClip, number>();
  const check = async (clip: VideoClip, modes: readonly ('train' | 'test')[]) => {
    let missing = 0;
    for (const mode of modes) missing += (await features.clipStatus(clip, mode, { verify: false })).missing;
    if (missing > 0) incomplete.set(clip, missing);
  };
  for (const clip of split.train) await check(clip, ['train', 'test']);
  for (const clip of split.test) await check(clip, ['test']);
  if (incomplete.size === 0) return split;

  const clips = split.train.length + split.test.length;
  const missing = [...incomplete.values()].reduce((n, m) => n + m, 0);
  const first = [...incomplete.keys()][0].path;
  const summary = `the feature cache ${features.cache.dir} lacks entries of ${incomplete.size} of ${clips} clips (${missing} missing; first: ${first})`;
  if (policy === 'fail') {
    throw new Error(
      `${summary}. Finish it with the features command (rerun the shards that did not finish: finished entries are skipped; ` +
        `--status counts what is there), or pass --missing-features extract to compute them here, or --missing-features skip to train without those clips.`,
    );
  }
  const kept = (clipsOf: readonly VideoClip[]) => clipsOf.filter((c) => !incomplete.has(c));
  const train = kept(split.train);
  const test = kept(split.test);
  if (train.length === 0) throw new Error(`${summary}: no training clip has all its entries, so --missing-features skip leaves nothing to train on.`);
  log(`features: ${summary}; skipping them (--missing-features skip): ${train.length} training and ${test.length} test clips left`);
  return { ...split, train, test };
}
