import { open } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { assertOneOf, assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import { VideoDecodeError } from './errors.js';
import { findFfmpeg } from './find-ffmpeg.js';
import { sharedFfmpegWorker, type FfmpegWorker } from './ffmpeg-worker.js';
import { runFfmpeg } from './run-ffmpeg.js';

/** Frames of one clip, RGB interleaved, frame after frame: [numFrames, height, width, 3] uint8. */
export interface DecodedClip {
  width: number;
  height: number;
  numFrames: number;
  data: Uint8Array;
}

/** What a decoder must produce; also the cache key's resolution part. */
export interface DecodeSpec {
  /** Output width in pixels (the clip is resized, aspect ratio not kept). */
  width: number;
  /** Output height in pixels. */
  height: number;
  /** Decode at most this many frames from the start. Default: all. */
  maxFrames?: number;
}

/**
 * Anything that turns a clip path into frames. The batch iterator takes one,
 * so tests (or a worker pool, or a cache) can stand in for ffmpeg.
 */
export type ClipDecoder = (path: string, spec: DecodeSpec, signal?: AbortSignal) => Promise<DecodedClip>;

export const SCALE_FLAGS = ['bilinear', 'bicubic', 'area', 'neighbor', 'lanczos', 'fast_bilinear'] as const;
export type ScaleFlags = (typeof SCALE_FLAGS)[number];

export const DECODE_THREADS = ['main', 'worker'] as const;
/**
 * Where the ffmpeg pipes are read: 'main' (this thread) or 'worker' (a
 * shared worker thread, so decoding goes on while this thread runs a
 * synchronous training step).
 */
export type DecodeThread = (typeof DECODE_THREADS)[number];

export const DEFAULT_DECODE_TIMEOUT_MS = 60_000;
export const DEFAULT_SCALE_FLAGS: ScaleFlags = 'area';

export interface DecodeClipOptions extends DecodeSpec {
  /** ffmpeg executable. Default: `findFfmpeg()`. */
  ffmpegPath?: string;
  /** Kill ffmpeg and fail after this many ms. Default: 60 s. */
  timeoutMs?: number;
  /** Resampling filter of the resize. Default: 'area' (averages when shrinking, like a box filter). */
  scaleFlags?: ScaleFlags;
  /** Default: 'main' ('worker' when `worker` is given). The batch stream defaults to 'worker'. */
  thread?: DecodeThread;
  /** Worker thread to use for thread 'worker'. Default: one worker thread shared by the process. */
  worker?: FfmpegWorker;
  signal?: AbortSignal;
}

/** Checks a DecodeSpec, naming the bad option. */
export function validateDecodeSpec(spec: DecodeSpec): void {
  assertPositiveInteger(spec.width, 'width');
  assertPositiveInteger(spec.height, 'height');
  if (spec.maxFrames !== undefined) assertPositiveInteger(spec.maxFrames, 'maxFrames');
}

/**
 * Decodes a clip to rgb24 frames at width x height through a pipe
 * (`-f rawvideo -pix_fmt rgb24 pipe:1`). No ffprobe: the frame count is the
 * number of whole frames received. Throws VideoDecodeError (with the tail of
 * ffmpeg's stderr) for unreadable clips, non-zero exits, timeouts and clips
 * with no frames.
 */
/**
 * The clip's size, opened for reading as ffmpeg will open it: a file that
 * is missing or that this user may not read gets its own reason, where
 * ffmpeg would report only its exit code.
 */
async function readableSize(path: string): Promise<number> {
  try {
    const handle = await open(path, 'r');
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'the file does not exist'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied: this user may not read the file (check its mode and owner)'
      : `the file cannot be read (${code ?? String(error)})`;
    throw new VideoDecodeError(path, reason);
  }
}

export async function decodeClip(path: string, options: DecodeClipOptions): Promise<DecodedClip> {
  validateDecodeSpec(options);
  const scaleFlags = options.scaleFlags ?? DEFAULT_SCALE_FLAGS;
  assertOneOf(scaleFlags, SCALE_FLAGS, 'scaleFlags');
  const timeoutMs = options.timeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS;
  assertPositiveInteger(timeoutMs, 'timeoutMs');
  const thread = options.thread ?? (options.worker ? 'worker' : 'main');
  assertOneOf(thread, DECODE_THREADS, 'thread');
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', path, 'a file path');
  // ffmpeg says only "Invalid data found" for these: say what the file is.
  const size = await readableSize(path);
  if (size === 0) throw new VideoDecodeError(path, 'empty file (0 bytes)');
  const ffmpegPath = options.ffmpegPath ?? (await findFfmpeg()).path;
  const { width, height, maxFrames } = options;
  const frameBytes = width * height * 3;

  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // The file: protocol keeps names with ':' or a leading '-' literal.
    '-i', `file:${resolvePath(path)}`,
    '-an', '-sn',
    '-vf', `scale=${width}:${height}:flags=${scaleFlags}`,
    ...(maxFrames !== undefined ? ['-frames:v', String(maxFrames)] : []),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  const runOptions = {
    timeoutMs,
    signal: options.signal,
    maxStdoutBytes: maxFrames !== undefined ? maxFrames * frameBytes : undefined,
    what: path,
  };
  const run = thread === 'worker'
    ? await (options.worker ?? sharedFfmpegWorker()).run(ffmpegPath, args, runOptions)
    : await runFfmpeg(ffmpegPath, args, runOptions);
  if (run.aborted) throw new VideoDecodeError(path, 'decoding aborted');
  if (run.timedOut) throw new VideoDecodeError(path, `ffmpeg timed out after ${timeoutMs} ms`, null, run.stderrTail);
  if (run.exitCode !== 0) {
    const how = run.killedBy ? `was killed by ${run.killedBy}` : `exited with code ${run.exitCode}`;
    throw new VideoDecodeError(path, `ffmpeg ${how}`, run.exitCode, run.stderrTail);
  }
  // A partial last frame means the stream ended mid-frame: drop it.
  const numFrames = Math.floor(run.stdout.length / frameBytes);
  if (numFrames === 0) throw new VideoDecodeError(path, 'no video frames decoded', run.exitCode, run.stderrTail);
  const bytes = run.stdout;
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, numFrames * frameBytes);
  return { width, height, numFrames, data };
}

/** A ClipDecoder backed by ffmpeg with fixed options. */
export function ffmpegDecoder(options: Omit<DecodeClipOptions, keyof DecodeSpec | 'signal'> = {}): ClipDecoder {
  return (path, spec, signal) => decodeClip(path, { ...options, ...spec, signal });
}
