/**
 * A clip's frames as a browser's canvas shows them: ffmpeg decodes the
 * YUV 4:2:0 planes (VP8 decoding is exact, so they are the browser's
 * planes), then the conversion to RGB that Chromium's software canvas
 * applies to a video frame: libyuv's I420ToARGB with BT.601 limited-range
 * constants (`kYuvI601Constants`, the C reference `YuvPixel`: 6-bit fixed
 * point, each chroma sample shared by a 2x2 block). ffmpeg's own rgb24
 * output (swscale) rounds differently, up to 3 levels per byte on these
 * clips; the page test measures both against the page's pixels.
 */
import { findFfmpeg, runFfmpeg, type DecodedClip, type DecodeSpec } from '@tfjs-compress/video';

// libyuv row_common.cc, BT.601 limited range: UB = max(128, round(2.018 * 64)) without LIBYUV_UNLIMITED_DATA.
const UB = 128;
const UG = 25;
const VG = 52;
const VR = 102;
const YG = 18997;
const YB = -1160;
const BB = UB * 128 - YB;
const BG = UG * 128 + VG * 128 + YB;
const BR = VR * 128 - YB;

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** One frame of yuv420p planes to rgb24, as libyuv's C reference computes it. */
export function i420ToRgb(yuv: Uint8Array, width: number, height: number, out: Uint8Array, offset = 0): void {
  const chromaWidth = (width + 1) >> 1;
  const uPlane = width * height;
  const vPlane = uPlane + chromaWidth * ((height + 1) >> 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (y >> 1) * chromaWidth + (x >> 1);
      const u = yuv[uPlane + c];
      const v = yuv[vPlane + c];
      const y1 = (yuv[y * width + x] * 0x0101 * YG) >>> 16;
      const o = offset + (y * width + x) * 3;
      out[o] = clamp((y1 + v * VR - BR) >> 6);
      out[o + 1] = clamp((y1 + BG - (u * UG + v * VG)) >> 6);
      out[o + 2] = clamp((y1 + u * UB - BB) >> 6);
    }
  }
}

/**
 * A `ClipDecoder` for clips already at `spec`'s size (the shipped WebM): no
 * resize, the browser's YUV -> RGB conversion.
 */
export async function decodeLikeBrowser(path: string, spec: DecodeSpec): Promise<DecodedClip> {
  const { width, height } = spec;
  const { path: ffmpeg } = await findFfmpeg();
  // No -vf: the planes stay as decoded (a resize would convert through swscale).
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', `file:${path}`, '-an', '-sn', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'];
  const run = await runFfmpeg(ffmpeg, args, { timeoutMs: 60_000, what: path });
  if (run.exitCode !== 0) throw new Error(`ffmpeg could not decode ${path} (exit ${run.exitCode}): ${run.stderrTail.trim()}`);
  const yuvBytes = width * height + 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
  const numFrames = run.stdout.length / yuvBytes;
  if (!Number.isInteger(numFrames) || numFrames === 0) {
    throw new Error(`${path}: ${run.stdout.length} bytes of yuv420p are not whole ${width}x${height} frames (is the clip at the model's frame size?)`);
  }
  const data = new Uint8Array(numFrames * width * height * 3);
  for (let f = 0; f < numFrames; f++) i420ToRgb(run.stdout.subarray(f * yuvBytes, (f + 1) * yuvBytes), width, height, data, f * width * height * 3);
  return { width, height, numFrames, data };
}
