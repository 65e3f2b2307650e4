import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { InvalidArgumentError } from '@tfjs-compress/common';

/** The clip a cache entry was computed from; a changed size or mtime means a changed clip. */
export interface ClipIdentity {
  /** Absolute path of the clip file. */
  path: string;
  /** File size in bytes. */
  size: number;
  /** Last modification time in ms since the epoch. */
  mtimeMs: number;
}

/** Which frames were featurised: the frame indices in order and whether they were mirrored. */
export interface SamplingSpec {
  frameIndices: readonly number[];
  flip: boolean;
}

/** Everything the cached features depend on. */
export interface FeatureKey {
  /** `FrameFeatureExtractor.id`: model, output, input size, normalisation. */
  extractorId: string;
  clip: ClipIdentity;
  sampling: SamplingSpec;
}

/** A cache entry: row-major values and their shape (usually [T, featureSize]). */
export interface CachedFeatures {
  data: Float32Array;
  shape: number[];
}

export interface FeatureCacheStats {
  /** Reads answered from disk. */
  hits: number;
  /** Reads that found nothing usable (absent, corrupt or of another shape). */
  misses: number;
  /** Entries written. */
  writes: number;
  /** Files that existed but failed validation (truncated, bad checksum, wrong key). */
  corrupt: number;
}

/** File signature ("tfjs features") and format version. */
export const FEATURE_FILE_MAGIC = 0x4a464654; // 'TFFJ' read little-endian
export const FEATURE_FILE_VERSION = 1;
/** Extension of cache entry files. */
export const FEATURE_FILE_EXTENSION = '.f32';
const DIGEST_BYTES = 32;
const MAX_RANK = 8;

/**
 * Bytes one entry of `shape` takes on disk: a header of magic, version,
 * key digest, rank, dims, value count and CRC-32 (52 + 4 x rank bytes), then
 * the float32 values.
 */
export function featureFileBytes(shape: readonly number[]): number {
  return headerBytes(shape.length) + 4 * shape.reduce((a, b) => a * b, 1);
}

/** Disk cost of one clip when `samplingsPerClip` samplings of [frames, featureSize] are cached. */
export function cacheBytesPerClip(frames: number, featureSize: number, samplingsPerClip: number): number {
  return samplingsPerClip * featureFileBytes([frames, featureSize]);
}

/** The ClipIdentity of a file on disk (absolute path, size, mtime). */
export async function clipIdentity(path: string): Promise<ClipIdentity> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => {
    throw new InvalidArgumentError('clip', path, 'an existing clip file');
  });
  return { path: absolute, size: info.size, mtimeMs: info.mtimeMs };
}

/**
 * Per-clip features on disk, one file per FeatureKey under `dir` (named by
 * the SHA-256 of the key, fanned out into 256 sub-folders).
 *
 * Writes go to a uniquely named temporary file that is then renamed over the
 * entry, so readers see the old file, the new file or none, never half a
 * file, and concurrent writers (threads or processes) do not collide. Reads
 * check the header (magic, version, key digest, shape, length) and a CRC-32
 * of the values; anything that fails is a miss, to be recomputed and rewritten.
 */
export class FeatureCache {
  readonly dir: string;
  private readonly counters: FeatureCacheStats = { hits: 0, misses: 0, writes: 0, corrupt: 0 };
  private readonly inFlight = new Map<string, Promise<CachedFeatures>>();

  constructor(dir: string) {
    if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('dir', dir, 'a directory path');
    this.dir = resolve(dir);
  }

  /** A copy of the counters. */
  get stats(): FeatureCacheStats {
    return { ...this.counters };
  }

  /** Reads answered from disk so far. */
  get hits(): number {
    return this.counters.hits;
  }

  /** Hex SHA-256 of the key's canonical JSON. */
  digest(key: FeatureKey): string {
    validateKey(key);
    const canonical = JSON.stringify([
      key.extractorId, key.clip.path, key.clip.size, key.clip.mtimeMs, key.sampling.frameIndices, key.sampling.flip,
    ]);
    return createHash('sha256').update(canonical).digest('hex');
  }

  /** The file an entry lives in. */
  pathFor(key: FeatureKey): string {
    const hex = this.digest(key);
    return join(this.dir, hex.slice(0, 2), `${hex}${FEATURE_FILE_EXTENSION}`);
  }

  /**
   * The entry for `key`, or null on a miss (absent, corrupt, or of a shape
   * other than `expectedShape` when given).
   */
  async get(key: FeatureKey, expectedShape?: readonly number[]): Promise<CachedFeatures | null> {
    const hex = this.digest(key);
    const bytes = await readFile(this.pathForDigest(hex)).catch(() => null);
    if (bytes == null) {
      this.counters.misses++;
      return null;
    }
    const entry = decode(bytes, Buffer.from(hex, 'hex'));
    if (entry == null) this.counters.corrupt++;
    if (entry == null || (expectedShape != null && !sameShape(entry.shape, expectedShape))) {
      this.counters.misses++;
      return null;
    }
    this.counters.hits++;
    return entry;
  }

