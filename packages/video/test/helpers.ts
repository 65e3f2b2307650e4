import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegDecoder, type ClipDecoder } from '../src/index.js';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp directory, removed when the test process exits. */
export async function tempDir(prefix = 'tfjs-video-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Wraps the ffmpeg decoder, counting calls (each is one ffmpeg spawn) and the most in flight at once. */
export function countingDecoder(inner: ClipDecoder = ffmpegDecoder()): ClipDecoder & { calls: number; maxInFlight: number } {
  let inFlight = 0;
  const decoder = (async (path, spec, signal) => {
    decoder.calls++;
    inFlight++;
    decoder.maxInFlight = Math.max(decoder.maxInFlight, inFlight);
    try {
      return await inner(path, spec, signal);
    } finally {
      inFlight--;
    }
  }) as ClipDecoder & { calls: number; maxInFlight: number };
  decoder.calls = 0;
  decoder.maxInFlight = 0;
  return decoder;
}

/** Frame f: a horizontal gradient whose colour moves with f, so order and content can be checked through a lossy codec. */
export function gradientFrames(width: number, height: number, frames: number): Uint8Array {
  const out = new Uint8Array(frames * width * height * 3);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = ((f * height + y) * width + x) * 3;
        out[i] = 30 + 10 * f + Math.round((40 * x) / width);
        out[i + 1] = 200 - 8 * f;
        out[i + 2] = 60 + Math.round((60 * y) / height);
      }
    }
  }
  return out;
}

/** Mean of each channel of each frame. */
export function channelMeans(data: Uint8Array, width: number, height: number): number[][] {
  const frameBytes = width * height * 3;
  const frames = data.length / frameBytes;
  const out: number[][] = [];
  for (let f = 0; f < frames; f++) {
    const sums = [0, 0, 0];
    for (let i = 0; i < frameBytes; i++) sums[i % 3] += data[f * frameBytes + i];
    out.push(sums.map((s) => s / (width * height)));
  }
  return out;
}
