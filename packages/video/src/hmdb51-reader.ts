import { access, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertOneOf, assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import type { VideoClip } from './dataset-index.js';
import { assertDirectory } from './list-dir.js';
import type { SplitDataset } from './ucf101-reader.js';

/** What a reader does with a clip its split files list but the disk does not hold. */
export const MISSING_CLIPS = ['skip', 'error'] as const;
export type MissingClips = (typeof MISSING_CLIPS)[number];

export interface ReadHmdb51Options {
  /** Folder holding `<class>_test_split<k>.txt`. Default: <root>, else <root>/testTrainMulti_7030_splits. */
  splitDir?: string;
  /** Folder holding `<class>/<clip>.avi`. Default: <root>, else <root>/hmdb51_org. */
  videoDir?: string;
  /** Which official split (1, 2 or 3). Default: 1. */
  split?: number;
  /** A listed clip missing on disk: 'skip' it (listed in `missing`) or throw naming it. Default: 'skip'. */
  missingClips?: MissingClips;
}

/** `<class>_test_split<k>.txt`: the class name and the split number. */
const SPLIT_FILE = /^(.+)_test_split(\d+)\.txt$/;

/**
 * Reads HMDB51 from its official split files, one per class and split:
 * `<class>_test_split<k>.txt`, one clip file name and a digit per line: 1
 * training, 2 test, 0 unused in that split. Clips are `<videoDir>/<class>/<name>`.
 * Classes are sorted by name; every class of the split must have its file.
 */
export async function readHmdb51(root: string, options: ReadHmdb51Options = {}): Promise<SplitDataset & { unused: number }> {
  const split = options.split ?? 1;
  assertPositiveInteger(split, 'split');
  const missingClips = options.missingClips ?? 'skip';
  assertOneOf(missingClips, MISSING_CLIPS, 'missingClips');
  const top = resolve(root);
  await assertDirectory(top, 'root');
  const splitDir = await firstDirWith(options.splitDir ? [resolve(options.splitDir)] : [top, join(top, 'testTrainMulti_7030_splits')], (name) => SPLIT_FILE.test(name));
  if (!splitDir) throw new InvalidArgumentError('splitDir', options.splitDir ?? top, 'a folder holding HMDB51 split files <class>_test_split<k>.txt');
  const files = (await readdir(splitDir)).map((name) => ({ name, match: SPLIT_FILE.exec(name) })).filter((f) => f.match && Number(f.match[2]) === split);
  if (files.length === 0) throw new InvalidArgumentError('split', split, `a split with files in ${splitDir} (<class>_test_split${split}.txt)`);
  const classes = files.map((f) => f.match![1]).sort();
  const videoDir = options.videoDir ? resolve(options.videoDir) : await firstDirWith([top, join(top, 'hmdb51_org')], (name) => name === classes[0]);
  if (!videoDir) throw new InvalidArgumentError('videoDir', options.videoDir ?? top, `a folder holding the class folders (${classes[0]}/, ...)`);

  const train: VideoClip[] = [];
  const test: VideoClip[] = [];
  const missing: string[] = [];
  let unused = 0;
  for (const [label, className] of classes.entries()) {
    const file = join(splitDir, `${className}_test_split${split}.txt`);
    const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
    for (const [i, raw] of lines.entries()) {
      const text = raw.trim();
      if (text.length === 0) continue;
      const match = /^(\S+)\s+([012])$/.exec(text);
      if (!match) throw new InvalidArgumentError(`${className}_test_split${split}.txt`, `line ${i + 1}: '${text}'`, "'<clip file name> <0|1|2>' (unused, training, test)");
      if (match[2] === '0') {
        unused++;
        continue;
      }
      const path = join(videoDir, className, match[1]);
      if (!(await exists(path))) {
        if (missingClips === 'error') throw new InvalidArgumentError(`${className}_test_split${split}.txt`, `line ${i + 1}: '${match[1]}'`, `a clip present at ${path}`);
        missing.push(path);
        continue;
      }
      (match[2] === '1' ? train : test).push({ path, label, className, group: null });
    }
  }
  return { index: { root: videoDir, layout: 'hmdb51', classes, clips: [...train, ...test] }, train, test, missing, unused };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function firstDirWith(dirs: readonly string[], has: (name: string) => boolean): Promise<string | undefined> {
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.some(has)) return dir;
  }
  return undefined;
}
