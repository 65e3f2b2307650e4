/**
 * The training engine at the paper's input size: `train` on 160 x 120 x 3
 * frames (57,600 inputs per step, VIB-LSTM(256), batch 16, shrink-as-you-train
 * on) under the accuracy budget (the default) and under the fixed klFac ramp,
 * same seed, each in its own process, then `compress` of each run. Reports the
 * seconds of every epoch by stage, the median epoch of the VIB stage, the
 * ratio budget / fixed of that median, and the whole train-to-compact wall
 * time. Both runs share one frame cache, filled before the first timed run.
 *
 *   node --import tsx bench/engine.ts [--epochs 10] [--width 160 --height 120] [--backend wasm] [--json file]
 *
 * Writes <repo>/bench-results/engine.json (or --json) and prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { choiceOption, integerOption } from '@tfjs-compress/app-kit';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { median, printTable, writeBenchJson } from '@tfjs-compress/testing';
import { DEFAULT_TRAIN_OPTIONS, DEMO_DEFAULTS, compress, train, type TrainOptions } from '../src/index.js';
import { ensureBenchSet, runChild, warmCache } from './bench-runs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

type Policy = 'budget' | 'fixed';

interface ChildSpec {
  policy: Policy;
  epochs: number;
  width: number;
  height: number;
  out: string;
  cacheDir: string;
  backend: BackendChoice;
}

interface EngineRun {
  policy: Policy;
  trainSeconds: number;
  compressSeconds: number;
  epochs: Array<{ epoch: number; stage: string; seconds: number; modelInputs: number | null; modelUnits: number | null }>;
  vibEpochMedianSeconds: number;
  compactTestAccuracy: number;
  baselineTestAccuracy: number | null;
  lstmRatio: number;
}

/** The paper's shape and schedule shares, shortened to `epochs` (a fifth warm-up, a fifth fine-tune). */
function trainOptions(spec: ChildSpec): TrainOptions {
  const share = Math.max(1, Math.round(spec.epochs / 5));
  return {
    ...DEFAULT_TRAIN_OPTIONS,
    data: resolve(root, DEMO_DEFAULTS.data),
    out: spec.out,
    cacheDir: spec.cacheDir,
    backend: spec.backend,
    epochs: spec.epochs,
    width: spec.width,
    height: spec.height,
    warmupEpochs: share,
    rampEpochs: share,
    fineTuneEpochs: share,
    policy: spec.policy,
    progress: false,
  };
}

async function child(spec: ChildSpec): Promise<void> {
  const started = performance.now();
  const outcome = await train(trainOptions(spec), () => undefined);
  const trainSeconds = (performance.now() - started) / 1000;
  outcome.model.dispose();
  const compressStarted = performance.now();
  const results = await compress({ out: spec.out, backend: spec.backend, latencyRuns: 3 }, () => undefined);
  const compressSeconds = (performance.now() - compressStarted) / 1000;
  const epochs = outcome.history.map((r) => ({ epoch: r.epoch, stage: r.stage ?? r.phase, seconds: r.seconds, modelInputs: r.modelInputs ?? null, modelUnits: r.modelUnits ?? null }));
  const run: EngineRun = {
    policy: spec.policy,
    trainSeconds,
    compressSeconds,
    epochs,
    vibEpochMedianSeconds: median(epochs.filter((e) => e.stage === 'vib').map((e) => e.seconds)),
    compactTestAccuracy: results.after.accuracy,
    baselineTestAccuracy: results.baselineTestAccuracy,
    lstmRatio: results.lstmRatio,
  };
  console.log(JSON.stringify(run));
}

/**
 * The policies prune differently, and shrinking makes later epochs cheaper:
 * the ratio of VIB epochs in which neither live model had shrunk yet (full
 * size before and after) is the cost of the schedule itself.
 */
function equalSizeRatio(fixed: EngineRun, budget: EngineRun): { ratio: number | null; epochs: number[] } {
  const full = fixed.epochs[0]?.modelInputs;
  const whole = (run: EngineRun, i: number) =>
    run.epochs[i].stage === 'vib' && run.epochs[i].modelInputs === full && (i === 0 || run.epochs[i - 1].modelInputs === full);
  const both = fixed.epochs.map((_, i) => i).filter((i) => i < budget.epochs.length && whole(fixed, i) && whole(budget, i));
  if (both.length === 0) return { ratio: null, epochs: [] };
  const seconds = (run: EngineRun) => median(both.map((i) => run.epochs[i].seconds));
  return { ratio: seconds(budget) / seconds(fixed), epochs: both.map((i) => fixed.epochs[i].epoch) };
}

