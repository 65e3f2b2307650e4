import { setMaxListeners } from 'node:events';
import type * as tf from '@tensorflow/tfjs-core';
import { assertBoolean, assertOneOf, assertPositiveInteger, InvalidArgumentError, deriveSeed, mulberry32, shuffled } from '@tfjs-compress/common';
import { BATCH_LAYOUTS, LABEL_ENCODINGS, toBatchTensors, type BatchLayout, type LabelEncoding } from './batch-tensors.js';
import type { VideoClip } from './dataset-index.js';
import { DECODE_THREADS, ffmpegDecoder, type ClipDecoder, type DecodeSpec, type DecodeThread, type ScaleFlags } from './decode-clip.js';
import { FfmpegNotFoundError, FfmpegWorkerError, VideoDecodeError } from './errors.js';
import { FfmpegWorker } from './ffmpeg-worker.js';
import { FrameCache } from './frame-cache.js';
import { DEFAULT_CONCURRENCY } from './run-ffmpeg.js';
import { DEFAULT_SHORT_CLIP_POLICY, gatherFrames, SAMPLING_MODES, sampleFrameIndices, type SamplingMode, type ShortClipPolicy } from './frame-sampler.js';
import { normalizationTable, type Normalization } from './normalization.js';

export const DEFAULT_BATCH_SIZE = 16;
/** Frames per clip of the paper's end-to-end setup. */
export const DEFAULT_FRAMES_PER_CLIP = 8;
/** The paper's frame size, 160 x 120. */
export const DEFAULT_WIDTH = 160;
export const DEFAULT_HEIGHT = 120;
export const DEFAULT_PREFETCH_BATCHES = 2;
export const DEFAULT_SEED = 0;

/** One training batch. The caller owns (and must dispose) xs and ys. */
export interface VideoBatch {
  /** [B, T, H*W*3] ('flat') or [B, T, H, W, 3] ('frames'), float32. */
  xs: tf.Tensor;
  /** [B, numClasses] one-hot float32, or [B] int32 class indices. */
  ys: tf.Tensor;
  labels: Int32Array;
  paths: string[];
  size: number;
}

export interface BadClip {
  path: string;
  error: Error;
  epoch: number;
  /** True when the clip failed in an earlier epoch and was not tried again. */
  known: boolean;
}

export interface EpochSummary {
  epoch: number;
  /** Clips in the list. */
  clips: number;
  /** Clips that made it into a batch. */
  used: number;
  /** Clips skipped as unreadable this epoch. */
  bad: number;
  badClips: BadClip[];
  /** Clips left out because the last batch was incomplete (dropRemainder). */
  dropped: number;
  batches: number;
  /** Clips read from the frame cache. */
  cacheHits: number;
  /** Clips that went through the decoder (ffmpeg unless replaced). */
  decoded: number;
  /** Sum of decoder (or cache read) wall time over clips, in ms; clips overlap, so this can exceed the epoch time. */
  loadMs: number;
  /** Time next() spent waiting for data, in ms: near 0 means decoding kept up with training. */
  waitMs: number;
  /** False when the consumer stopped early. */
  complete: boolean;
}

export interface VideoBatchStreamOptions {
  /** Number of classes for one-hot labels. Default: 1 + the largest label in the clip list. */
  numClasses?: number;
  /** Clips per batch. Default: DEFAULT_BATCH_SIZE (16). */
  batchSize?: number;
  /** Frames sampled per clip, T. Default: DEFAULT_FRAMES_PER_CLIP (8). */
  framesPerClip?: number;
  /** Frame width after resizing. Default: DEFAULT_WIDTH (160). */
  width?: number;
  /** Frame height after resizing. Default: DEFAULT_HEIGHT (120). */
  height?: number;
  /** 'train' (random stride/start/flip) or 'test' (deterministic). Default: 'train'. */
  mode?: SamplingMode;
  /** Shuffle the clip order each epoch. Default: true in 'train' mode, false in 'test'. */
  shuffle?: boolean;
  /** Seeds shuffling and sampling; each (epoch, clip) pair gets its own stream. Default: DEFAULT_SEED (0). */
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
  /** Batches decoded ahead and held in memory (as uint8), K. Default: DEFAULT_PREFETCH_BATCHES (2). */
  prefetchBatches?: number;
  /** Clips decoded at once (separate ffmpeg processes), N. Default: DEFAULT_CONCURRENCY (min(4, cores)). */
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

interface Loaded {
  index: number;
  frames?: Uint8Array;
  error?: Error;
  known?: boolean;
}

interface ReadyBatch {
  frames: Uint8Array;
  labels: Int32Array;
  paths: string[];
}

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
  private readonly shortPaths = new Set<string>();
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
  private readonly decoder: ClipDecoder;
  private readonly worker: FfmpegWorker | undefined;
  private readonly table: Float32Array;
  private nextEpoch = 0;

