import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchSource } from '@tfjs-compress/app-kit';
import type { TrainOptions } from './options.js';
import { runPaths } from './run-files.js';
import {
  SPLIT_KINDS,
  VideoBatchStream,
  generateSyntheticDataset,
  splitDataset,
  type MissingClips,
  type ReadLayout,
  type SplitKind,
  type SyntheticDifficulty,
  type VideoBatchStreamOptions,
  type VideoClip,
} from '@tfjs-compress/video';

export const SPLITS = SPLIT_KINDS;
export type { SplitKind };

export interface DataOptions {
  /** Dataset root (UCF11 layout, one folder per class, or UCF101 / HMDB51 with their split files). */
  data: string;
  layout: ReadLayout;
  split: SplitKind;
  testFraction: number;
  seed: number;
  fold?: number;
  missingClips?: MissingClips;
  /** With the 'official' split: the folder of the split files, when it is not under `data`. */
  splitDir?: string;
}

export interface DatasetSplit {
  classes: string[];
  train: VideoClip[];
  test: VideoClip[];
}

/** Reads the dataset and splits it: 'random' 80/20 clips (seeded), 'group' keeps each group on one side, 'official' reads UCF101's or HMDB51's split files. */
export async function loadSplit(options: DataOptions): Promise<DatasetSplit> {
  const { classes, train, test, notes } = await splitDataset(options.data, options);
  for (const note of notes) console.warn(`data: ${note}`);
  return { classes, train, test };
}

export interface SyntheticSetOptions {
  root: string;
  classes: number;
  groups: number;
  clipsPerGroup: number;
  framesPerClip: number;
  width: number;
  height: number;
  difficulty: SyntheticDifficulty;
  seed: number;
}

/** Markers of a generated set: one written first, one written last (so a half-generated set is generated again). */
const STARTED_MARKER = '.generating';
const DONE_MARKER = '.complete';

/**
 * Generates the synthetic UCF11-style set unless a complete one is there.
 * A directory that holds anything else (e.g. the real UCF11) is used as it
 * is and never written into. Returns true when it generated.
 */
export async function ensureSyntheticSet(options: SyntheticSetOptions, log: (line: string) => void): Promise<boolean> {
  const { mkdir, readdir, writeFile } = await import('node:fs/promises');
  if (existsSync(join(options.root, DONE_MARKER))) return false;
  if (existsSync(options.root) && !existsSync(join(options.root, STARTED_MARKER)) && (await readdir(options.root)).length > 0) {
    log(`${options.root} is not empty and not a generated set: using it as it is`);
    return false;
  }
  log(`generating a synthetic UCF11-style set in ${options.root} ...`);
  await mkdir(options.root, { recursive: true });
  await writeFile(join(options.root, STARTED_MARKER), '');
  const set = await generateSyntheticDataset({
    root: options.root,
    classes: options.classes,
    groupsPerClass: options.groups,
    clipsPerGroup: options.clipsPerGroup,
    framesPerClip: options.framesPerClip,
    width: options.width,
    height: options.height,
    difficulty: options.difficulty,
    seed: options.seed,
  });
  await writeFile(join(options.root, DONE_MARKER), `${set.files.length} clips\n`);
  log(`  ${set.files.length} clips of ${set.classes.length} classes in ${(set.elapsedMs / 1000).toFixed(1)} s`);
  return true;
}

export interface StreamOptions {
  frames: number;
  width: number;
  height: number;
  batchSize: number;
  classes: number;
  seed: number;
  /** Frame cache directory: decoded clips are kept there, so later epochs skip ffmpeg. */
  cacheDir: string;
  concurrency?: number;
}

/** The stream options of a run: its frame size and batch, and its frame cache (<out>/frame-cache unless --cache-dir). */
export function streamOptionsOf(o: TrainOptions, classes: number): StreamOptions {
  return {
    frames: o.frames,
    width: o.width,
    height: o.height,
    batchSize: o.batchSize,
    classes,
    seed: o.seed,
    cacheDir: o.cacheDir ?? join(runPaths(o.out).dir, 'frame-cache'),
    concurrency: o.concurrency,
  };
}

/** A BatchSource over a VideoBatchStream: flat [B, T, H*W*3] frames, integer labels, bounded memory. */
export function videoSource(clips: readonly VideoClip[], mode: 'train' | 'test', options: StreamOptions): BatchSource & { stream: VideoBatchStream } {
  const streamOptions: VideoBatchStreamOptions = {
    numClasses: options.classes,
    batchSize: options.batchSize,
    framesPerClip: options.frames,
    width: options.width,
    height: options.height,
    mode,
    seed: options.seed,
    layout: 'flat',
    labelEncoding: 'index',
    cacheDir: options.cacheDir,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  };
  const stream = new VideoBatchStream(clips, streamOptions);
  return {
    stream,
    get batchesPerEpoch() {
      return stream.batchesPerEpoch;
    },
    async *batches(epoch: number) {
      // Test batches are the same every epoch (deterministic sampling, no shuffle).
      for await (const batch of stream.epoch(mode === 'test' ? 0 : epoch)) {
        yield { xs: batch.xs, ys: batch.ys, labels: batch.labels, size: batch.size };
      }
    },
  };
}

/** `videoSource` with the `close()` app-kit's run commands call when they are done with it. */
export function closableVideoSource(clips: readonly VideoClip[], mode: 'train' | 'test', options: StreamOptions) {
  const source = videoSource(clips, mode, options);
  return Object.assign(source, { close: () => source.stream.close() });
}
