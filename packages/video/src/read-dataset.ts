import { access, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertOneOf, InvalidArgumentError } from '@tfjs-compress/common';
import type { DatasetIndex } from './dataset-index.js';
import { readClassFolders, type ReadClassFoldersOptions } from './folder-reader.js';
import { readHmdb51, type ReadHmdb51Options } from './hmdb51-reader.js';
import { readUcf101, type ReadUcf101Options, type SplitDataset } from './ucf101-reader.js';
import { readUcf11, type ReadUcf11Options } from './ucf11-reader.js';

export const READ_LAYOUTS = ['auto', 'ucf11', 'folders', 'ucf101', 'hmdb51'] as const;
export type ReadLayout = (typeof READ_LAYOUTS)[number];

export interface ReadDatasetOptions extends ReadUcf11Options, ReadClassFoldersOptions, ReadUcf101Options, ReadHmdb51Options {
  /**
   * 'auto' picks 'ucf101' when classInd.txt is found (in root or
   * root/ucfTrainTestlist or splitDir), else 'ucf11' when clips are named
   * v_<name>_<gg>_<cc> or sit in v_<name>_<gg> folders, else 'folders'.
   * Default: 'auto'.
   */
  layout?: ReadLayout;
}

/** Reads any supported layout into a DatasetIndex (for UCF101 the split's train + test clips). */
export async function readDataset(root: string, options: ReadDatasetOptions = {}): Promise<DatasetIndex> {
  const layout = options.layout ?? 'auto';
  assertOneOf(layout, READ_LAYOUTS, 'layout');
  if (layout === 'ucf11') return readUcf11(root, options);
  if (layout === 'folders') return readClassFolders(root, options);
  if (layout === 'ucf101') return (await readUcf101(root, options)).index;
  if (layout === 'hmdb51') return (await readHmdb51(root, options)).index;

  const top = resolve(root);
  const splitDirs = options.splitDir ? [resolve(options.splitDir)] : [top, join(top, 'ucfTrainTestlist')];
  for (const dir of splitDirs) {
    if (await exists(join(dir, 'classInd.txt'))) return (await readUcf101(root, options)).index;
  }
  if (await officialLayout(root, options) === 'hmdb51') return (await readHmdb51(root, options)).index;
  try {
    const ucf11 = await readUcf11(root, options);
    // readUcf11 also takes files lying directly in class folders; only UCF11 naming makes it UCF11.
    if (ucf11.clips.some((clip) => clip.group !== null)) return ucf11;
  } catch (error) {
    if (!InvalidArgumentError.isInstance(error)) throw error;
  }
  return readClassFolders(root, options);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Which official split files `root` holds: UCF101's classInd.txt + lists, HMDB51's per-class split files, or none. */
async function officialLayout(root: string, options: Pick<ReadDatasetOptions, 'splitDir'>): Promise<'ucf101' | 'hmdb51' | null> {
  const top = resolve(root);
  const dirs = options.splitDir ? [resolve(options.splitDir)] : [top, join(top, 'ucfTrainTestlist'), join(top, 'testTrainMulti_7030_splits')];
  for (const dir of dirs) {
    if (await exists(join(dir, 'classInd.txt'))) return 'ucf101';
    if ((await readdir(dir).catch(() => [] as string[])).some((name) => /_test_split\d+\.txt$/.test(name))) return 'hmdb51';
  }
  return null;
}

/**
 * The official train/test split of a data set that ships one: UCF101
 * (`classInd.txt`, `trainlist0k.txt`, `testlist0k.txt`) or HMDB51
 * (`<class>_test_split<k>.txt`), split `options.split` (default 1). Clips
 * listed but missing on disk are skipped and listed in `missing`, or named
 * in an error with `missingClips: 'error'`.
 */
export async function readOfficialSplit(root: string, options: ReadUcf101Options & ReadHmdb51Options = {}): Promise<SplitDataset> {
  const layout = await officialLayout(root, options);
  if (layout === 'ucf101') return readUcf101(root, options);
  if (layout === 'hmdb51') return readHmdb51(root, options);
  throw new InvalidArgumentError('root', root, "a data set with official split files: UCF101's classInd.txt + trainlist0k.txt / testlist0k.txt, or HMDB51's <class>_test_split<k>.txt, in it or in its ucfTrainTestlist / testTrainMulti_7030_splits folder (split files kept elsewhere: pass that folder as splitDir, --split-dir in the apps)");
}
