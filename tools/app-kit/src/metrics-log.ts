import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { toJson, writeFileAtomic } from './atomic-files.js';
import { writeFailure } from './write-failure.js';

/** One JSON object per line; appended as each epoch ends, rewritten on resume. */
export class MetricsLog<T extends object> {
  constructor(readonly path: string) {}

  append(record: T): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      appendFileSync(this.path, `${toJson(record, 0)}\n`);
    } catch (error) {
      // A resumed run rewrites the file from its checkpoint's history, so a torn last line is repaired there.
      throw writeFailure('metrics to', this.path, error, 'The lines of earlier epochs are kept, and --resume rewrites the file from the checkpoint.');
    }
  }

  /** Replaces the file with exactly these records (e.g. the history of the checkpoint resumed from). */
  async rewrite(records: readonly T[]): Promise<void> {
    await writeFileAtomic(this.path, records.map((r) => `${toJson(r, 0)}\n`).join(''));
  }

  read(): T[] {
    if (!existsSync(this.path)) return [];
    return readMetrics<T>(this.path);
  }
}

export function readMetrics<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}
