/**
 * Shrink-as-you-train benchmark: wall time of a full training run on the
 * default synthetic set that removes pruned inputs and units (`--shrink-mode
 * remove`) against the same run (same seed) that only masks them at full size
 * (`mask`: the same training, silenced instead of removed), and the final
 * test accuracy of both. `--with-unmasked` adds the paper's plain VIB run
 * (`--no-shrink`: pruned units keep their noise until the end) as a third
 * side, for its accuracy. Every run is its own child process; runs alternate
 * (mask, remove, remove, mask, ...) so load from other processes hits both
 * sides alike. The frame cache is filled before the first timed run.
 *
 *   node --import tsx bench/shrink.ts [--configs demo,paper,wide] [--repeats 2] [--seeds 1] [--with-unmasked] [--backend wasm] [--json file]
 *
 * Runs with the same seed are deterministic, so repeats measure time only;
 * `--seeds 2,3` adds runs with other seeds (other split, initialisation and
 * noise), whose accuracy spread is the run-to-run noise the accuracy gap is
 * judged against. Writes <repo>/bench-results/shrink.json (or --json) and
 * prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { median, printTable, writeBenchJson } from '@tfjs-compress/testing';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { choiceOption, integerOption, type EpochRecord } from '@tfjs-compress/app-kit';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { DEMO_DEFAULTS, train, type TrainOptions } from '../src/index.js';
import { ensureBenchSet, runChild, warmCache } from './bench-runs.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** The configurations measured: the app's demo, and the demo with the paper's shorter schedule (DEFAULT_TRAIN_OPTIONS). */
export const BENCH_CONFIGS = {
  demo: {},
  paper: { epochs: 30, warmupEpochs: 5, rampEpochs: 10, fineTuneEpochs: 5 },
  /** The paper's schedule, frames and units at 80x60 (14,400 inputs): the input projection dominates, as at 160x120. */
  wide: { epochs: 30, warmupEpochs: 5, rampEpochs: 10, fineTuneEpochs: 5, width: 80, height: 60, frames: 8, units: 256 },
} as const satisfies Record<string, Partial<TrainOptions>>;
type ConfigName = keyof typeof BENCH_CONFIGS;

/** remove: shrink-as-you-train; mask: the same, silenced at full size; none: no masking during training (the paper's). */
type Side = 'remove' | 'mask' | 'none';

interface ChildSpec {
  config: ConfigName;
  seed: number;
  side: Side;
  /** Override of the app's shrink checks per epoch (null: the app's default). */
  shrinkChecks: number | null;
  out: string;
  cacheDir: string;
  backend: BackendChoice;
}

interface RunFigures {
  seed: number;
  side: Side;
  seconds: number;
  testAccuracy: number | null;
  keptInputs: number | null;
  keptUnits: number | null;
  /** Inputs x units the LSTM physically had in the last epoch. */
  modelInputs: number | null;
  modelUnits: number | null;
  /** First epoch after which the live model was smaller than at the start (null: never). */
  firstShrinkEpoch: number | null;
  epochSeconds: number[];
}

function trainOptions(spec: ChildSpec): TrainOptions {
  return {
    ...DEMO_DEFAULTS,
    ...BENCH_CONFIGS[spec.config],
    data: resolve(root, DEMO_DEFAULTS.data),
    out: spec.out,
    cacheDir: spec.cacheDir,
    backend: spec.backend,
    shrink: spec.side !== 'none',
    shrinkMode: spec.side === 'mask' ? 'mask' : 'remove',
    ...(spec.shrinkChecks != null ? { shrinkChecks: spec.shrinkChecks } : {}),
    seed: spec.seed,
    progress: false,
  };
}

