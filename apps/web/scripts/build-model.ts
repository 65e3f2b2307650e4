/**
 * The Node half of `npm run build`: trains the demo's VIB-LSTM with the
 * demo's own run (`runDemo`, seeded, wasm backend) on a small config,
 * compacts it and saves the compact model into the Vite public dir, with a
 * JSON of test sequences, their labels and the probabilities the compact
 * model gives them in Node. The page loads both and must agree.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { DEMO_DEFAULTS, runDemo, type DemoOptions } from '@tfjs-compress/demo/main';
import { DEFAULT_TASK, generateSequenceTask } from '@tfjs-compress/demo/sequence-task';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler, loadCompact, saveQuantized } from '@tfjs-compress/prune/node';
import { SEQUENCES_FILE, SHIPPED_DIR, UINT8_DIR, type ShippedSequences } from '../src/shipped.js';

/** Half the demo's samples, two thirds of its epochs: about 15 s on one core (wasm). */
export const SHIPPED_RUN: DemoOptions = {
  ...DEMO_DEFAULTS,
  seed: 1,
  samples: 2048,
  epochs: 20,
  warmupEpochs: 4,
  fineTuneEpochs: 3,
  backend: 'wasm',
  json: false,
};
/** Sequences shipped for the page to classify. */
export const SHIPPED_SEQUENCES = 64;
/** Their generator seed: neither the training, validation nor test seed of the run. */
export const SEQUENCES_SEED = 2024;

const publicDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');

export async function buildShippedModel(log: (line: string) => void = console.log): Promise<ShippedSequences> {
  const out = join(publicDir, SHIPPED_DIR);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const started = performance.now();
  const summary = await runDemo({ ...SHIPPED_RUN, out }, () => undefined);
  const seconds = (performance.now() - started) / 1000;
  // The run's summary names this machine's paths: the page has no use for it.
  rmSync(join(out, 'demo-summary.json'), { force: true });
  log(
    `shipped model: ${summary.totalParamsBefore} -> ${summary.totalParamsAfter} parameters, kept inputs [${summary.keptInputs.join(', ')}], ` +
      `${summary.keptUnits}/${summary.units} units, test accuracy ${(100 * summary.accuracyAfter).toFixed(1)}% (${summary.backend}, ${seconds.toFixed(1)} s)`,
  );

  // Classify the shipped sequences with the saved files, exactly what the page loads.
  const { model, compression } = await loadCompact(out);
  const task = generateSequenceTask({ ...DEFAULT_TASK, samples: SHIPPED_SEQUENCES, seed: SEQUENCES_SEED });
  const probabilities = tf.tidy(() => model.predict(tf.gather(task.x, compression.keptInputs, 2)) as tf.Tensor2D);
  // The uint8 copy, read back the way any tfjs program reads it (dequantized on load).
  await saveQuantized(model, join(out, UINT8_DIR), { dtype: 'uint8' });
  const uint8 = await tfl.loadLayersModel(fileSystemHandler(join(out, UINT8_DIR)));
  const uint8Probabilities = tf.tidy(() => uint8.predict(tf.gather(task.x, compression.keptInputs, 2)) as tf.Tensor2D);
  const shipped: ShippedSequences = {
    seed: SEQUENCES_SEED,
    steps: DEFAULT_TASK.steps,
    features: DEFAULT_TASK.features,
    classes: DEFAULT_TASK.classes,
    keptInputs: compression.keptInputs,
    informative: task.informative,
    sequences: task.x.arraySync(),
    labels: Array.from(task.y.dataSync()),
    nodeProbabilities: probabilities.arraySync(),
    nodeUint8Probabilities: uint8Probabilities.arraySync(),
    nodeBackend: tf.getBackend(),
    training: {
      samples: SHIPPED_RUN.samples,
      epochs: SHIPPED_RUN.epochs,
      units: SHIPPED_RUN.units,
      seed: SHIPPED_RUN.seed,
      testAccuracy: summary.accuracyAfter,
    },
  };
  writeFileSync(join(out, SEQUENCES_FILE), `${JSON.stringify(shipped)}\n`);
  const correct = shipped.labels.filter((label, n) => argMax(shipped.nodeProbabilities[n]) === label).length;
  log(`shipped ${SHIPPED_SEQUENCES} sequences: ${correct}/${SHIPPED_SEQUENCES} classified right in Node -> public/${SHIPPED_DIR}/`);
  tf.dispose([task.x, task.y, probabilities, uint8Probabilities]);
  model.dispose();
  uint8.dispose();
  return shipped;
}

function argMax(values: number[]): number {
  return values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildShippedModel().catch((error: Error) => {
    console.error(`build-model failed: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}
