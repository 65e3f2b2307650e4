import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { ClipDecoder, DecodedClip, DecodeSpec } from './decode-clip.js';

const MAGIC = Buffer.from('TFCVFRM1', 'ascii');
const HEADER_BYTES = 24;
/** Bump when the file format or the decode pipeline changes meaning. */
const FORMAT_VERSION = 1;

export interface FrameCacheStats {
  hits: number;
  misses: number;
  writes: number;
  /** Cache files that were present but unusable (half-written, wrong size, bad header): ignored. */
  rejected: number;
  /** Failed writes (the cache is best effort: decoding still succeeds). */
  writeErrors: number;
}

/**
 * On-disk cache of decoded, resized frames (uint8) so later epochs skip
 * ffmpeg. Keyed by absolute path, mtime, size and the decode spec, so an
 * edited clip or another resolution misses. Files are written to a temp
 * name and renamed, so readers see whole files or none; a file that does
 * not check out anyway (size, header) is ignored and rewritten.
 */
export class FrameCache {
  readonly dir: string;
  readonly stats: FrameCacheStats = { hits: 0, misses: 0, writes: 0, rejected: 0, writeErrors: 0 };

  constructor(dir: string) {
    if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('cacheDir', dir, 'a directory path');
    this.dir = resolve(dir);
  }

  /** The cache file a clip maps to (stats the clip for mtime and size). */
  async fileFor(path: string, spec: DecodeSpec): Promise<string> {
    const abs = resolve(path);
    const info = await stat(abs);
    const key = JSON.stringify([FORMAT_VERSION, abs, info.mtimeMs, info.size, spec.width, spec.height, spec.maxFrames ?? 0]);
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.frames`);
  }

  async get(path: string, spec: DecodeSpec): Promise<DecodedClip | undefined> {
    let file: string;
    try {
      file = await this.fileFor(path, spec);
    } catch {
      this.stats.misses++;
      return undefined; // unreadable clip: let the decoder report it
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      this.stats.misses++;
      return undefined;
    }
    const clip = parse(bytes, spec);
    if (!clip) {
      this.stats.rejected++;
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return clip;
  }

  /**
   * Reads only some frames of a cached clip: `pick(numFrames)` chooses the
   * frame indices once the cached frame count is known (e.g. test-mode
   * sampling), and only those frames are read from disk. The returned clip
   * holds the picked frames in pick order (frame t of it is frame
   * `indices[t]` of the clip). A miss, or a file that does not check out,
   * returns undefined, as `get` does.
   */
  async getFrames(
    path: string,
    spec: DecodeSpec,
    pick: (numFrames: number) => readonly number[],
  ): Promise<{ clip: DecodedClip; indices: number[]; numFrames: number } | undefined> {
    let file: string;
    try {
      file = await this.fileFor(path, spec);
    } catch {
      this.stats.misses++;
      return undefined;
    }
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, 'r');
    } catch {
      this.stats.misses++;
      return undefined;
    }
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
      const { size } = await handle.stat();
      const frameBytes = spec.width * spec.height * 3;
      const numFrames = bytesRead === HEADER_BYTES && header.subarray(0, 8).equals(MAGIC) ? header.readUInt32LE(16) : 0;
      if (numFrames === 0 || header.readUInt32LE(8) !== spec.width || header.readUInt32LE(12) !== spec.height
        || size !== HEADER_BYTES + numFrames * frameBytes) {
        this.stats.rejected++;
        this.stats.misses++;
        return undefined;
      }
      const indices = [...pick(numFrames)];
      if (indices.length === 0 || indices.some((i) => !Number.isInteger(i) || i < 0 || i >= numFrames)) {
        throw new InvalidArgumentError('pick', indices, `frame indices in [0, ${numFrames})`);
      }
      const data = new Uint8Array(indices.length * frameBytes);
      for (const [t, frame] of indices.entries()) {
        const first = indices.indexOf(frame);
        if (first < t) data.copyWithin(t * frameBytes, first * frameBytes, (first + 1) * frameBytes);
        else await handle.read(data, t * frameBytes, frameBytes, HEADER_BYTES + frame * frameBytes);
      }
      this.stats.hits++;
      return { clip: { width: spec.width, height: spec.height, numFrames: indices.length, data }, indices, numFrames };
    } finally {
      await handle.close();
    }
  }

  async put(path: string, spec: DecodeSpec, clip: DecodedClip): Promise<void> {
    const tmp = `${join(this.dir, randomBytes(6).toString('hex'))}.${process.pid}.tmp`;
    try {
      const file = await this.fileFor(path, spec);
      await mkdir(this.dir, { recursive: true });
      const header = Buffer.alloc(HEADER_BYTES);
      MAGIC.copy(header, 0);
      header.writeUInt32LE(clip.width, 8);
      header.writeUInt32LE(clip.height, 12);
      header.writeUInt32LE(clip.numFrames, 16);
      await writeFile(tmp, Buffer.concat([header, clip.data]));
      await rename(tmp, file);
      this.stats.writes++;
    } catch {
      this.stats.writeErrors++;
      await unlink(tmp).catch(() => undefined);
    }
  }
}

function parse(bytes: Buffer, spec: DecodeSpec): DecodedClip | undefined {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) return undefined;
  const width = bytes.readUInt32LE(8);
  const height = bytes.readUInt32LE(12);
  const numFrames = bytes.readUInt32LE(16);
  if (width !== spec.width || height !== spec.height || numFrames === 0) return undefined;
  if (bytes.length !== HEADER_BYTES + numFrames * width * height * 3) return undefined;
  return { width, height, numFrames, data: new Uint8Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, numFrames * width * height * 3) };
}

/** Wraps a decoder with a FrameCache: hits skip the decoder, misses are decoded and stored. */
export function cachedDecoder(decoder: ClipDecoder, cache: FrameCache): ClipDecoder {
  return async (path, spec, signal) => {
    const hit = await cache.get(path, spec);
    if (hit) return hit;
    const clip = await decoder(path, spec, signal);
    await cache.put(path, spec, clip);
    return clip;
  };
}