  /** Stores `data` (row-major, `shape`) for `key`, atomically replacing any previous entry. */
  async put(key: FeatureKey, data: Float32Array, shape: readonly number[]): Promise<void> {
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 32)) {
      throw new InvalidArgumentError('shape', shape, `an array of at most ${MAX_RANK} non-negative integers`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== count) {
      throw new InvalidArgumentError('data', data instanceof Float32Array ? `${data.length} values` : data,
        `a Float32Array of ${count} values (shape [${shape.join(', ')}])`);
    }
    const hex = this.digest(key);
    const path = this.pathForDigest(hex);
    await mkdir(dirname(path), { recursive: true });
    const temporary = temporaryPath(path);
    try {
      await writeFile(temporary, encode(data, shape, Buffer.from(hex, 'hex')));
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    this.counters.writes++;
  }

  /**
   * The cached entry for `key`, or else `compute()`'s result, stored first.
   * Concurrent calls for one key in this process share one computation.
   */
  async getOrCompute(key: FeatureKey, compute: () => CachedFeatures | Promise<CachedFeatures>,
    expectedShape?: readonly number[]): Promise<CachedFeatures> {
    const hex = this.digest(key);
    const pending = this.inFlight.get(hex);
    if (pending != null) return pending;
    const task = (async () => {
      const cached = await this.get(key, expectedShape);
      if (cached != null) return cached;
      const computed = await compute();
      if (expectedShape != null && !sameShape(computed.shape, expectedShape)) {
        throw new InvalidArgumentError('compute', `a result of shape [${computed.shape.join(', ')}]`,
          `features of shape [${expectedShape.join(', ')}]`);
      }
      await this.put(key, computed.data, computed.shape);
      return { data: computed.data, shape: [...computed.shape] };
    })();
    this.inFlight.set(hex, task);
    try {
      return await task;
    } finally {
      this.inFlight.delete(hex);
    }
  }

  private pathForDigest(hex: string): string {
    return join(this.dir, hex.slice(0, 2), `${hex}${FEATURE_FILE_EXTENSION}`);
  }
}

/** A name no other writer (thread, process, or a second call in this one) will pick. */
export function temporaryPath(path: string): string {
  return `${path}.${process.pid}.${randomUUID()}.tmp`;
}

function headerBytes(rank: number): number {
  return 4 + 4 + DIGEST_BYTES + 4 + 4 * rank + 4 + 4;
}

function encode(data: Float32Array, shape: readonly number[], digest: Buffer): Buffer {
  const header = headerBytes(shape.length);
  const out = Buffer.alloc(header + data.byteLength);
  let offset = out.writeUInt32LE(FEATURE_FILE_MAGIC, 0);
  offset = out.writeUInt32LE(FEATURE_FILE_VERSION, offset);
  offset += digest.copy(out, offset);
  offset = out.writeUInt32LE(shape.length, offset);
  for (const d of shape) offset = out.writeUInt32LE(d, offset);
  offset = out.writeUInt32LE(data.length, offset);
  const payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  offset = out.writeUInt32LE(crc32(payload), offset);
  out.set(payload, offset);
  return out;
}

function decode(bytes: Buffer, digest: Buffer): CachedFeatures | null {
  if (bytes.length < headerBytes(0)) return null;
  if (bytes.readUInt32LE(0) !== FEATURE_FILE_MAGIC || bytes.readUInt32LE(4) !== FEATURE_FILE_VERSION) return null;
  if (!bytes.subarray(8, 8 + DIGEST_BYTES).equals(digest)) return null;
  let offset = 8 + DIGEST_BYTES;
  const rank = bytes.readUInt32LE(offset);
  offset += 4;
  if (rank > MAX_RANK || bytes.length < headerBytes(rank)) return null;
  const shape: number[] = [];
  for (let i = 0; i < rank; i++, offset += 4) shape.push(bytes.readUInt32LE(offset));
  const count = bytes.readUInt32LE(offset);
  const checksum = bytes.readUInt32LE(offset + 4);
  offset += 8;
  if (count !== shape.reduce((a, b) => a * b, 1) || bytes.length !== offset + 4 * count) return null;
  const payload = bytes.subarray(offset);
  if (crc32(payload) !== checksum) return null;
  // Copy: the payload's offset inside the file buffer need not be 4-byte aligned.
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(payload);
  return { data, shape };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function validateKey(key: FeatureKey): void {
  if (key == null || typeof key.extractorId !== 'string' || key.extractorId.length === 0) {
    throw new InvalidArgumentError('key.extractorId', key?.extractorId, 'a non-empty extractor id');
  }
  const clip = key.clip;
  if (clip == null || typeof clip.path !== 'string' || !Number.isFinite(clip.size) || !Number.isFinite(clip.mtimeMs)) {
    throw new InvalidArgumentError('key.clip', clip, '{ path, size, mtimeMs } (see clipIdentity)');
  }
  const sampling = key.sampling;
  if (sampling == null || !Array.isArray(sampling.frameIndices) || typeof sampling.flip !== 'boolean'
    || !sampling.frameIndices.every((i) => Number.isInteger(i) && i >= 0)) {
    throw new InvalidArgumentError('key.sampling', sampling, '{ frameIndices: non-negative integers, flip: boolean }');
  }
}