async function main(): Promise<void> {
  const program = new Command('engine-bench')
    .description("train -> compress at the paper's 57,600 inputs: the accuracy budget against the fixed klFac ramp, per epoch and end to end")
    .option('--epochs <n>', 'epochs of each run (a fifth warm-up, a fifth fine-tune)', integerOption('--epochs', 5), 10)
    .option('--width <n>', 'frame width (the paper: 160)', integerOption('--width', 1), DEFAULT_TRAIN_OPTIONS.width)
    .option('--height <n>', 'frame height (the paper: 120)', integerOption('--height', 1), DEFAULT_TRAIN_OPTIONS.height)
    .option('--json <file>', 'where the JSON goes', join(root, 'bench-results', 'engine.json'))
    .addOption(new Option('--backend <name>', 'tfjs backend').argParser(choiceOption('--backend', BACKEND_CHOICES)).default('wasm'))
    .option('--child <json>', 'internal: one run')
    .parse();
  const opts = program.opts<{ epochs: number; width: number; height: number; json: string; backend: BackendChoice; child?: string }>();
  if (opts.child) return child(JSON.parse(opts.child) as ChildSpec);

  const work = mkdtempSync(join(tmpdir(), 'engine-bench-'));
  const cacheDir = join(work, 'frame-cache');
  const spec = (policy: Policy): ChildSpec => ({ policy, epochs: opts.epochs, width: opts.width, height: opts.height, out: join(work, policy), cacheDir, backend: opts.backend });
  const base = trainOptions(spec('budget'));
  await ensureBenchSet(base);
  await selectBackend(opts.backend);
  await warmCache(base);
  const runs: EngineRun[] = [];
  for (const policy of ['fixed', 'budget'] as const) {
    process.stderr.write(`engine bench: ${policy} ...\n`);
    runs.push(runChild<EngineRun>(import.meta.url, spec(policy)));
  }
  const [fixed, budget] = runs;
  const ratio = budget.vibEpochMedianSeconds / fixed.vibEpochMedianSeconds;
  const sameSize = equalSizeRatio(fixed, budget);
  const shape = `[${base.batchSize}, ${base.frames}, ${base.width * base.height * 3}] -> ${base.units}`;
  writeBenchJson(resolve(opts.json), {
    date: new Date().toISOString(),
    node: process.version,
    backend: opts.backend,
    shape,
    schedule: `${base.epochs} epochs: warm-up ${base.warmupEpochs}, fine-tune ${base.fineTuneEpochs}; shrink-as-you-train on`,
    note: 'one run per policy, same seed, in turn on one machine: the ratio is of medians of the VIB-stage epochs',
    vibEpochRatio: ratio,
    equalSizeVibEpochRatio: sameSize.ratio,
    equalSizeEpochs: sameSize.epochs,
    target: { vibEpochRatio: 1.0 },
    runs,
  });
  const row = (r: EngineRun) => [
    r.policy,
    `${r.vibEpochMedianSeconds.toFixed(1)} s`,
    r.epochs.map((e) => `${e.stage[0]}${e.seconds.toFixed(0)}`).join(' '),
    `${r.trainSeconds.toFixed(0)} s + ${r.compressSeconds.toFixed(0)} s`,
    `${r.lstmRatio.toFixed(1)}x, ${(100 * r.compactTestAccuracy).toFixed(1)}% (baseline ${r.baselineTestAccuracy == null ? '-' : `${(100 * r.baselineTestAccuracy).toFixed(1)}%`})`,
  ];
  printTable([`policy (${shape}, ${opts.backend})`, 'VIB epoch (median)', 'seconds per epoch by stage', 'train + compress', 'compact: LSTM ratio, test accuracy'], [row(fixed), row(budget)]);
  console.log(`VIB-stage epoch, budget / fixed: ${ratio.toFixed(2)}x (target <= 1.0)`);
  console.log(
    `the same, over the VIB epochs in which both live models kept their full size (epochs ${sameSize.epochs.join(', ') || 'none'}): ` +
      (sameSize.ratio == null ? '-' : `${sameSize.ratio.toFixed(2)}x`),
  );
  rmSync(work, { recursive: true, force: true });
}

await main();
