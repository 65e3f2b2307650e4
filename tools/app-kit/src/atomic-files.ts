import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { killPoint } from './kill-points.js';
import { writeFailure } from './write-failure.js';

/**
 * Writes through a temporary file and a rename, so readers never see half a
 * file. A failed write (full disk, no permission) removes the temporary file
 * and names the path and the cause; the previous file is untouched.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, data);
    killPoint('file-rename');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw writeFailure('file', path, error, existsSync(path) ? 'The previous copy is unchanged.' : 'Nothing was written.');
  }
}

/** `JSON.stringify` with non-finite numbers written as null (JSON has no Infinity). */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), indent);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${toJson(value)}\n`);
}

/** Suffix of the previous copy of a directory while it is being replaced. */
export const PREVIOUS_SUFFIX = '.previous';

/**
 * Fills a fresh temporary directory with `fill`, then swaps it in for `dir`.
 * A directory cannot be renamed over a non-empty one, so the old copy is
 * first moved to `<dir>.previous` and deleted only after the swap: at every
 * instant either `dir` or `<dir>.previous` is complete (`existingDir` picks).
 */
export async function replaceDirAtomic(dir: string, fill: (temporaryDir: string) => Promise<void>): Promise<void> {
  const temporary = `${dir}.${process.pid}.tmp`;
  const previous = `${dir}${PREVIOUS_SUFFIX}`;
  try {
    await rm(temporary, { recursive: true, force: true });
    await mkdir(temporary, { recursive: true });
    await fill(temporary);
  } catch (error) {
    // A full disk gets its space back; the complete copy stays where it was.
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    const kept = existingDir(dir) ? `The previous ${dir} is unchanged.` : 'Nothing was written.';
    throw writeFailure('directory', dir, error, kept);
  }
  if (existsSync(dir)) {
    await rm(previous, { recursive: true, force: true });
    await rename(dir, previous);
    killPoint('directory-swap');
  }
  await rename(temporary, dir);
  await rm(previous, { recursive: true, force: true });
}

/** The complete copy of a directory written by `replaceDirAtomic`, or null when there is none. */
export function existingDir(dir: string): string | null {
  if (existsSync(dir)) return dir;
  const previous = `${dir}${PREVIOUS_SUFFIX}`;
  return existsSync(previous) ? previous : null;
}
