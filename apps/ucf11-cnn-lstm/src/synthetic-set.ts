import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSyntheticDataset, type SyntheticDatasetOptions } from '@tfjs-compress/video';

/** Written once a generated set is complete; its presence makes `generate` a no-op. */
export const COMPLETE_MARKER = '.complete';

/**
 * Writes the synthetic UCF11-style set (the video package's generator)
 * unless `root` already holds a complete one. A non-empty directory without
 * the marker (a real dataset, or anything else) is never written into.
 * Returns true when it generated.
 */
export async function generateSet(options: SyntheticDatasetOptions, log: (line: string) => void = console.log): Promise<boolean> {
  if (existsSync(join(options.root, COMPLETE_MARKER))) return false;
  const present = existsSync(options.root) ? await readdir(options.root) : [];
  if (present.length > 0) {
    log(`${options.root} holds files but no ${COMPLETE_MARKER} marker: used as it is, nothing generated`);
    return false;
  }
  log(`generating a synthetic UCF11-style set in ${options.root} ...`);
  const set = await generateSyntheticDataset(options);
  await writeFile(join(options.root, COMPLETE_MARKER), `${set.files.length} clips\n`);
  log(`  ${set.files.length} clips of ${set.classes.length} classes in ${(set.elapsedMs / 1000).toFixed(1)} s`);
  return true;
}
