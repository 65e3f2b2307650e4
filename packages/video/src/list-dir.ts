import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InvalidArgumentError } from '@tfjs-compress/common';

/** Sorted subdirectories and files of a directory, hidden entries and macOS debris left out. */
export async function listDir(dir: string): Promise<{ dirs: string[]; files: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const dirs: string[] = [];
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === '__MACOSX') continue;
    if (entry.isDirectory()) dirs.push(entry.name);
    else if (entry.isFile() || entry.isSymbolicLink()) files.push(entry.name);
  }
  dirs.sort();
  files.sort();
  return { dirs, files };
}

export function hasExtension(name: string, extensions: readonly string[]): boolean {
  return extensions.includes(extname(name).toLowerCase());
}

export function joinAll(dir: string, names: readonly string[]): string[] {
  return names.map((name) => join(dir, name));
}

/** Throws InvalidArgumentError unless `path` is an existing directory. */
export async function assertDirectory(path: string, option: string): Promise<void> {
  let ok = false;
  try {
    ok = (await stat(path)).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new InvalidArgumentError(option, path, 'an existing directory');
}

/** The folders of `dir` that are not among `classes` (sorted). */
export async function foldersWithout(dir: string, classes: readonly string[]): Promise<string[]> {
  const known = new Set(classes);
  return (await listDir(dir)).dirs.filter((d) => !known.has(d)).sort();
}
