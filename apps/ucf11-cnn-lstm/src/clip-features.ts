import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { epochProgress, isWriteError, killPoint, writeFailure, writeFileAtomic, type Batch, type ClosableSource } from '@tfjs-compress/app-kit';
import { assertPositiveInteger } from '@tfjs-compress/common';
import {
  decodeClip,
  deriveSeed,
  gatherFrames,
  mulberry32,
  sampleFrameIndices,
  shuffled,
  type DecodedClip,
  type FrameSample,
  type VideoClip,
} from '@tfjs-compress/video';
import { FeatureCache, clipIdentity, type ClipIdentity, type FeatureKey } from './feature-cache.js';
import { featuriseClip } from './featurise-clip.js';
import type { FrameFeatureExtractor } from './frame-feature-extractor.js';

/** Frame samplings cached per training clip by default (the test clips have one, the paper's fixed one). */
export const DEFAULT_TRAIN_SAMPLINGS = 4;
/** The file (inside the cache directory) that remembers each clip's frame count, so samplings are known without decoding. */
/** Older caches kept every clip's frame count in this one file: still read. */
export const FRAME_COUNTS_FILE = 'frame-counts.json';
/**
 * One small file per clip with its frame count: several processes filling
 * the same cache (`features --shard i/n`) never write the same file, and a
 * sharded cache is the same, file for file, as one process's.
 */
export const FRAME_COUNTS_DIR = 'frame-counts';

export interface ClipFeaturesOptions {
  /** Frames per clip, T. */
  frames: number;
  /**
   * Training samplings per clip (random stride, start and flip, seeded), >= 1:
   * each epoch picks one of them per clip. More samplings are more
   * augmentation, at the cost of one extraction and one cache entry each.
   * Default: 4 (DEFAULT_TRAIN_SAMPLINGS).
   */
  samplings?: number;
  /** Seed of the samplings and of the epoch order. */
  seed: number;
  /** Progress bar while features are computed. Default: when stderr is a terminal. */
  progress?: boolean;
}

type Mode = 'train' | 'test';

/** Cache entries by state. */
export interface CacheCounts {
  cached: number;
  missing: number;
  corrupt: number;
}

/**
 * Per-clip CNN features through the FeatureCache: each clip is decoded once
 * (at the extractor's input size) per missing entry set, each sampling is
 * featurised once, and every later read (every epoch) is a cache hit, so
 * training epochs cost only the LSTM.
 */
export class ClipFeatures {
  readonly frames: number;
  readonly samplings: number;
  readonly seed: number;
  private readonly counts = new Map<string, number>();

  constructor(
    readonly extractor: FrameFeatureExtractor,
    readonly cache: FeatureCache,
    private readonly options: ClipFeaturesOptions,
  ) {
    assertPositiveInteger(options.frames, 'frames');
    this.frames = options.frames;
    this.samplings = options.samplings ?? DEFAULT_TRAIN_SAMPLINGS;
    assertPositiveInteger(this.samplings, 'samplings');
    this.seed = options.seed;
    const legacy = join(cache.dir, FRAME_COUNTS_FILE);
    if (existsSync(legacy)) {
      for (const [k, n] of Object.entries(JSON.parse(readFileSync(legacy, 'utf8')) as Record<string, number>)) this.counts.set(k, n);
    }
  }

  /** Samplings a clip has in `mode`: `samplings` for training, 1 for test. */
  samplingsOf(mode: Mode): number {
    return mode === 'train' ? this.samplings : 1;
  }

  /** Sampling `index` of a clip with `numFrames` frames: seeded per clip path and index (train), fixed (test). */
  sampling(clip: ClipIdentity, numFrames: number, mode: Mode, index: number): FrameSample {
    if (mode === 'test') return sampleFrameIndices(numFrames, this.frames, { mode: 'test' });
    return sampleFrameIndices(numFrames, this.frames, { mode: 'train', rng: mulberry32(deriveSeed(this.seed, hashString(clip.path), index)) });
  }

  /**
   * Computes every missing entry of `clips` (all samplings of `mode`), with a
   * progress bar; returns how many entries were computed.
   */
  async prepare(clips: readonly VideoClip[], mode: Mode, log: (line: string) => void = console.log): Promise<number> {
    const bar = epochProgress(`features (${mode})`, clips.length, this.options.progress);
    let computed = 0;
    const started = performance.now();
    for (const clip of clips) {
      let decoded: DecodedClip | null = null;
      for (let s = 0; s < this.samplingsOf(mode); s++) {
        await this.read(clip, mode, s, async (path) => {
          computed++;
          decoded ??= await this.decode(path);
          return decoded;
        });
      }
      bar.tick({ loss: 0, accuracy: 0 });
    }
    bar.stop();
    if (computed > 0) {
      const seconds = (performance.now() - started) / 1000;
      log(`features: ${computed} clip samplings (${mode}) extracted in ${seconds.toFixed(1)} s into ${this.cache.dir}`);
    }
    return computed;
  }

  /**
   * How many entries of `clips` (every sampling of `mode`) the cache holds,
   * lacks, or holds damaged (a bad checksum or length: recomputed when read).
   * Nothing is decoded or computed.
   */
  async status(clips: readonly VideoClip[], mode: Mode): Promise<CacheCounts> {
    const counts: CacheCounts = { cached: 0, missing: 0, corrupt: 0 };
    for (const clip of clips) {
      const one = await this.clipStatus(clip, mode);
      counts.cached += one.cached;
      counts.missing += one.missing;
      counts.corrupt += one.corrupt;
    }
    return counts;
  }

