import { readFileSync } from 'node:fs';
import type { SweepPoint, SweepResult } from '@tfjs-compress/vib';
import type { MnistBenchResult } from './mnist-bench.js';

/**
 * Turns one or more mnist-results.json files into one accuracy-versus-
 * compression curve per route (value: the target compression, 0 for the
 * default accuracy budget), for `writeSweep`.
 */
export function collectMnistRuns(files: string[]): { byRoute: Map<string, SweepResult>; baselineAccuracy: number | null } {
  const byRoute = new Map<string, SweepResult>();
  let baselineAccuracy: number | null = null;
  for (const file of files) {
    const result = JSON.parse(readFileSync(file, 'utf8')) as MnistBenchResult;
    // Runs that skipped the baseline (scratch-only target checks) report chance accuracy for it.
    if (result.plain.testAccuracy > 0.5) baselineAccuracy = result.plain.testAccuracy;
    for (const run of result.runs) {
      const target = run.setting.startsWith('target=') ? Number(run.setting.slice('target='.length)) : 0;
      const point: SweepPoint = {
        value: target,
        accuracy: run.outcome.testAccuracy,
        compression: run.outcome.lstmCompression,
        details: { label: run.setting, route: run.route, keptInputs: run.outcome.keptInputs, keptUnits: run.outcome.keptUnits },
      };
      const curve = byRoute.get(run.route) ?? { parameter: 'targetCompression (0: default budget)', points: [] };
      curve.points.push(point);
      byRoute.set(run.route, curve);
    }
  }
  for (const curve of byRoute.values()) curve.points.sort((a, b) => a.compression - b.compression);
  return { byRoute, baselineAccuracy };
}
