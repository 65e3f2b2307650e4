import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertOneOf, InvalidArgumentError } from '@tfjs-compress/vib';
import type { DatasetIndex } from './dataset-index.js';
import { readClassFolders, type ReadClassFoldersOptions } from './folder-reader.js';
import { readUcf101, type ReadUcf101Options } from './ucf101-reader.js';
import { readUcf11, type ReadUcf11Options } from './ucf11-reader.js';

export const READ_LAYOUTS = ['auto', 'ucf11', 'folders', 'ucf101'] as const;
export type ReadLayout = (typeof READ_LAYOUTS)[number];

export interface ReadDatasetOptions extends ReadUcf11Options, ReadClassFoldersOptions, ReadUcf101Options {
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

  const top = resolve(root);
  const splitDirs = options.splitDir ? [resolve(options.splitDir)] : [top, join(top, 'ucfTrainTestlist')];
  for (const dir of splitDirs) {
    if (await exists(join(dir, 'classInd.txt'))) return (await readUcf101(root, options)).index;
  }
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
