import { basename, extname, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { DEFAULT_VIDEO_EXTENSIONS, type DatasetIndex, type VideoClip } from './dataset-index.js';
import { assertDirectory, foldersWithout, hasExtension, listDir } from './list-dir.js';

export interface ReadUcf11Options {
  /** File extensions taken as clips. Default: .avi, .mpg, .mpeg, .mp4, .mkv, .m4v, .mov, .webm. */
  extensions?: readonly string[];
}

/** v_<name>_<gg>: the group folder. The name part may differ from the class folder (v_shooting_01 in basketball/). */
const GROUP_DIR = /^v_.+_(\d+)$/i;
/** v_<name>_<gg>_<cc>: a clip file name without extension. */
const CLIP_NAME = /^v_.+_(\d+)_(\d+)$/i;

/**
 * Reads a UCF11 tree: <root>/<class>/v_<class>_<gg>/v_<class>_<gg>_<cc>.<ext>.
 * Tolerates one extra top folder, clips sitting directly in the class
 * folder (group then taken from the file name) and other folders
 * (Annotation/) which are ignored. Classes are sorted by name.
 */
export async function readUcf11(root: string, options: ReadUcf11Options = {}): Promise<DatasetIndex> {
  const extensions = normalizeExtensions(options.extensions);
  const top = resolve(root);
  await assertDirectory(top, 'root');
  let found = await scan(top, extensions);
  let base = top;
  if (found.length === 0) {
    const { dirs } = await listDir(top);
    if (dirs.length === 1) {
      base = join(top, dirs[0]);
      found = await scan(base, extensions);
    }
  }
  if (found.length === 0) {
    throw new InvalidArgumentError('root', root, 'a UCF11 tree <root>/<class>/v_<class>_<gg>/v_<class>_<gg>_<cc>.avi with at least one clip');
  }
  const classes = [...new Set(found.map((f) => f.className))].sort();
  const clips: VideoClip[] = found.map((f) => ({ ...f, label: classes.indexOf(f.className) }));
  return { root: base, layout: 'ucf11', classes, clips, foldersWithoutClips: await foldersWithout(base, classes) };
}

async function scan(dir: string, extensions: readonly string[]): Promise<Omit<VideoClip, 'label'>[]> {
  const out: Omit<VideoClip, 'label'>[] = [];
  for (const className of (await listDir(dir)).dirs) {
    const classDir = join(dir, className);
    const { dirs, files } = await listDir(classDir);
    for (const file of files) {
      if (!hasExtension(file, extensions)) continue;
      const match = CLIP_NAME.exec(basename(file, extname(file)));
      out.push({ path: join(classDir, file), className, group: match ? match[1] : null });
    }
    for (const sub of dirs) {
      const match = GROUP_DIR.exec(sub);
      if (!match) continue;
      const groupDir = join(classDir, sub);
      for (const file of (await listDir(groupDir)).files) {
        if (hasExtension(file, extensions)) out.push({ path: join(groupDir, file), className, group: match[1] });
      }
    }
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

export function normalizeExtensions(extensions: readonly string[] | undefined): string[] {
  if (extensions === undefined) return DEFAULT_VIDEO_EXTENSIONS.slice();
  if (!Array.isArray(extensions) || extensions.length === 0 || extensions.some((e) => typeof e !== 'string' || e.length === 0)) {
    throw new InvalidArgumentError('extensions', extensions, "a non-empty list of file extensions such as ['.avi']");
  }
  return extensions.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase());
}
