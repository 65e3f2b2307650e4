import { randomBytes } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertOneOf, assertPositive, assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import { VideoDecodeError } from './errors.js';
import { findFfmpeg, listEncoders } from './find-ffmpeg.js';
import { runFfmpeg } from './run-ffmpeg.js';

export const VIDEO_FORMATS = ['avi', 'mpg', 'mp4', 'mkv'] as const;
/**
 * Containers the generator writes, each with a codec every ffmpeg build has
 * (static builds may lack libx264): avi/mp4/mkv use 'mpeg4' (MPEG-4 part 2,
 * like UCF11's xvid clips), mpg uses 'mpeg1video'.
 */
export type VideoFormat = (typeof VIDEO_FORMATS)[number];

export const VIDEO_CODECS = ['mpeg4', 'mpeg1video', 'mpeg2video'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];

const MUXER: Record<VideoFormat, string> = { avi: 'avi', mpg: 'mpeg', mp4: 'mp4', mkv: 'matroska' };
export const DEFAULT_CODECS: Readonly<Record<VideoFormat, VideoCodec>> = { avi: 'mpeg4', mpg: 'mpeg1video', mp4: 'mpeg4', mkv: 'mpeg4' };
/** ffmpeg -q:v: 1 (best) to 31 (worst). */
export const DEFAULT_QUALITY = 3;
/** The only frame rates MPEG-1/2 video allows. */
export const MPEG_FRAME_RATES: readonly number[] = [24000 / 1001, 24, 25, 30000 / 1001, 30, 50, 60000 / 1001, 60];

export interface EncodeVideoOptions {
  width: number;
  height: number;
  /** Frames per second. For 'mpg' one of MPEG_FRAME_RATES (24, 25, 30, 50, 60, or the NTSC rates). */
  fps: number;
  /** Default: taken from the output file's extension. */
  format?: VideoFormat;
  /** Default: 'mpeg1video' for 'mpg', else 'mpeg4'. mpeg1video/mpeg2video only in 'mpg'. */
  codec?: VideoCodec;
  /** -q:v from 1 (best) to 31. Default: 3. */
  quality?: number;
  /** Default: findFfmpeg(). */
  ffmpegPath?: string;
  /** Default: 120 000 ms. */
  timeoutMs?: number;
}

/**
 * Encodes raw rgb24 frames ([numFrames, height, width, 3] uint8) into a
 * video file by piping them to ffmpeg. Writes a hidden temp file next to
 * the target and renames it, so a crash never leaves a half-written clip
 * under the real name.
 */
export async function encodeVideo(frames: Uint8Array, outPath: string, options: EncodeVideoOptions): Promise<void> {
  const { width, height, fps } = options;
  assertPositiveInteger(width, 'width');
  assertPositiveInteger(height, 'height');
  assertPositive(fps, 'fps');
  if (width % 2 !== 0 || height % 2 !== 0) {
    throw new InvalidArgumentError('width/height', `${width}x${height}`, 'even sizes (yuv420p video needs them)');
  }
  const frameBytes = width * height * 3;
  if (frames.length === 0 || frames.length % frameBytes !== 0) {
    throw new InvalidArgumentError('frames', `${frames.length} bytes`, `a non-zero multiple of ${frameBytes} (${width}x${height} rgb24)`);
  }
  const format = options.format ?? (outPath.split('.').pop()?.toLowerCase() as VideoFormat);
  assertOneOf(format, VIDEO_FORMATS, 'format');
  const codec = options.codec ?? DEFAULT_CODECS[format];
  assertOneOf(codec, VIDEO_CODECS, 'codec');
  if (codec !== 'mpeg4' && format !== 'mpg') throw new InvalidArgumentError('codec', codec, `'mpeg4' for ${format} files`);
  if (format === 'mpg' && !MPEG_FRAME_RATES.some((r) => Math.abs(r - fps) < 1e-3)) {
    throw new InvalidArgumentError('fps', fps, 'an MPEG frame rate for .mpg: 24, 25, 30, 50, 60, 23.976, 29.97 or 59.94');
  }
  const quality = options.quality ?? DEFAULT_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 31) throw new InvalidArgumentError('quality', quality, 'an integer in [1, 31]');
  const ffmpegPath = options.ffmpegPath ?? (await findFfmpeg()).path;

  const tmp = join(dirname(outPath), `.${basename(outPath)}.${randomBytes(4).toString('hex')}.tmp`);
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
    '-an', '-c:v', codec, '-q:v', String(quality), '-pix_fmt', 'yuv420p',
    // Single-threaded encoding gives the same bytes on every run.
    '-threads', '1',
    '-f', MUXER[format], `file:${tmp}`,
  ];
  const run = await runFfmpeg(ffmpegPath, args, { stdin: frames, timeoutMs: options.timeoutMs ?? 120_000, what: outPath });
  if (run.exitCode !== 0 || run.timedOut) {
    await unlink(tmp).catch(() => undefined);
    const why = run.timedOut ? 'ffmpeg timed out while encoding' : `ffmpeg exited with code ${run.exitCode} while encoding`;
    throw new VideoDecodeError(outPath, why, run.exitCode, run.stderrTail);
  }
  await rename(tmp, outPath);
}

/** Throws a clear error when this ffmpeg lacks the codec a format needs. */
export async function assertEncoderAvailable(ffmpegPath: string, codec: VideoCodec): Promise<void> {
  const encoders = await listEncoders(ffmpegPath);
  if (!encoders.has(codec)) {
    throw new InvalidArgumentError('codec', codec, `an encoder this ffmpeg has (${ffmpegPath} lists ${[...encoders].filter((e) => e.startsWith('mpeg')).join(', ') || 'no mpeg encoders'})`);
  }
}
