#!/usr/bin/env node
/**
 * `npm start`: trains a VIB-LSTM on a generated sequence task in which only a
 * few input features carry the label, compacts it into a plain tfjs model and
 * prints the compression report.
 */
import { mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { compact, formatReport, saveCompact } from '@tfjs-compress/prune';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { gatedLayers, setFrozenMask } from '@tfjs-compress/vib';
import { buildDemoModel } from './demo-model.js';
import { DEFAULT_TASK, generateSequenceTask } from './sequence-task.js';
import { integerOption, klWarmup, positiveOption } from '@tfjs-compress/app-kit';
import { accuracy, recurrentLayer, train } from './train-loop.js';

export interface DemoOptions {
  seed: number;
  epochs: number;
  fineTuneEpochs: number;
  warmupEpochs: number;
  rampEpochs: number;
  units: number;
  samples: number;
  batchSize: number;
  lr: number;
  ibLr: number;
  klFac: number;
  backend: BackendChoice;
  out: string;
  json: boolean;
}

export const DEMO_DEFAULTS: DemoOptions = {
  seed: 1,
  epochs: 30,
  fineTuneEpochs: 5,
  warmupEpochs: 6,
  rampEpochs: 6,
  units: 32,
  samples: 4096,
  batchSize: 64,
  lr: 1e-2,
  ibLr: 5e-2,
  klFac: 3e-3,
  backend: 'auto',
  out: 'output/demo',
  json: false,
};

export interface DemoSummary {
  backend: string;
  informativeFeatures: number[];
  keptInputs: number[];
  keptUnits: number;
  units: number;
  accuracyBefore: number;
  accuracyAfter: number;
  maxPredictionDifference: number;
  lstmParamsBefore: number;
  lstmParamsAfter: number;
  totalParamsBefore: number;
  totalParamsAfter: number;
  compression: number;
  savedTo: string;
  history: ReturnType<typeof train>;
}

export async function runDemo(options: DemoOptions, log: (line: string) => void = console.log): Promise<DemoSummary> {
  const backend = await selectBackend(options.backend);
  log(describeBackend(backend));
  const task = { ...DEFAULT_TASK, seed: options.seed };
  const trainSet = generateSequenceTask({ ...task, samples: options.samples });
  const testSet = generateSequenceTask({ ...task, samples: Math.max(256, options.samples >> 2), seed: options.seed + 7919 });
  log(
    `task: ${task.classes} classes, ${task.steps} steps x ${task.features} features; ` +
      `only features [${trainSet.informative.join(', ')}] carry the label`,
  );
  const model = buildDemoModel({ ...task, units: options.units, klFac: options.klFac, seed: options.seed });
  const history = train(model, trainSet.x, trainSet.y, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    lr: options.lr,
    ibLr: options.ibLr,
    seed: options.seed,
    klFacAt: klWarmup(options.klFac, options.warmupEpochs, options.rampEpochs),
    onEpoch: (r) =>
      log(
        `epoch ${String(r.epoch).padStart(3)}/${options.epochs}  loss ${r.loss.toFixed(4)}  ` +
          `klFac ${(r.klFac ?? 0).toExponential(0)}  train acc ${(100 * r.trainAccuracy).toFixed(1)}%  kept inputs ${r.keptInputs}/${task.features}  ` +
          `kept units ${r.keptUnits}/${options.units}  ${r.seconds.toFixed(1)}s`,
      ),
  });

  const accuracyBefore = accuracy(model, testSet.x, testSet.y);
  // Fine-tune with the masks frozen (hard 0/1 gates, no KL): the model that
  // compaction reproduces exactly, trained as such (PAPER_NOTES section 3).
  setFrozenMask(model, true);
  for (const layer of gatedLayers(model)) for (const gate of layer.vibGates) gate.settings.inferenceMode = 'hard';
  if (options.fineTuneEpochs > 0) {
    log(`fine-tuning ${options.fineTuneEpochs} epochs with frozen masks`);
    history.push(
      ...train(model, trainSet.x, trainSet.y, {
        epochs: options.fineTuneEpochs,
        batchSize: options.batchSize,
        lr: options.lr,
        ibLr: options.ibLr,
        seed: options.seed + 1,
        phase: 'fine-tune',
        onEpoch: (r) => log(`fine-tune ${r.epoch}/${options.fineTuneEpochs}  loss ${r.loss.toFixed(4)}  train acc ${(100 * r.trainAccuracy).toFixed(1)}%`),
      }),
    );
  }
  const result = compact(model);
  const keptTest = tf.gather(testSet.x, result.keptInputs, 2);
  const accuracyAfter = accuracy(result.model, keptTest, testSet.y);
  const maxPredictionDifference = tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(model.predict(testSet.x) as tf.Tensor, result.model.predict(keptTest) as tf.Tensor))).dataSync()[0],
  );
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  await saveCompact(result, out);

  const summary: DemoSummary = {
    backend: backend.name,
    informativeFeatures: trainSet.informative,
    keptInputs: result.keptInputs,
    keptUnits: recurrentLayer(model).prunableUnits().units.kept.length,
    units: options.units,
    accuracyBefore,
    accuracyAfter,
    maxPredictionDifference,
    lstmParamsBefore: result.report.recurrent.paramsBefore,
    lstmParamsAfter: result.report.recurrent.paramsAfter,
    totalParamsBefore: result.report.totals.paramsBefore,
    totalParamsAfter: result.report.totals.paramsAfter,
    compression: result.report.totals.paramRatio,
    savedTo: out,
    history,
  };
  const summaryFile = join(out, 'demo-summary.json');
  writeFileSync(`${summaryFile}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(`${summaryFile}.tmp`, summaryFile);

  log('');
  log(formatReport(result.report));
  log('');
  log(`kept input features: [${result.keptInputs.join(', ')}] (informative: [${trainSet.informative.join(', ')}])`);
  log(`kept hidden units:   ${summary.keptUnits} of ${options.units}`);
  log(`test accuracy:       ${(100 * accuracyBefore).toFixed(1)}% (VIB model)  ->  ${(100 * accuracyAfter).toFixed(1)}% (compact model, after fine-tuning)`);
  log(`compact vs VIB model (hard masks): max |prediction difference| ${maxPredictionDifference.toExponential(2)}`);
  log(`LSTM parameters:     ${summary.lstmParamsBefore} -> ${summary.lstmParamsAfter} (${(summary.lstmParamsBefore / Math.max(1, summary.lstmParamsAfter)).toFixed(1)}x)`);
  log(`compact model saved: ${out} (model.json, weights.bin, compression.json, demo-summary.json)`);
  tf.dispose([trainSet.x, trainSet.y, testSet.x, testSet.y, keptTest]);
  return summary;
}

export function demoCommand(): Command {
  const d = DEMO_DEFAULTS;
  return new Command('tfjs-compress-demo')
    .description('Train a VIB-LSTM on a generated sequence task, compact it to a plain tfjs LSTM and print the compression report.')
    .option('--seed <n>', 'seed of the data, the initialisation and the gate noise', integerOption('--seed'), d.seed)
    .option('--epochs <n>', 'training epochs', integerOption('--epochs'), d.epochs)
    .option('--fine-tune-epochs <n>', 'epochs of fine-tuning with frozen masks before compaction (0 to skip)', integerOption('--fine-tune-epochs', 0), d.fineTuneEpochs)
    .option('--warmup-epochs <n>', 'first epochs trained without the KL term', integerOption('--warmup-epochs', 0), d.warmupEpochs)
    .option('--ramp-epochs <n>', 'epochs over which klFac then rises linearly to --kl-fac', integerOption('--ramp-epochs', 0), d.rampEpochs)
    .option('--units <n>', 'hidden units of the VIB-LSTM', integerOption('--units'), d.units)
    .option('--samples <n>', 'training sequences (the test set is a quarter of this)', integerOption('--samples'), d.samples)
    .option('--batch-size <n>', 'sequences per training step', integerOption('--batch-size'), d.batchSize)
    .option('--lr <rate>', 'learning rate of the LSTM and head weights', positiveOption('--lr'), d.lr)
    .option('--ib-lr <rate>', 'learning rate of the VIB gate parameters', positiveOption('--ib-lr'), d.ibLr)
    .option('--kl-fac <factor>', 'weight of the KL term', positiveOption('--kl-fac'), d.klFac)
    .option('--backend <name>', 'auto (tfjs-node, else wasm, else cpu), tensorflow, wasm or cpu', d.backend)
    .option('--out <dir>', 'where to save the compact model and the summary', d.out)
    .option('--json', 'print only the summary as JSON', d.json);
}

// Run when executed (also through the npm bin symlink), not when imported by tests.
const invokedDirectly = process.argv[1] != null && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const command = demoCommand();
  command.parse();
  const options = command.opts<DemoOptions>();
  const quiet = options.json;
  runDemo(options, quiet ? () => undefined : console.log)
    .then((summary) => {
      if (quiet) console.log(JSON.stringify({ ...summary, history: summary.history }, null, 2));
    })
    .catch((error: Error) => {
      console.error(`demo failed: ${error.message}`);
      process.exit(1);
    });
}
