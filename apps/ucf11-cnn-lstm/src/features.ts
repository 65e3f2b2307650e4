import { describeBackend, selectBackend } from '@tfjs-compress/runtime';
import type { VideoClip } from '@tfjs-compress/video';
import { extractorFromOptions } from './extractor-from-options.js';
import { clipFeaturesOf, splitOf } from './train.js';
import type { CnnLstmTrainOptions } from './options.js';
import { takeShard, type Shard } from '@tfjs-compress/app-kit';

export interface FeaturesOutcome {
  shard: Shard | null;
  /** Clips this process covered, and the cache entries it computed (0 when they were all there). */
  clips: number;
  computed: number;
}

/**
 * `features`: fills the feature cache of a run's clips the way `train` would
 * (every training sampling of the training clips, the test sampling of every
 * clip: validation clips are carved from the training ones), for this
 * process's shard only. Shards share the cache: entries are written
 * atomically under content-addressed names and checked when read, so a
 * killed shard is rerun safely (what it finished is skipped, a half-written
 * entry is never visible).
 */
export async function extractFeatures(o: CnnLstmTrainOptions, shard: Shard | null, log: (line: string) => void = console.log): Promise<FeaturesOutcome> {
  const backend = await selectBackend(o.backend);
  log(describeBackend(backend));
  const extractor = await extractorFromOptions(o);
  try {
    const features = await clipFeaturesOf(o, extractor);
    const split = await splitOf(o);
    const byPath = (clip: VideoClip) => clip.path;
    const train = takeShard(split.train, shard, byPath);
    const all = takeShard([...split.train, ...split.test], shard, byPath);
    log(`features${shard ? ` shard ${shard.index}/${shard.count}` : ''}: ${all.length} of ${split.train.length + split.test.length} clips into ${features.cache.dir}`);
    const computed = (await features.prepare(train, 'train', log)) + (await features.prepare(all, 'test', log));
    return { shard, clips: all.length, computed };
  } finally {
    extractor.dispose();
  }
}

/** `features --status`: entries of the whole run (all shards) cached, missing and corrupt. */
export async function featureStatus(o: CnnLstmTrainOptions, log: (line: string) => void = console.log) {
  await selectBackend(o.backend);
  const extractor = await extractorFromOptions(o);
  try {
    const features = await clipFeaturesOf(o, extractor);
    const split = await splitOf(o);
    const train = await features.status(split.train, 'train');
    const test = await features.status([...split.train, ...split.test], 'test');
    const total = { cached: train.cached + test.cached, missing: train.missing + test.missing, corrupt: train.corrupt + test.corrupt };
    const entries = total.cached + total.missing + total.corrupt;
    log(`features in ${features.cache.dir}: ${total.cached} of ${entries} entries cached, ${total.missing} missing, ${total.corrupt} corrupt` +
      (total.missing + total.corrupt > 0 ? ' (run the missing shards again: finished entries are skipped)' : ' (complete)'));
    return { ...total, entries };
  } finally {
    extractor.dispose();
  }
}