  constructor(clips: readonly VideoClip[], options: VideoBatchStreamOptions = {}) {
    if (!Array.isArray(clips)) throw new InvalidArgumentError('clips', clips, 'an array of clips');
    this.clips = clips.slice();
    this.options = { ...options };
    this.numClasses = options.numClasses ?? 1 + clips.reduce((m, c) => Math.max(m, c.label), -1);
    assertPositiveInteger(this.numClasses, 'numClasses');
    for (const clip of clips) {
      if (!Number.isInteger(clip.label) || clip.label < 0 || clip.label >= this.numClasses) {
        throw new InvalidArgumentError('clips', `${clip.path} with label ${clip.label}`, `labels in [0, ${this.numClasses})`);
      }
    }
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    assertPositiveInteger(this.batchSize, 'batchSize');
    this.framesPerClip = options.framesPerClip ?? DEFAULT_FRAMES_PER_CLIP;
    assertPositiveInteger(this.framesPerClip, 'framesPerClip');
    this.width = options.width ?? DEFAULT_WIDTH;
    assertPositiveInteger(this.width, 'width');
    this.height = options.height ?? DEFAULT_HEIGHT;
    assertPositiveInteger(this.height, 'height');
    this.mode = options.mode ?? 'train';
    assertOneOf(this.mode, SAMPLING_MODES, 'mode');
    this.shuffle = options.shuffle ?? this.mode === 'train';
    assertBoolean(this.shuffle, 'shuffle');
    this.seed = options.seed ?? DEFAULT_SEED;
    if (!Number.isInteger(this.seed)) throw new InvalidArgumentError('seed', this.seed, 'an integer');
    this.prefetchBatches = options.prefetchBatches ?? DEFAULT_PREFETCH_BATCHES;
    assertPositiveInteger(this.prefetchBatches, 'prefetchBatches');
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    assertPositiveInteger(this.concurrency, 'concurrency');
    this.dropRemainder = options.dropRemainder ?? false;
    assertBoolean(this.dropRemainder, 'dropRemainder');
    if (options.maxFrames !== undefined) assertPositiveInteger(options.maxFrames, 'maxFrames');
    if (options.decodeThread !== undefined) assertOneOf(options.decodeThread, DECODE_THREADS, 'decodeThread');
    // Fail on bad sampling options now rather than on the first clip.
    sampleFrameIndices(this.framesPerClip, this.framesPerClip, {
      mode: 'test', shortClip: options.shortClip, flipProbability: options.flipProbability,
    });
    this.table = normalizationTable(options.normalization);
    if (options.layout !== undefined) assertOneOf(options.layout, BATCH_LAYOUTS, 'layout');
    if (options.labelEncoding !== undefined) assertOneOf(options.labelEncoding, LABEL_ENCODINGS, 'labelEncoding');
    this.cache = options.cacheDir !== undefined ? new FrameCache(options.cacheDir) : undefined;
    const thread = options.decodeThread ?? 'worker';
    this.worker = options.decoder === undefined && thread === 'worker' ? new FfmpegWorker({ maxProcesses: this.concurrency }) : undefined;
    this.decoder = options.decoder ?? ffmpegDecoder({
      ffmpegPath: options.ffmpegPath, timeoutMs: options.timeoutMs, scaleFlags: options.scaleFlags, thread, worker: this.worker,
    });
    this.lookahead = this.worker ? this.concurrency + this.batchSize : this.concurrency;
  }