  /**
   * The entries of one clip (every sampling of `mode`): cached, missing or
   * damaged. `verify: false` only looks for the files (a damaged one counts
   * as cached; reading it later recomputes it), so a check before training
   * does not read every entry twice.
   */
  async clipStatus(clip: VideoClip, mode: Mode, { verify = true }: { verify?: boolean } = {}): Promise<CacheCounts> {
    const counts: CacheCounts = { cached: 0, missing: 0, corrupt: 0 };
    const shape = [this.frames, this.extractor.featureSize];
    const identity = await clipIdentity(clip.path);
    const numFrames = this.countOf(`${identity.path}|${identity.size}|${identity.mtimeMs}`);
    if (numFrames == null) return { ...counts, missing: this.samplingsOf(mode) };
    for (let s = 0; s < this.samplingsOf(mode); s++) {
      const sample = this.sampling(identity, numFrames, mode, s);
      const key: FeatureKey = { extractorId: this.extractor.id, clip: identity, sampling: { frameIndices: sample.indices, flip: sample.flip } };
      if (!existsSync(this.cache.pathFor(key))) counts.missing++;
      else if (!verify || (await this.cache.get(key, shape))) counts.cached++;
      else counts.corrupt++;
    }
    return counts;
  }

  /** Features [frames * featureSize] of sampling `index` of `clip`, from the cache or computed (and cached). */
  async read(clip: VideoClip, mode: Mode, index: number, decode?: (path: string) => Promise<DecodedClip>): Promise<Float32Array> {
    const identity = await clipIdentity(clip.path);
    const countKey = `${identity.path}|${identity.size}|${identity.mtimeMs}`;
    let decoded: DecodedClip | null = null;
    const getDecoded = async () => (decoded ??= await (decode ?? ((p) => this.decode(p)))(identity.path));
    let numFrames = this.countOf(countKey);
    if (numFrames == null) {
      numFrames = (await getDecoded()).numFrames;
      this.counts.set(countKey, numFrames);
      await writeFileAtomic(this.countFile(countKey), `${numFrames}\n`);
    }
    const sample = this.sampling(identity, numFrames, mode, index);
    const key: FeatureKey = { extractorId: this.extractor.id, clip: identity, sampling: { frameIndices: sample.indices, flip: sample.flip } };
    const shape = [this.frames, this.extractor.featureSize];
    let computed = false;
    const entry = await this.cache.getOrCompute(key, async () => {
      computed = true;
      const clipFrames = await getDecoded();
      const pixels = gatherFrames(clipFrames.data, clipFrames.width, clipFrames.height, sample);
      return { data: await featuriseClip(this.extractor, pixels), shape };
    }, shape).catch((error: unknown) => {
      if (!isWriteError(error)) throw error;
      throw writeFailure('features to the cache', this.cache.dir, error, 'The entries already written are kept and later runs skip them: make room, then run again (train --resume).');
    });
    if (computed) killPoint('feature-written');
    return entry.data;
  }

  /** A batch source over `clips`: [B, T, F] features and integer labels; training epochs shuffle and pick a sampling per clip. */
  source(clips: readonly VideoClip[], mode: Mode, batchSize: number): ClosableSource {
    assertPositiveInteger(batchSize, 'batchSize');
    return {
      batchesPerEpoch: Math.ceil(clips.length / batchSize),
      batches: (epoch: number) => this.batches(clips, mode, batchSize, epoch),
      close: async () => undefined,
    };
  }

  private async *batches(clips: readonly VideoClip[], mode: Mode, batchSize: number, epoch: number): AsyncIterable<Batch> {
    const featureSize = this.extractor.featureSize;
    const rng = mulberry32(deriveSeed(this.seed, 0x5eed, epoch));
    const order = mode === 'train' ? shuffled(clips, rng) : clips;
    for (let start = 0; start < order.length; start += batchSize) {
      const part = order.slice(start, start + batchSize);
      const values = new Float32Array(part.length * this.frames * featureSize);
      for (const [i, clip] of part.entries()) {
        const sampling = mode === 'train' ? Math.floor(rng.next() * this.samplings) : 0;
        values.set(await this.read(clip, mode, sampling), i * this.frames * featureSize);
      }
      const labels = Int32Array.from(part, (c) => c.label);
      yield { xs: tf.tensor3d(values, [part.length, this.frames, featureSize]), ys: tf.tensor1d(labels, 'int32'), labels, size: part.length };
    }
  }

  private decode(path: string): Promise<DecodedClip> {
    return decodeClip(path, { width: this.extractor.inputWidth, height: this.extractor.inputHeight });
  }

  /** The clip's frame count as this process or any other recorded it (null: never decoded). */
  private countOf(countKey: string): number | undefined {
    const known = this.counts.get(countKey);
    if (known != null) return known;
    const file = this.countFile(countKey);
    if (!existsSync(file)) return undefined;
    const count = Number(readFileSync(file, 'utf8'));
    if (!(Number.isInteger(count) && count > 0)) return undefined; // unreadable: decode again
    this.counts.set(countKey, count);
    return count;
  }

  private countFile(countKey: string): string {
    return join(this.cache.dir, FRAME_COUNTS_DIR, `${createHash('sha256').update(countKey).digest('hex').slice(0, 32)}.txt`);
  }
}

/** A 32-bit FNV-1a hash (a clip's path seeds its samplings, so they do not depend on the clip order). */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
