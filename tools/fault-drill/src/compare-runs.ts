import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of a finished run that must be identical, byte for byte, to an uninterrupted run's. */
export const BINARY_FILES = ['vib-model/weights.bin', 'checkpoint/weights.bin', 'checkpoint/optimizer.bin'] as const;
/** JSON files compared as values, without what legitimately differs (wall times, paths, dates). */
export const JSON_FILES = ['vib-model/model.json', 'checkpoint/model.json', 'checkpoint/state.json', 'run.json'] as const;
export const METRICS_FILE = 'metrics.jsonl';

/** Keys whose values differ between two correct runs: wall-clock seconds, save dates, run paths and flags of the invocation. */
const VOLATILE_KEYS = new Set(['seconds', 'savedAt', 'out', 'cacheDir', 'resume', 'progress']);

function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (value == null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE_KEYS.has(k)).map(([k, v]) => [k, stripVolatile(v)]));
}

const readJson = (path: string) => stripVolatile(JSON.parse(readFileSync(path, 'utf8')));
const readLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => stripVolatile(JSON.parse(l)));

/**
 * What differs between a run and the reference run (empty: nothing lost).
 * Each entry names the file and how it differs.
 */
export function compareRuns(run: string, reference: string): string[] {
  const differences: string[] = [];
  for (const file of [...BINARY_FILES, ...JSON_FILES, METRICS_FILE]) {
    const [a, b] = [join(run, file), join(reference, file)];
    if (!existsSync(b)) throw new Error(`the reference run has no ${file}`);
    if (!existsSync(a)) {
      differences.push(`${file}: missing`);
      continue;
    }
    if ((BINARY_FILES as readonly string[]).includes(file)) {
      const [x, y] = [readFileSync(a), readFileSync(b)];
      if (!x.equals(y)) {
        const at = x.findIndex((byte, i) => byte !== y[i]);
        differences.push(`${file}: ${x.length} bytes vs ${y.length}, first difference at byte ${at < 0 ? Math.min(x.length, y.length) : at}`);
      }
      continue;
    }
    const [x, y] = file === METRICS_FILE ? [readLines(a), readLines(b)] : [readJson(a), readJson(b)];
    const [sx, sy] = [JSON.stringify(x), JSON.stringify(y)];
    if (sx !== sy) {
      let at = 0;
      while (at < sx.length && sx[at] === sy[at]) at++;
      differences.push(`${file}: differs at character ${at}: '${sx.slice(Math.max(0, at - 40), at + 40)}' vs '${sy.slice(Math.max(0, at - 40), at + 40)}'`);
    }
  }
  return differences;
}
