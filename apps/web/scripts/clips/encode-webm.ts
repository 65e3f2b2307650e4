/**
 * Re-encodes a clip as VP8 WebM at the model's frame size, for a browser's
 * `<video>`: every browser decodes VP8, and the page then draws frames at
 * their own size (no scaling in the browser).
 */
import { findFfmpeg, runFfmpeg } from '@tfjs-compress/video';

export interface WebmOptions {
  width: number;
  height: number;
  fps: number;
}

export async function encodeWebm(source: string, target: string, options: WebmOptions): Promise<void> {
  const { path: ffmpeg } = await findFfmpeg();
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-i', `file:${source}`,
    '-an', '-sn',
    // The same resize filter as training's decoder (a no-op when the source is already this size).
    '-vf', `scale=${options.width}:${options.height}:flags=area,fps=${options.fps}`,
    '-c:v', 'libvpx', '-pix_fmt', 'yuv420p',
    // Near-lossless: the page and Node read the same file, this only keeps it close to the training clips.
    '-crf', '4', '-b:v', '2M', '-qmin', '0', '-qmax', '8',
    // One packet per shown frame (no hidden alt-ref frames), one thread and bitexact muxing: the same bytes on every build.
    '-auto-alt-ref', '0', '-threads', '1', '-fflags', '+bitexact', '-flags:v', '+bitexact',
    '-f', 'webm', `file:${target}`,
  ];
  const run = await runFfmpeg(ffmpeg, args, { timeoutMs: 60_000, what: source });
  if (run.exitCode !== 0) throw new Error(`ffmpeg could not encode ${source} as VP8 WebM (exit ${run.exitCode}): ${run.stderrTail.trim()}`);
}