async function child(spec: ChildSpec): Promise<void> {
  const started = performance.now();
  const outcome = await train(trainOptions(spec), () => undefined);
  const seconds = (performance.now() - started) / 1000;
  const history: EpochRecord[] = outcome.history;
  const last = history.at(-1)!;
  const full = history[0]?.modelInputs ?? null;
  const firstShrink = history.find((r) => r.modelInputs != null && full != null && (r.modelInputs < full || r.modelUnits! < history[0].modelUnits!));
  const figures: RunFigures = {
    seed: spec.seed,
    side: spec.side,
    seconds,
    testAccuracy: last.testAccuracy,
    keptInputs: last.keptInputs,
    keptUnits: last.keptUnits,
    modelInputs: last.modelInputs ?? null,
    modelUnits: last.modelUnits ?? null,
    firstShrinkEpoch: firstShrink?.epoch ?? null,
    epochSeconds: history.map((r) => r.seconds),
  };
  outcome.model.dispose();
  console.log(JSON.stringify(figures));
}

const runShrinkChild = (spec: ChildSpec) => runChild<RunFigures>(import.meta.url, spec);

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const program = new Command('shrink-bench')
    .description('shrink-as-you-train against masks only: wall time of full training runs and final test accuracy')
    .option('--configs <list>', `comma-separated configurations: ${Object.keys(BENCH_CONFIGS).join(', ')}`, 'paper,wide')
    .option('--repeats <n>', 'runs per side, configuration and seed (alternating order)', integerOption('--repeats'), 2)
    .option('--seeds <list>', 'comma-separated run seeds', '1')
    .option('--shrink-checks <n>', "shrink checks per epoch (default: the app's)", integerOption('--shrink-checks'))
    .option('--with-unmasked', "also run the paper's VIB training without masking (--no-shrink) once per seed, for its accuracy", false)
    .option('--json <file>', 'where the JSON goes', join(root, 'bench-results', 'shrink.json'))
    .addOption(new Option('--backend <name>', 'tfjs backend').argParser(choiceOption('--backend', BACKEND_CHOICES)).default('wasm'))
    .option('--child <json>', 'internal: one training run')
    .parse();
  const opts = program.opts<{ configs: string; repeats: number; seeds: string; shrinkChecks?: number; withUnmasked: boolean; json: string; backend: BackendChoice; child?: string }>();
  if (opts.child) return child(JSON.parse(opts.child) as ChildSpec);
  const configs = opts.configs.split(',').map((c) => c.trim()) as ConfigName[];
  for (const c of configs) choiceOption('--configs', Object.keys(BENCH_CONFIGS) as ConfigName[])(c);
  const seeds = opts.seeds.split(',').map(integerOption('--seeds', 0));

  const work = mkdtempSync(join(tmpdir(), 'shrink-bench-'));
  const cacheDir = join(work, 'frame-cache');
  const base = trainOptions({ config: 'demo', seed: DEMO_DEFAULTS.seed, side: 'none', shrinkChecks: null, out: join(work, 'warm'), cacheDir, backend: opts.backend });
  await ensureBenchSet(base);
  await selectBackend(opts.backend);
  for (const seed of seeds) await warmCache({ ...base, seed });

  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    backend: opts.backend,
    note: 'wall time of train() (all epochs, test evaluation each epoch, checkpoints); 2-core machine shared with other jobs: absolute times are noisy, the runs alternate so both sides see the same load',
    configs: [] as unknown[],
  };
  const rows: string[][] = [];
  for (const config of configs) {
    const o = trainOptions({ config, seed: seeds[0], side: 'remove', shrinkChecks: opts.shrinkChecks ?? null, out: '', cacheDir, backend: opts.backend });
    const shape = `[${o.batchSize}, ${o.frames}, ${o.width * o.height * 3}] -> ${o.units}`;
    const schedule = `${o.epochs} VIB (warm-up ${o.warmupEpochs}, ramp ${o.rampEpochs}) + ${o.fineTuneEpochs} fine-tune; patience ${o.shrinkPatience}, ${o.shrinkChecks ?? 1} check(s) per epoch`;
    const runs: RunFigures[] = [];
    let turn = 0;
    for (const seed of seeds) {
      for (let r = 0; r < opts.repeats; r++) {
        const order: Side[] = turn++ % 2 === 0 ? ['mask', 'remove'] : ['remove', 'mask'];
        if (opts.withUnmasked && r === 0) order.push('none');
        for (const side of order) {
          process.stderr.write(`${config}: seed ${seed}, run ${r + 1}/${opts.repeats}, ${side} ...\n`);
          const out = join(work, `${config}-${seed}-${side}-${r}`);
          runs.push(runShrinkChild({ config, seed, side, shrinkChecks: opts.shrinkChecks ?? null, out, cacheDir, backend: opts.backend }));
          rmSync(out, { recursive: true, force: true });
        }
      }
    }
    const sideRuns = (side: Side) => runs.filter((x) => x.side === side);
    const masks = sideRuns('mask');
    const shrunk = sideRuns('remove');
    const unmasked = sideRuns('none');
    const seconds = (list: RunFigures[]) => list.map((x) => x.seconds);
    const ratio = median(seconds(masks)) / median(seconds(shrunk));
    // Epochs after the first shrink: what "every later step costs less" buys per epoch.
    const after = shrunk[0].firstShrinkEpoch;
    const tail = (x: RunFigures) => (after == null ? [] : x.epochSeconds.slice(after));
    const tailRatio = after == null ? null : median(masks.map((x) => sum(tail(x)))) / median(shrunk.map((x) => sum(tail(x))));
    // One accuracy per seed and side (repeats of a seed are identical); the gap is masks - shrink, per seed.
    const accuracy = (list: RunFigures[]) => seeds.map((seed) => list.find((x) => x.seed === seed)?.testAccuracy ?? NaN);
    const gaps = seeds.map((_, i) => 100 * (accuracy(masks)[i] - accuracy(shrunk)[i]));
    const accuracyGap = median(gaps);
    const masksSpread = 100 * (Math.max(...accuracy(masks)) - Math.min(...accuracy(masks)));
    const unmaskedAccuracy = unmasked.length ? accuracy(unmasked) : null;
    (report.configs as unknown[]).push({
      config, shape, schedule, repeats: opts.repeats, seeds, ratio, tailRatio, accuracyGapPoints: accuracyGap, accuracyGapPointsPerSeed: gaps,
      masksOnlyAccuracySpreadPoints: seeds.length > 1 ? masksSpread : null,
      baseline: "mask: the same shrink checks silencing at full size (--shrink-mode mask); 'none' runs: no masking during training (the paper's)",
      unmaskedAccuracy, unmaskedSeconds: unmasked.length ? median(seconds(unmasked)) : null,
      targets: { ratio: 3, accuracyGapPoints: 1 }, runs,
    });
    const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)} s`;
    const pct = (values: number[]) => values.map((v) => `${(100 * v).toFixed(1)}%`).join(', ');
    rows.push([
      config,
      `${shape}; ${schedule}`,
      `${median(seconds(masks)).toFixed(0)} s (${spread(seconds(masks))}); acc ${pct(accuracy(masks))}`,
      `${median(seconds(shrunk)).toFixed(0)} s (${spread(seconds(shrunk))}); acc ${pct(accuracy(shrunk))}; LSTM ${shrunk[0].modelInputs}x${shrunk[0].modelUnits} from epoch ${after ?? '-'}`,
      `${ratio.toFixed(2)}x run, ${tailRatio == null ? '-' : `${tailRatio.toFixed(2)}x`} after 1st shrink; acc gap ${gaps.map((g) => g.toFixed(1)).join(', ')} pt` +
        (seeds.length > 1 ? ` (mask spread over seeds ${masksSpread.toFixed(1)} pt)` : '') +
        (unmaskedAccuracy ? `; unmasked VIB: acc ${pct(unmaskedAccuracy)}, ${median(seconds(unmasked)).toFixed(0)} s` : ''),
    ]);
  }
  const header = ['config', `shape (${opts.backend}); schedule`, 'mask: median (spread)', 'remove: median (spread)', 'ratio (mask/remove)'];
  printTable(header, rows);
  writeBenchJson(resolve(opts.json), report);
  rmSync(work, { recursive: true, force: true });
}

await main();
