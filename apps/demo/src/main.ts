#!/usr/bin/env node
/**
 * `npm start`: trains a VIB-LSTM on a generated sequence task in which only a
 * few input features carry the label, compacts it into a plain tfjs model and
 * prints the compression report.
 */
import { mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { CustomCallback } from '@tensorflow/tfjs-layers';
import { compact, formatReport } from '@tfjs-compress/prune';
import { saveCompact } from '@tfjs-compress/prune/node';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { FixedRampPolicy, shuffledBatches, vibCallback, vibOptimizer, type ScheduleStage, type VIBCallbackOptions } from '@tfjs-compress/train';
import { buildDemoModel } from './demo-model.js';
import { DEFAULT_TASK, generateSequenceTask } from './sequence-task.js';
import {
  DEFAULT_MAX_ACCURACY_DROP,
  DEFAULT_TARGET_COMPRESSION,
  POLICY_NAMES,
  choiceOption,
  fractionOption,
  integerOption,
  positiveOption,
  type PolicyName,
} from '@tfjs-compress/app-kit';
import { accuracy, recurrentLayer } from './evaluation.js';

export interface DemoOptions {
  seed: number;
  /** Epochs of the whole fit: warm-up, VIB stage and fine-tune. */
  epochs: number;
  fineTuneEpochs: number;
  warmupEpochs: number;
  /** Shrink-as-you-train: the LSTM removes pruned inputs and units from its weights during fit. */
  shrink: boolean;
  /** 'budget' (default), 'target' or 'fixed'. */
  policy: PolicyName;
  maxAccuracyDrop: number;
  targetCompression: number;
  /** 'fixed': the ramp after the warm-up and the klFac it reaches. */
  rampEpochs: number;
  klFac: number;
  units: number;
  samples: number;
  batchSize: number;
  lr: number;
  ibLr: number;
  backend: BackendChoice;
  out: string;
  json: boolean;
}

export const DEMO_DEFAULTS: DemoOptions = {
  seed: 1,
  epochs: 30,
  fineTuneEpochs: 5,
  warmupEpochs: 6,
  shrink: true,
  policy: 'budget',
  maxAccuracyDrop: DEFAULT_MAX_ACCURACY_DROP,
  targetCompression: DEFAULT_TARGET_COMPRESSION,
  rampEpochs: 6,
  klFac: 3e-3,
  units: 32,
  samples: 4096,
  batchSize: 64,
  lr: 1e-2,
  ibLr: 5e-2,
  backend: 'auto',
  out: 'output/demo',
  json: false,
};

/** One epoch of the fit, from the logs the VIB callback adds. */
export interface DemoEpoch {
  epoch: number;
  stage: ScheduleStage;
  klFac: number;
  loss: number;
  keptInputs: number;
  keptUnits: number;
  /** Inputs and units the LSTM's weights still hold (fewer than its sizes once it shrank in place). */
  liveInputs: number;
  liveUnits: number;
  /** Validation accuracy with hard masks (what compact would keep). */
  hardValAccuracy: number | null;
  seconds: number;
}

export interface DemoSummary {
  backend: string;
  informativeFeatures: number[];
  keptInputs: number[];
  keptUnits: number;
  units: number;
  /** Budget: the validation accuracy of the uncompressed model it is measured from (null for the other policies). */
  uncompressedValidationAccuracy: number | null;
  accuracyBefore: number;
  accuracyAfter: number;
  maxPredictionDifference: number;
  lstmParamsBefore: number;
  lstmParamsAfter: number;
  totalParamsBefore: number;
  totalParamsAfter: number;
  compression: number;
  savedTo: string;
  history: DemoEpoch[];
}

/** The demo's KL policy as vibCallback options. */
function policyOptions(o: DemoOptions, validation: [tf.Tensor, tf.Tensor]): VIBCallbackOptions {
  switch (o.policy) {
    case 'budget':
      return { validationData: validation, maxAccuracyDrop: o.maxAccuracyDrop };
    case 'target':
      return { targetCompression: o.targetCompression };
    case 'fixed':
      return { policy: new FixedRampPolicy({ klFac: o.klFac, rampEpochs: o.rampEpochs }) };
  }
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
  const validationSet = generateSequenceTask({ ...task, samples: Math.max(256, options.samples >> 3), seed: options.seed + 104_729 });
  const model = buildDemoModel({ ...task, units: options.units, klFac: options.klFac, seed: options.seed });
  // Plain tfjs training plus the two lines of the train package: its optimizer and its callback.
  model.compile({ optimizer: vibOptimizer({ lr: options.lr, ibLr: options.ibLr }), loss: 'categoricalCrossentropy' });
  const callback = vibCallback({
    ...policyOptions(options, [validationSet.x, validationSet.y]),
    warmupEpochs: options.warmupEpochs,
    fineTuneEpochs: options.fineTuneEpochs,
    shrink: options.shrink,
  });
  const history: DemoEpoch[] = [];
  let started = performance.now();
  const oneHot = tf.oneHot(trainSet.y, task.classes);
  // Seeded batch order (model.fit's own shuffle draws from Math.random).
  const batches = shuffledBatches(trainSet.x, oneHot, { batchSize: options.batchSize, seed: options.seed });
  await model.fitDataset(batches.dataset, {
    epochs: options.epochs,
    batchesPerEpoch: batches.batchesPerEpoch,
    verbose: 0,
    callbacks: [
      callback,
      new CustomCallback({
        onEpochEnd: (epoch, logs = {}) => {
          const record: DemoEpoch = {
            epoch: epoch + 1,
            stage: callback.schedule.stage,
            klFac: logs.klFac as number,
            loss: logs.loss as number,
            keptInputs: logs.keptInputs as number,
            keptUnits: logs.keptUnits as number,
            liveInputs: recurrentLayer(model).cell.liveInputs,
            liveUnits: recurrentLayer(model).cell.liveUnits,
            hardValAccuracy: (logs.hardValAccuracy as number | undefined) ?? null,
            seconds: (performance.now() - started) / 1000,
          };
          started = performance.now();
          history.push(record);
          log(formatDemoEpoch(record, options, task.features));
        },
      }),
    ],
  });
  tf.dispose(oneHot);
  // The fit ended with masks frozen hard (after the fine-tune): the model compaction reproduces exactly.
  const accuracyBefore = accuracy(model, testSet.x, testSet.y);
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
    uncompressedValidationAccuracy: callback.policy.referenceAccuracy,
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
  if (summary.uncompressedValidationAccuracy != null) {
    log(`uncompressed model:  ${(100 * summary.uncompressedValidationAccuracy).toFixed(1)}% validation accuracy (the budget's reference)`);
  }
  log(`test accuracy:       ${(100 * accuracyBefore).toFixed(1)}% (VIB model)  ->  ${(100 * accuracyAfter).toFixed(1)}% (compact model, after fine-tuning)`);
  log(`compact vs VIB model (hard masks): max |prediction difference| ${maxPredictionDifference.toExponential(2)}`);
  log(`LSTM parameters:     ${summary.lstmParamsBefore} -> ${summary.lstmParamsAfter} (${(summary.lstmParamsBefore / Math.max(1, summary.lstmParamsAfter)).toFixed(1)}x)`);
  log(`compact model saved: ${out} (model.json, weights.bin, compression.json, demo-summary.json)`);
  tf.dispose([trainSet.x, trainSet.y, testSet.x, testSet.y, validationSet.x, validationSet.y, keptTest]);
  model.optimizer.dispose();
  return summary;
}

function formatDemoEpoch(r: DemoEpoch, o: DemoOptions, features: number): string {
  const validation = r.hardValAccuracy == null ? '' : `  val acc ${(100 * r.hardValAccuracy).toFixed(1)}%`;
  return (
    `epoch ${String(r.epoch).padStart(3)}/${o.epochs} ${r.stage.padEnd(9)}  loss ${r.loss.toFixed(4)}  klFac ${r.klFac.toExponential(1)}${validation}  ` +
    `kept inputs ${r.keptInputs}/${features}  kept units ${r.keptUnits}/${o.units}  layer ${r.liveInputs}x${r.liveUnits}  ${r.seconds.toFixed(1)}s`
  );
}

export function demoCommand(): Command {
  const d = DEMO_DEFAULTS;
  return new Command('tfjs-compress-demo')
    .description('Train a VIB-LSTM on a generated sequence task, compact it to a plain tfjs LSTM and print the compression report.')
    .option('--seed <n>', 'seed of the data, the initialisation and the gate noise', integerOption('--seed'), d.seed)
    .option('--epochs <n>', 'epochs of the whole fit (warm-up, VIB stage, fine-tune)', integerOption('--epochs'), d.epochs)
    .option('--fine-tune-epochs <n>', 'last epochs, trained with frozen hard masks before compaction', integerOption('--fine-tune-epochs', 0), d.fineTuneEpochs)
    .option('--warmup-epochs <n>', 'first epochs trained without the KL term, gates frozen', integerOption('--warmup-epochs', 0), d.warmupEpochs)
    .option('--no-shrink', 'keep the LSTM at full size during fit (masks only; compact still removes what they prune)')
    .addOption(
      new Option('--policy <name>', "'budget' compresses while validation accuracy stays within --max-accuracy-drop; 'target' steers to --target-compression; 'fixed' ramps to --kl-fac")
        .argParser(choiceOption('--policy', POLICY_NAMES))
        .default(d.policy),
    )
    .option('--max-accuracy-drop <f>', 'budget: largest validation accuracy drop, as a fraction (0.01 = 1 point)', fractionOption('--max-accuracy-drop'), d.maxAccuracyDrop)
    .option('--target-compression <x>', 'target: compression of the LSTM to reach', positiveOption('--target-compression'), d.targetCompression)
    .option('--ramp-epochs <n>', 'fixed: epochs over which klFac rises linearly to --kl-fac', integerOption('--ramp-epochs', 0), d.rampEpochs)
    .option('--units <n>', 'hidden units of the VIB-LSTM', integerOption('--units'), d.units)
    .option('--samples <n>', 'training sequences (the test set is a quarter of this)', integerOption('--samples'), d.samples)
    .option('--batch-size <n>', 'sequences per training step', integerOption('--batch-size'), d.batchSize)
    .option('--lr <rate>', 'learning rate of the LSTM and head weights', positiveOption('--lr'), d.lr)
    .option('--ib-lr <rate>', 'learning rate of the VIB gate parameters', positiveOption('--ib-lr'), d.ibLr)
    .option('--kl-fac <factor>', "fixed: weight of the KL term after the ramp (also the layers' initial klFac)", positiveOption('--kl-fac'), d.klFac)
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
