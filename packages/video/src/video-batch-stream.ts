import type * as tf from '@tensorflow/tfjs-core';
import { toBatchTensors } from './batch-tensors.js';
import type { ReadyBatch } from './batch-assembler.js';
import { ClipLoader, type Loaded } from './clip-loader.js';
import { reportBadClip, type BadClip } from './clip-reports.js';
import type { VideoClip } from './dataset-index.js';
import { EpochIterator } from './epoch-iterator.js';
import type { EpochSummary } from './epoch-summary.js';
import type { FrameCache } from './frame-cache.js';
import type { SamplingMode } from './frame-sampler.js';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { resolveStreamOptions, type VideoBatchStreamOptions } from './stream-options.js';

/**
 * Streams batches of clips with bounded memory: a background producer
 * decodes up to `concurrency` clips at once (separate ffmpeg processes),
 * samples their T frames as soon as this thread sees them (the full decode
 * is then dropped), and keeps at most `prefetchBatches` finished batches
 * (uint8) ahead of the consumer. Memory held: at most `lookahead` decoded
 * clips (cap their length with `maxFrames`), plus K + 1 uint8 batches, plus
 * the batch handed out. Tensors are made only in next(), so stopping early
 * leaks nothing. Unreadable clips are reported and skipped, never thrown.
 */
export class VideoBatchStream {
  readonly clips: readonly VideoClip[];
  readonly numClasses: number;
  readonly batchSize: number;
  readonly framesPerClip: number;
  readonly width: number;
  readonly height: number;
  readonly mode: SamplingMode;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly prefetchBatches: number;
  readonly concurrency: number;
  readonly dropRemainder: boolean;
  readonly cache: FrameCache | undefined;
  /** Paths that failed to decode so far. */
  readonly badPaths = new Set<string>();
  /** Summary of the last epoch that ended (or was stopped). */
  lastSummary: EpochSummary | undefined;

  /**
   * Clips handed to the decoder ahead of the consumer. With the worker
   * thread this is concurrency + batchSize, so a whole batch gets decoded
   * while a synchronous training step blocks this thread (the worker still
   * runs at most `concurrency` ffmpeg processes); else concurrency.
   */
  readonly lookahead: number;

  private readonly options: VideoBatchStreamOptions;
  private readonly loader: ClipLoader;
  private readonly table: Float32Array;
  private nextEpoch = 0;

  constructor(clips: readonly VideoClip[], options: VideoBatchStreamOptions = {}) {
    const settings = resolveStreamOptions(clips, options);
    this.clips = clips.slice();
    this.options = { ...options };
    ({
      numClasses: this.numClasses, batchSize: this.batchSize, framesPerClip: this.framesPerClip, width: this.width, height: this.height,
      mode: this.mode, shuffle: this.shuffle, seed: this.seed, prefetchBatches: this.prefetchBatches, concurrency: this.concurrency,
      dropRemainder: this.dropRemainder, table: this.table,
    } = settings);
    this.loader = new ClipLoader(settings, this.options, this.badPaths);
    this.cache = this.loader.cache;
    this.lookahead = this.loader.worker ? this.concurrency + this.batchSize : this.concurrency;
  }

  /**
   * Stops the decode worker thread. Optional: an idle worker does not keep
   * the process alive. A later epoch starts a new one.
   */
  async close(): Promise<void> {
    await this.loader.worker?.close();
  }

  /** Batches per epoch if no clip is bad. */
  get batchesPerEpoch(): number {
    return this.dropRemainder ? Math.floor(this.clips.length / this.batchSize) : Math.ceil(this.clips.length / this.batchSize);
  }

  /** An iterator over one epoch. Without an argument, epochs count up from 0. */
  epoch(epoch?: number): EpochIterator {
    const e = epoch ?? this.nextEpoch;
    if (!Number.isInteger(e) || e < 0) throw new InvalidArgumentError('epoch', e, 'an integer >= 0');
    this.nextEpoch = e + 1;
    return new EpochIterator(this, e);
  }

  /** @internal Loads and samples one clip; never rejects for a bad clip. */
  load(index: number, epoch: number, summary: EpochSummary, signal: AbortSignal): Promise<Loaded> {
    return this.loader.load(this.clips[index], index, epoch, summary, signal);
  }

  /** @internal */
  reportBad(bad: BadClip): void {
    this.badPaths.add(bad.path);
    if (bad.known) return; // reported when it first failed
    reportBadClip(bad, this.options.onBadClip);
  }

  /** @internal */
  makeTensors(ready: ReadyBatch): { xs: tf.Tensor; ys: tf.Tensor } {
    return toBatchTensors(ready.frames, ready.labels, {
      framesPerClip: this.framesPerClip,
      width: this.width,
      height: this.height,
      numClasses: this.numClasses,
      layout: this.options.layout,
      normalization: this.options.normalization,
      labelEncoding: this.options.labelEncoding,
    }, this.table);
  }
}

/**
 * Shorthand for one epoch: `for await (const batch of videoBatches(clips, opts)) { ... }`.
 * Use VideoBatchStream directly for several epochs (it remembers bad clips).
 */
export function videoBatches(clips: readonly VideoClip[], options: VideoBatchStreamOptions & { epoch?: number } = {}): EpochIterator {
  return new VideoBatchStream(clips, options).epoch(options.epoch ?? 0);
}
