import { deriveSeed, mulberry32 } from '@tfjs-compress/common';
import type { VideoClip } from './dataset-index.js';
import { ffmpegDecoder, type ClipDecoder, type DecodeSpec } from './decode-clip.js';
import { FfmpegNotFoundError, FfmpegWorkerError } from './errors.js';
import type { EpochSummary } from './epoch-summary.js';
import { FfmpegWorker } from './ffmpeg-worker.js';
import { FrameCache } from './frame-cache.js';
import { gatherFrames, sampleFrameIndices } from './frame-sampler.js';
import { ShortClipReporter } from './clip-reports.js';
import type { StreamSettings, VideoBatchStreamOptions } from './stream-options.js';

/** One clip's sampled uint8 frames, or why it has none. */
export interface Loaded {
  index: number;
  frames?: Uint8Array;
  error?: Error;
  known?: boolean;
}

/**
 * The decode side of a stream: frame cache, then the decoder (ffmpeg in a
 * worker thread unless replaced), then the clip's T frames sampled at once
 * so the full decode can be dropped.
 */
export class ClipLoader {
  readonly cache: FrameCache | undefined;
  /** Undefined when the pipes are read on this thread or the decoder is the user's. */
  readonly worker: FfmpegWorker | undefined;
  private readonly decoder: ClipDecoder;
  private readonly shortClips: ShortClipReporter;

  constructor(
    private readonly settings: StreamSettings,
    private readonly options: VideoBatchStreamOptions,
    /** The stream's record of failed paths, shared so later epochs skip them. */
    private readonly badPaths: ReadonlySet<string>,
  ) {
    this.cache = options.cacheDir !== undefined ? new FrameCache(options.cacheDir) : undefined;
    const thread = settings.decodeThread;
    this.worker = options.decoder === undefined && thread === 'worker' ? new FfmpegWorker({ maxProcesses: settings.concurrency }) : undefined;
    this.decoder = options.decoder ?? ffmpegDecoder({
      ffmpegPath: options.ffmpegPath, timeoutMs: options.timeoutMs, scaleFlags: options.scaleFlags, thread, worker: this.worker,
    });
    this.shortClips = new ShortClipReporter(settings.framesPerClip, options.shortClip, options.onShortClip);
  }

  /** Loads and samples clip `index` of the list; never rejects for a bad clip. */
  async load(clip: VideoClip, index: number, epoch: number, summary: EpochSummary, signal: AbortSignal): Promise<Loaded> {
    if (this.badPaths.has(clip.path) && !this.options.retryBadClips) {
      return { index, error: new Error('failed in an earlier epoch'), known: true };
    }
    const { width, height, framesPerClip } = this.settings;
    const spec: DecodeSpec = { width, height, maxFrames: this.options.maxFrames };
    const started = performance.now();
    try {
      let decoded = this.cache ? await this.cache.get(clip.path, spec) : undefined;
      if (decoded) summary.cacheHits++;
      else {
        summary.decoded++;
        decoded = await this.decoder(clip.path, spec, signal);
        if (decoded.width !== width || decoded.height !== height
          || decoded.data.length !== decoded.numFrames * width * height * 3 || decoded.numFrames < 1) {
          throw new Error(`decoder returned ${decoded.numFrames} frames of ${decoded.width}x${decoded.height}, expected ${width}x${height}`);
        }
        if (this.cache && !signal.aborted) await this.cache.put(clip.path, spec, decoded);
      }
      if (decoded.numFrames < framesPerClip) this.shortClips.report(clip.path, decoded.numFrames);
      // Its own stream per (seed, epoch, clip): the draw does not depend on which decode finished first.
      const sample = sampleFrameIndices(decoded.numFrames, framesPerClip, {
        mode: this.settings.mode,
        rng: mulberry32(deriveSeed(this.settings.seed, epoch, index)),
        shortClip: this.options.shortClip,
        flipProbability: this.options.flipProbability,
      });
      return { index, frames: gatherFrames(decoded.data, width, height, sample) };
    } catch (error) {
      // A missing ffmpeg or a dead worker is not one bad clip: every clip would fail.
      if (FfmpegNotFoundError.isInstance(error) || FfmpegWorkerError.isInstance(error)) throw error;
      return { index, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      summary.loadMs += performance.now() - started;
    }
  }
}
