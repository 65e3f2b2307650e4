import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertOneOf, assertPositive, assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import { assertEncoderAvailable, DEFAULT_CODECS, DEFAULT_QUALITY, encodeVideo, VIDEO_FORMATS, type VideoFormat } from './encode-video.js';
import { findFfmpeg } from './find-ffmpeg.js';
import {
  DEFAULT_SYNTHETIC_DIFFICULTY, renderSyntheticClip, SYNTHETIC_DIFFICULTIES, SYNTHETIC_MOTIONS, type SyntheticDifficulty,
} from './synthetic-clip.js';
import { UCF11_CLASSES } from './ucf11-classes.js';
import { DEFAULT_CONCURRENCY } from './run-ffmpeg.js';

export const DEFAULT_SYNTHETIC_GROUPS = 4;
export const DEFAULT_SYNTHETIC_CLIPS_PER_GROUP = 3;
export const DEFAULT_SYNTHETIC_FRAMES = 32;
export const DEFAULT_SYNTHETIC_FPS = 25;
export const DEFAULT_SYNTHETIC_FORMAT: VideoFormat = 'avi';

export interface SyntheticDatasetOptions {
  /** Where to write the tree (created if missing). */
  root: string;
  /** How many of the UCF11 classes (first n), or their names (a subset of UCF11_CLASSES). Default: all 11. */
  classes?: number | readonly string[];
  /** Groups (v_<class>_<gg> folders) per class; group gg has the same style in every class. Default: 4. */
  groupsPerClass?: number;
  /** Clips per group. Default: 3. */
  clipsPerGroup?: number;
  /** Frames per clip. Default: 32. */
  framesPerClip?: number;
  /** Even. Default: 160 (the paper's frame width). */
  width?: number;
  /** Even. Default: 120. */
  height?: number;
  /** Default: 25 (a legal MPEG rate, so every format works). */
  fps?: number;
  /** Container: 'avi' (mpeg4), 'mpg' (mpeg1video), 'mp4' or 'mkv' (mpeg4). Default: 'avi'. */
  format?: VideoFormat;
  /** ffmpeg -q:v, 1 (best) to 31. Default: 3. */
  quality?: number;
  /** Object size and contrast, background contrast, noise, distractors. Default: 'normal'. */
  difficulty?: SyntheticDifficulty;
  /** Default: 0. */
  seed?: number;
  /** ffmpeg encoders run at once. Default: min(4, cores). */
  concurrency?: number;
  /** Put the tree under <root>/<topFolder>/ (as some UCF11 copies are). Default: none. */
  topFolder?: string;
  /** Default: findFfmpeg(). */
  ffmpegPath?: string;
  /** Called after each written clip. */
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticClipFile {
  path: string;
  className: string;
  label: number;
  /** 'gg', two digits, 1-based, as in UCF11. */
  group: string;
  /** sha256 of the raw rgb24 frames before encoding. */
  rawSha256: string;
}

export interface SyntheticDataset {
  /** The dataset root (including topFolder). */
  root: string;
  classes: string[];
  files: SyntheticClipFile[];
  elapsedMs: number;
}

/**
 * Writes a synthetic action dataset of real video files in the UCF11 layout
 * (<root>/<class>/v_<class>_<gg>/v_<class>_<gg>_<cc>.<ext>). Each class is
 * a motion pattern (SYNTHETIC_MOTIONS) that only the order of frames
 * reveals; groups differ in style. Frames are drawn in JS and piped to ffmpeg.
 */
export async function generateSyntheticDataset(options: SyntheticDatasetOptions): Promise<SyntheticDataset> {
  const started = performance.now();
  if (typeof options.root !== 'string' || options.root.length === 0) throw new InvalidArgumentError('root', options.root, 'a directory path');
  const classes = resolveClasses(options.classes);
  const groups = options.groupsPerClass ?? DEFAULT_SYNTHETIC_GROUPS;
  assertPositiveInteger(groups, 'groupsPerClass');
  if (groups > 99) throw new InvalidArgumentError('groupsPerClass', groups, 'at most 99 (two-digit gg)');
  const clips = options.clipsPerGroup ?? DEFAULT_SYNTHETIC_CLIPS_PER_GROUP;
  assertPositiveInteger(clips, 'clipsPerGroup');
  if (clips > 99) throw new InvalidArgumentError('clipsPerGroup', clips, 'at most 99 (two-digit cc)');
  const frames = options.framesPerClip ?? DEFAULT_SYNTHETIC_FRAMES;
  assertPositiveInteger(frames, 'framesPerClip');
  const width = options.width ?? 160;
  const height = options.height ?? 120;
  assertPositiveInteger(width, 'width');
  assertPositiveInteger(height, 'height');
  const fps = options.fps ?? DEFAULT_SYNTHETIC_FPS;
  assertPositive(fps, 'fps');
  const format = options.format ?? DEFAULT_SYNTHETIC_FORMAT;
  assertOneOf(format, VIDEO_FORMATS, 'format');
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  assertPositiveInteger(concurrency, 'concurrency');
  const quality = options.quality ?? DEFAULT_QUALITY;
  const difficulty = options.difficulty ?? DEFAULT_SYNTHETIC_DIFFICULTY;
  assertOneOf(difficulty, SYNTHETIC_DIFFICULTIES, 'difficulty');

  const ffmpegPath = options.ffmpegPath ?? (await findFfmpeg()).path;
  await assertEncoderAvailable(ffmpegPath, DEFAULT_CODECS[format]);
  const root = resolve(options.topFolder ? join(options.root, options.topFolder) : options.root);

  const jobs: { classIndex: number; className: string; label: number; group: number; clip: number; path: string }[] = [];
  classes.forEach((className, label) => {
    const classIndex = UCF11_CLASSES.indexOf(className);
    for (let g = 0; g < groups; g++) {
      const gg = String(g + 1).padStart(2, '0');
      for (let c = 0; c < clips; c++) {
        const cc = String(c + 1).padStart(2, '0');
        const path = join(root, className, `v_${className}_${gg}`, `v_${className}_${gg}_${cc}.${format}`);
        jobs.push({ classIndex, className, label, group: g, clip: c, path });
      }
    }
  });

  const files: SyntheticClipFile[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      const raw = renderSyntheticClip({ classIndex: job.classIndex, group: job.group, clip: job.clip, seed, width, height, frames, difficulty });
      await mkdir(join(job.path, '..'), { recursive: true });
      await encodeVideo(raw, job.path, { width, height, fps, format, quality, ffmpegPath });
      files[i] = {
        path: job.path,
        className: job.className,
        label: job.label,
        group: String(job.group + 1).padStart(2, '0'),
        rawSha256: createHash('sha256').update(raw).digest('hex'),
      };
      options.onProgress?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return { root, classes, files, elapsedMs: performance.now() - started };
}

function resolveClasses(classes: number | readonly string[] | undefined): string[] {
  if (classes === undefined) return UCF11_CLASSES.slice();
  if (typeof classes === 'number') {
    if (!Number.isInteger(classes) || classes < 1 || classes > SYNTHETIC_MOTIONS.length) {
      throw new InvalidArgumentError('classes', classes, `an integer in [1, ${SYNTHETIC_MOTIONS.length}] or a list of UCF11 class names`);
    }
    return UCF11_CLASSES.slice(0, classes);
  }
  if (!Array.isArray(classes) || classes.length === 0 || classes.some((c) => !UCF11_CLASSES.includes(c)) || new Set(classes).size !== classes.length) {
    throw new InvalidArgumentError('classes', classes, `distinct names from ${UCF11_CLASSES.join(', ')}`);
  }
  return classes.slice();
}
