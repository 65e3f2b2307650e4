import { assertBoolean, assertOneOf, assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import { BATCH_LAYOUTS, LABEL_ENCODINGS, type BatchLayout, type LabelEncoding } from './batch-tensors.js';
import type { VideoClip } from './dataset-index.js';
import { DECODE_THREADS, type ClipDecoder, type DecodeThread, type ScaleFlags } from './decode-clip.js';
import type { BadClip } from './clip-reports.js';
import { DEFAULT_CONCURRENCY } from './run-ffmpeg.js';
import { SAMPLING_MODES, sampleFrameIndices, type SamplingMode, type ShortClipPolicy } from './frame-sampler.js';
import { normalizationTable, type Normalization } from './normalization.js';

export const DEFAULT_BATCH_SIZE = 16;
/** Frames per clip of the paper's end-to-end setup. */
export const DEFAULT_FRAMES_PER_CLIP = 8;
/** The paper's frame size, 160 x 120. */
export const DEFAULT_WIDTH = 160;
export const DEFAULT_HEIGHT = 120;
export const DEFAULT_PREFETCH_BATCHES = 2;
export const DEFAULT_SEED = 0;

export interface VideoBatchStreamOptions {
  /** Number of classes for one-hot labels. Default: 1 + the largest label in the clip list. */
  numClasses?: number;
  /** Clips per batch. Default: 16. */
  batchSize?: number;
  /** Frames sampled per clip, T. Default: 8. */
  framesPerClip?: number;
  /** Frame width after resizing. Default: 160. */
  width?: number;
  /** Frame height after resizing. Default: 120. */
  height?: number;
  /** 'train' (random stride/start/flip) or 'test' (deterministic). Default: 'train'. */
  mode?: SamplingMode;
  /** Shuffle the clip order each epoch. Default: true in 'train' mode, false in 'test'. */
  shuffle?: boolean;
  /** Seeds shuffling and sampling; each (epoch, clip) pair gets its own stream. Default: 0. */
  seed?: number;
  /** Horizontal flip chance in 'train' mode. Default: 0.5. */
  flipProbability?: number;
  /** Clips shorter than T frames: 'loop' or 'pad-last'. Default: 'loop'. */
  shortClip?: ShortClipPolicy;
  /** Default: 'flat' ([B, T, H*W*3]). */
  layout?: BatchLayout;
  /** Default: 'imagenet'. */
  normalization?: Normalization;
  /** Default: 'one-hot'. */
  labelEncoding?: LabelEncoding;
  /** Batches decoded ahead and held in memory (as uint8), K. Default: 2. */
  prefetchBatches?: number;
  /** Clips decoded at once (separate ffmpeg processes), N. Default: min(4, cores). */
  concurrency?: number;
  /** Leave out a last, incomplete batch. Default: false. */
  dropRemainder?: boolean;
  /** Directory of the on-disk frame cache; later epochs then skip ffmpeg. Default: no cache. */
  cacheDir?: string;
  /** Decode at most this many frames per clip (bounds memory for long clips). Default: all. */
  maxFrames?: number;
  /** Replaces ffmpeg (tests, custom pools). Default: ffmpegDecoder({ ffmpegPath, timeoutMs, scaleFlags, thread }). */
  decoder?: ClipDecoder;
  /** Default: findFfmpeg(). */
  ffmpegPath?: string;
  /** Per-clip decode timeout. Default: 60 000 ms. */
  timeoutMs?: number;
  /** Default: 'area'. */
  scaleFlags?: ScaleFlags;
  /**
   * Thread that reads the ffmpeg pipes. 'worker' keeps decoding while a
   * synchronous training step blocks this thread. Default: 'worker'.
   */
  decodeThread?: DecodeThread;
  /** Called for each skipped clip. Default: a console.warn line with the path and reason. */
  onBadClip?: (bad: BadClip) => void;
  /**
   * Called once per clip with fewer frames than T (its frames are looped or
   * the last one repeated, as `shortClip` says). Default: a console.warn line.
   */
  onShortClip?: (path: string, numFrames: number) => void;
  /** Try clips that failed in an earlier epoch again. Default: false (they are skipped and listed as known). */
  retryBadClips?: boolean;
}

/** The options every part of the stream reads, with their defaults filled in. */
export interface StreamSettings {
  numClasses: number;
  batchSize: number;
  framesPerClip: number;
  width: number;
  height: number;
  mode: SamplingMode;
  shuffle: boolean;
  seed: number;
  prefetchBatches: number;
  concurrency: number;
  dropRemainder: boolean;
  decodeThread: DecodeThread;
  /** Byte value -> float, from `normalization`. */
  table: Float32Array;
}

/**
 * Checks the clip list and every option, and fills in the defaults. Checked
 * here, once, so a bad option fails the constructor rather than the first clip.
 */
export function resolveStreamOptions(clips: readonly VideoClip[], options: VideoBatchStreamOptions): StreamSettings {
  if (!Array.isArray(clips)) throw new InvalidArgumentError('clips', clips, 'an array of clips');
  const numClasses = options.numClasses ?? 1 + clips.reduce((m, c) => Math.max(m, c.label), -1);
  assertPositiveInteger(numClasses, 'numClasses');
  for (const clip of clips) {
    if (!Number.isInteger(clip.label) || clip.label < 0 || clip.label >= numClasses) {
      throw new InvalidArgumentError('clips', `${clip.path} with label ${clip.label}`, `labels in [0, ${numClasses})`);
    }
  }
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  assertPositiveInteger(batchSize, 'batchSize');
  const framesPerClip = options.framesPerClip ?? DEFAULT_FRAMES_PER_CLIP;
  assertPositiveInteger(framesPerClip, 'framesPerClip');
  const width = options.width ?? DEFAULT_WIDTH;
  assertPositiveInteger(width, 'width');
  const height = options.height ?? DEFAULT_HEIGHT;
  assertPositiveInteger(height, 'height');
  const mode = options.mode ?? 'train';
  assertOneOf(mode, SAMPLING_MODES, 'mode');
  const shuffle = options.shuffle ?? mode === 'train';
  assertBoolean(shuffle, 'shuffle');
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
  const prefetchBatches = options.prefetchBatches ?? DEFAULT_PREFETCH_BATCHES;
  assertPositiveInteger(prefetchBatches, 'prefetchBatches');
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  assertPositiveInteger(concurrency, 'concurrency');
  const dropRemainder = options.dropRemainder ?? false;
  assertBoolean(dropRemainder, 'dropRemainder');
  if (options.maxFrames !== undefined) assertPositiveInteger(options.maxFrames, 'maxFrames');
  if (options.decodeThread !== undefined) assertOneOf(options.decodeThread, DECODE_THREADS, 'decodeThread');
  // The sampler checks its own options; a dry run surfaces them now.
  sampleFrameIndices(framesPerClip, framesPerClip, {
    mode: 'test', shortClip: options.shortClip, flipProbability: options.flipProbability,
  });
  const table = normalizationTable(options.normalization);
  if (options.layout !== undefined) assertOneOf(options.layout, BATCH_LAYOUTS, 'layout');
  if (options.labelEncoding !== undefined) assertOneOf(options.labelEncoding, LABEL_ENCODINGS, 'labelEncoding');
  return {
    numClasses, batchSize, framesPerClip, width, height, mode, shuffle, seed, prefetchBatches, concurrency, dropRemainder,
    decodeThread: options.decodeThread ?? 'worker', table,
  };
}
