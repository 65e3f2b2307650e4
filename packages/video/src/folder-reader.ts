import { basename, extname, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { DatasetIndex, VideoClip } from './dataset-index.js';
import { assertDirectory, foldersWithout, hasExtension, listDir } from './list-dir.js';
import { normalizeExtensions } from './ucf11-reader.js';

export interface ReadClassFoldersOptions {
  /** File extensions taken as clips. Default: .avi, .mpg, .mpeg, .mp4, .mkv, .m4v, .mov, .webm. */
  extensions?: readonly string[];
  /**
   * Pattern run on the file name (without extension) to find its group:
   * the first capture group if any, else the whole match; no match gives a
   * null group. Default: none (every clip's group is null).
   */
  groupPattern?: RegExp | string;
}

/**
 * Reads a generic class-per-folder tree, <root>/<class>/<clip> (the HMDB51
 * layout). Tolerates one extra top folder. Classes are sorted by name.
 */
export async function readClassFolders(root: string, options: ReadClassFoldersOptions = {}): Promise<DatasetIndex> {
  const extensions = normalizeExtensions(options.extensions);
  const pattern = toRegExp(options.groupPattern);
  const top = resolve(root);
  await assertDirectory(top, 'root');
  let base = top;
  let found = await scan(top, extensions, pattern);
  if (found.length === 0) {
    const { dirs } = await listDir(top);
    if (dirs.length === 1) {
      base = join(top, dirs[0]);
      found = await scan(base, extensions, pattern);
    }
  }
  if (found.length === 0) {
    throw new InvalidArgumentError('root', root, `a tree <root>/<class>/<clip> with clips ending in ${extensions.join(', ')}`);
  }
  const classes = [...new Set(found.map((f) => f.className))].sort();
  const clips = found.map((f) => ({ ...f, label: classes.indexOf(f.className) }));
  return { root: base, layout: 'folders', classes, clips, foldersWithoutClips: await foldersWithout(base, classes) };
}

function toRegExp(pattern: RegExp | string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  // Without g/y, exec keeps no state between file names.
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  if (typeof pattern !== 'string') throw new InvalidArgumentError('groupPattern', pattern, 'a RegExp or a regular expression string');
  try {
    return new RegExp(pattern);
  } catch {
    throw new InvalidArgumentError('groupPattern', pattern, 'a valid regular expression');
  }
}

async function scan(dir: string, extensions: readonly string[], pattern: RegExp | undefined): Promise<Omit<VideoClip, 'label'>[]> {
  const out: Omit<VideoClip, 'label'>[] = [];
  for (const className of (await listDir(dir)).dirs) {
    const classDir = join(dir, className);
    for (const file of (await listDir(classDir)).files) {
      if (!hasExtension(file, extensions)) continue;
      let group: string | null = null;
      if (pattern) {
        const match = pattern.exec(basename(file, extname(file)));
        if (match) group = match[1] ?? match[0];
      }
      out.push({ path: join(classDir, file), className, group });
    }
  }
  return out;
}