  /**
   * Stops the decode worker thread. Optional: an idle worker does not keep
   * the process alive. A later epoch starts a new one.
   */
  async close(): Promise<void> {
    await this.worker?.close();
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
  async load(index: number, epoch: number, summary: EpochSummary, signal: AbortSignal): Promise<Loaded> {
    const clip = this.clips[index];
    if (this.badPaths.has(clip.path) && !this.options.retryBadClips) {
      return { index, error: new Error('failed in an earlier epoch'), known: true };
    }
    const spec: DecodeSpec = { width: this.width, height: this.height, maxFrames: this.options.maxFrames };
    const started = performance.now();
    try {
      let decoded = this.cache ? await this.cache.get(clip.path, spec) : undefined;
      if (decoded) summary.cacheHits++;
      else {
        summary.decoded++;
        decoded = await this.decoder(clip.path, spec, signal);
        if (decoded.width !== this.width || decoded.height !== this.height
          || decoded.data.length !== decoded.numFrames * this.width * this.height * 3 || decoded.numFrames < 1) {
          throw new Error(`decoder returned ${decoded.numFrames} frames of ${decoded.width}x${decoded.height}, expected ${this.width}x${this.height}`);
        }
        if (this.cache && !signal.aborted) await this.cache.put(clip.path, spec, decoded);
      }
      if (decoded.numFrames < this.framesPerClip) this.reportShort(clip.path, decoded.numFrames);
      const sample = sampleFrameIndices(decoded.numFrames, this.framesPerClip, {
        mode: this.mode,
        rng: mulberry32(deriveSeed(this.seed, epoch, index)),
        shortClip: this.options.shortClip,
        flipProbability: this.options.flipProbability,
      });
      return { index, frames: gatherFrames(decoded.data, this.width, this.height, sample) };
    } catch (error) {
      // A missing ffmpeg or a dead worker is not one bad clip: every clip would fail.
      if (FfmpegNotFoundError.isInstance(error) || FfmpegWorkerError.isInstance(error)) throw error;
      return { index, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      summary.loadMs += performance.now() - started;
    }
  }

  /** @internal */
  reportBad(bad: BadClip): void {
    this.badPaths.add(bad.path);
    if (bad.known) return; // reported when it first failed
    const report = this.options.onBadClip ?? ((b: BadClip) => {
      console.warn(`[@tfjs-compress/video] skipping unreadable clip ${b.path}: ${describeBadClip(b.error)}`);
    });
    try {
      report(bad);
    } catch (error) {
      console.warn(`[@tfjs-compress/video] onBadClip threw for ${bad.path}: ${String(error)}`);
    }
  }

  private reportShort(path: string, numFrames: number): void {
    if (this.shortPaths.has(path)) return;
    this.shortPaths.add(path);
    const how = (this.options.shortClip ?? DEFAULT_SHORT_CLIP_POLICY) === 'loop' ? 'its frames are looped' : 'its last frame is repeated';
    const report = this.options.onShortClip ?? ((p: string, n: number) => {
      console.warn(`[@tfjs-compress/video] clip ${p} has ${n} frame${n === 1 ? '' : 's'}, fewer than the ${this.framesPerClip} a sample takes: ${how}`);
    });
    report(path, numFrames);
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

/** Wakes one waiter; used for the producer/consumer hand-off. */
class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** One epoch of a VideoBatchStream, an async iterator of VideoBatch. */
export class EpochIterator implements AsyncIterableIterator<VideoBatch> {
  /** Live counters; final once the iterator is done. */
  readonly summary: EpochSummary;

  private readonly stream: VideoBatchStream;
  private readonly queue: ReadyBatch[] = [];
  private readonly abort = new AbortController();
  private readonly changed = new Signal();
  private producer: Promise<void> | undefined;
  private finished = false;
  private stopped = false;
  private failure: unknown;

  constructor(stream: VideoBatchStream, epoch: number) {
    this.stream = stream;
    // Every in-flight decode listens for the stop signal.
    setMaxListeners(0, this.abort.signal);
    this.summary = {
      epoch, clips: stream.clips.length, used: 0, bad: 0, badClips: [], dropped: 0, batches: 0,
      cacheHits: 0, decoded: 0, loadMs: 0, waitMs: 0, complete: false,
    };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<VideoBatch>> {
    if (this.stopped) return { value: undefined, done: true };
    this.producer ??= this.produce();
    const waitStart = performance.now();
    while (this.queue.length === 0 && !this.finished) await this.changed.wait();
    this.summary.waitMs += performance.now() - waitStart;
    const ready = this.queue.shift();
    this.changed.notify();
    if (!ready) {
      this.end(this.failure === undefined);
      if (this.failure !== undefined) throw this.failure;
      return { value: undefined, done: true };
    }
    const { xs, ys } = this.stream.makeTensors(ready);
    return { value: { xs, ys, labels: ready.labels, paths: ready.paths, size: ready.labels.length }, done: false };
  }

  /** Stops early (a `break` in for-await calls this): kills running ffmpeg processes. */
  async return(): Promise<IteratorResult<VideoBatch>> {
    this.end(false);
    return { value: undefined, done: true };
  }

  private end(complete: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    this.summary.complete = complete;
    this.abort.abort();
    this.queue.length = 0;
    this.changed.notify();
    this.stream.lastSummary = this.summary;
  }

  private async produce(): Promise<void> {
    const s = this.stream;
    const indices = s.clips.map((_, i) => i);
    const order = s.shuffle ? shuffled(indices, mulberry32(deriveSeed(s.seed, this.summary.epoch, 0x5eed))) : indices;
    const clipBytes = s.framesPerClip * s.width * s.height * 3;
    const window: Promise<Loaded>[] = [];
    let position = 0;
    const launch = (): void => {
      while (window.length < s.lookahead && position < order.length) {
        const loading = s.load(order[position++], this.summary.epoch, this.summary, this.abort.signal);
        // Only setup failures reject; they are rethrown when awaited in order.
        loading.catch(() => undefined);
        window.push(loading);
      }
    };
    let frames = new Uint8Array(s.batchSize * clipBytes);
    let labels: number[] = [];
    let paths: string[] = [];
    const flush = async (): Promise<void> => {
      const n = labels.length;
      const ready = { frames: n === s.batchSize ? frames : frames.slice(0, n * clipBytes), labels: Int32Array.from(labels), paths };
      while (this.queue.length >= s.prefetchBatches && !this.stopped) await this.changed.wait();
      if (this.stopped) return;
      this.queue.push(ready);
      this.summary.batches++;
      this.summary.used += n;
      this.changed.notify();
      frames = new Uint8Array(s.batchSize * clipBytes);
      labels = [];
      paths = [];
    };
    try {
      launch();
      while (window.length > 0 && !this.stopped) {
        // Results are taken in list order so batches do not depend on which ffmpeg finishes first.
        const loaded = await (window.shift() as Promise<Loaded>);
        launch();
        if (this.stopped) break;
        const clip = s.clips[loaded.index];
        if (!loaded.frames) {
          const bad: BadClip = { path: clip.path, error: loaded.error ?? new Error('unknown'), epoch: this.summary.epoch, known: loaded.known ?? false };
          this.summary.bad++;
          this.summary.badClips.push(bad);
          s.reportBad(bad);
          continue;
        }
        frames.set(loaded.frames, labels.length * clipBytes);
        labels.push(clip.label);
        paths.push(clip.path);
        if (labels.length === s.batchSize) await flush();
      }
      if (labels.length > 0 && !this.stopped) {
        if (s.dropRemainder) this.summary.dropped += labels.length;
        else await flush();
      }
    } catch (error) {
      this.failure = error;
      this.abort.abort();
      // Let in-flight loads settle so no ffmpeg outlives the epoch.
      await Promise.allSettled(window);
    } finally {
      this.finished = true;
      this.changed.notify();
    }
  }
}

/**
 * Shorthand for one epoch: `for await (const batch of videoBatches(clips, opts)) { ... }`.
 * Use VideoBatchStream directly for several epochs (it remembers bad clips).
 */
export function videoBatches(clips: readonly VideoClip[], options: VideoBatchStreamOptions & { epoch?: number } = {}): EpochIterator {
  return new VideoBatchStream(clips, options).epoch(options.epoch ?? 0);
}

/** Why a clip could not be read, in one line: the reason, and ffmpeg's last word on it when it said one. */
export function describeBadClip(error: Error): string {
  if (!VideoDecodeError.isInstance(error)) return error.message.split('\n')[0];
  let said = error.stderrTail.split('\n').filter((l) => l.trim()).at(-1)?.trim();
  // ffmpeg names the input first ("file:/path/clip.avi: Invalid data ..."): the path is already in the line.
  if (said?.startsWith('file:')) said = said.slice(said.lastIndexOf(': ') + 2);
  return said ? `${error.reason}: ffmpeg said '${said}'` : error.reason;
}
