import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError as CliArgumentError, type Command } from 'commander';
import { sweep, type SweepPoint, type SweepResult } from '@tfjs-compress/vib';
import type { CompressResults } from './compress-run.js';
import { readJson, runPaths } from './run-files.js';
import { shardOf, type Shard } from './shards.js';
import { writeSweep } from './sweep-chart.js';
import { integerOption } from './cli-options.js';
import { exitOnError } from './train-cli.js';

/** The swept training option: the weight of the KL term. */
export const SWEEP_PARAMETER = 'klFac';

/** Default klFac values of a sweep: a decade apart around the apps' default 1e-3. */
export const DEFAULT_SWEEP_KL_FACS: readonly number[] = [1e-4, 3e-4, 1e-3, 3e-3];

/** commander parser of a comma-separated list of numbers > 0, e.g. `--kl-facs 1e-4,1e-3`. */
export function numberListOption(name: string): (value: string) => number[] {
  return (value) => {
    const list = value.split(',').map((v) => Number(v.trim()));
    if (list.length === 0 || list.some((v) => !Number.isFinite(v) || v <= 0)) {
      throw new CliArgumentError(`${name} must be a comma-separated list of positive numbers, got '${value}'.`);
    }
    return list;
  };
}

export interface SweepRunOptions {
  /** Sweep directory: one run directory per value (`klfac-<value>`), sweep.json/.svg/.html. */
  out: string;
  values: readonly number[];
  /** Trains and compresses one run in `runDir` with klFac = value; returns its results.json. */
  trainAndCompress: (value: number, runDir: string) => Promise<CompressResults>;
  title: string;
  log?: (line: string) => void;
  /** Train only this shard's values (value k when k modulo count is the index); the chart is written once every value has its results. */
  shard?: Shard | null;
  /** Train nothing: write the chart from the values' results, or say which values are missing. */
  merge?: boolean;
}

/** The run directory of one value of a sweep. */
export const sweepRunDir = (out: string, value: number) => join(resolve(out), `klfac-${value}`);

/**
 * Trains once per klFac value (each in its own run directory, so finished
 * runs are reused when the sweep is started again), compacts each, and
 * writes accuracy (compact model, test set) against LSTM compression as
 * <out>/sweep.json, sweep.svg and sweep.html, with the Pareto front and the
 * uncompressed model's accuracy as the baseline.
 */
export async function runSweep(options: SweepRunOptions): Promise<{ result: SweepResult; files: { json: string; svg: string; html: string } } | null> {
  const log = options.log ?? console.log;
  const done = (value: number) => readJson<CompressResults>(runPaths(sweepRunDir(options.out, value)).results) != null;
  if (options.shard || options.merge) {
    const shard = options.shard;
    const mine = options.merge ? [] : options.values.filter((_, k) => shard == null || k % shard.count === shard.index);
    for (const value of mine) {
      if (done(value)) continue;
      log(`\nsweep shard ${shard ? `${shard.index}/${shard.count}` : ''}: klFac ${value} in ${sweepRunDir(options.out, value)}`);
      await options.trainAndCompress(value, sweepRunDir(options.out, value));
    }
    const missing = options.values.filter((value) => !done(value));
    if (missing.length > 0) {
      const message = `sweep: ${options.values.length - missing.length} of ${options.values.length} values done; klFac ${missing.join(', ')} still missing (run their shards, then 'sweep --merge')`;
      if (options.merge) throw new Error(message);
      log(message);
      return null;
    }
  }
  let baseline: number | undefined;
  const result = await sweep(SWEEP_PARAMETER, options.values, async (value, index) => {
    const dir = sweepRunDir(options.out, value);
    const done = readJson<CompressResults>(runPaths(dir).results);
    log(`\nsweep ${index + 1}/${options.values.length}: klFac ${value} in ${dir}${done ? ' (done before: reused)' : ''}`);
    const r = done ?? (await options.trainAndCompress(value, dir));
    baseline ??= r.uncompressedBestTestAccuracy ?? undefined;
    return {
      accuracy: r.after.accuracy,
      compression: r.lstmRatio,
      details: {
        label: `klFac ${value}`,
        keptInputs: r.keptInputs,
        keptUnits: r.keptUnits,
        lstmParams: r.after.lstmParams,
        uncompressedAccuracy: r.uncompressedBestTestAccuracy,
        runDir: dir,
      },
    };
  }, (p: SweepPoint) => log(`klFac ${p.value}: ${(100 * p.accuracy).toFixed(1)}% at ${p.compression.toFixed(1)}x`));
  const files = writeSweep(resolve(options.out), result, { title: options.title, baselineAccuracy: baseline });
  log(`\nsweep written to ${files.html} (and sweep.json, sweep.svg)`);
  log(formatSweep(result));
  return { result, files };
}

/** The sweep as a text table. */
export function formatSweep(result: SweepResult): string {
  const rows = result.points.map((p) =>
    `${String(p.value).padEnd(10)} ${`${p.compression.toFixed(1)}x`.padStart(10)} ${`${(100 * p.accuracy).toFixed(1)}%`.padStart(9)}  ` +
    `${String(p.details?.keptInputs ?? '').padStart(6)} ${String(p.details?.keptUnits ?? '').padStart(6)}`);
  return [`klFac      LSTM ratio  accuracy  inputs  units`, ...rows].join('\n');
}

/** True when a sweep's run for `value` finished (compressed) already. */
export const sweepRunDone = (out: string, value: number) => existsSync(runPaths(sweepRunDir(out, value)).results);

/**
 * Turns `command` (with the app's training flags already added) into the
 * `sweep` command: `--kl-facs <list>`, then `run(options, klFacs)`.
 */
export function sweepCommand<R extends object>(
  command: Command,
  run: (raw: Omit<R, 'klFacs' | 'shard' | 'shards' | 'merge'>, klFacs: number[], sharding: Pick<SweepRunOptions, 'shard' | 'merge'>) => Promise<unknown>,
): Command {
  return command
    .description('train once per --kl-facs value (<out>/klfac-<v>), compact each, and write accuracy against LSTM compression: <out>/sweep.json, .svg, .html')
    .option('--kl-facs <list>', 'comma-separated klFac values', numberListOption('--kl-facs'), [...DEFAULT_SWEEP_KL_FACS])
    .option('--shard <i/n>', 'train only values i, i + n, ... of --kl-facs (0-based); also from JOB_COMPLETION_INDEX with --shards, or SLURM_ARRAY_TASK_ID')
    .option('--shards <n>', 'shard count, with JOB_COMPLETION_INDEX (Kubernetes Indexed Job)', integerOption('--shards'))
    .option('--merge', 'train nothing: write the chart once every value has its results (after the shards)', false)
    .action(async (raw: R & { klFacs: number[]; shard?: string; shards?: number; merge: boolean }) => {
      const { klFacs, shard, shards, merge, ...rest } = raw;
      await Promise.resolve()
        .then(() => run(rest, klFacs, { shard: merge ? null : shardOf(shard, shards), merge }))
        .catch(exitOnError);
    });
}
