import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { klWarmup, runTraining, type EpochRecord } from '@tfjs-compress/app-kit';
import { fileSystemHandler } from '@tfjs-compress/prune';
import { describeBackend, selectBackend } from '@tfjs-compress/runtime';
import { InvalidArgumentError } from '@tfjs-compress/vib';
import { loadSplit, videoSource } from './dataset.js';
import { buildE2eModel, buildPlainModel, toVibModel, type E2eModelOptions } from './e2e-model.js';
import type { TrainOptions } from './options.js';
import { readJson, runPaths, writeRun, type RunRecord } from './run-files.js';

export interface TrainOutcome {
  model: tfl.LayersModel;
  history: EpochRecord[];
  run: RunRecord;
  resumedFrom: number;
}

export function modelOptions(options: TrainOptions, classes: number): E2eModelOptions {
  return {
    frames: options.frames,
    features: options.width * options.height * 3,
    units: options.units,
    classes,
    dropout: options.dropout,
    klFac: options.klFac,
    klMult: options.klMult,
    seed: options.seed,
    projection: projectionSpec(options),
  };
}

/** `{className, config}` of a tensor-train / tensor-ring projection (undefined: dense). */
export function projectionSpec(options: Pick<TrainOptions, 'projection' | 'projectionRank' | 'projectionOrder' | 'seed'>) {
  if (options.projection === 'dense') return undefined;
  return {
    className: options.projection === 'tt' ? 'tensor-train' : 'tensor-ring',
    config: { ranks: options.projectionRank, order: options.projectionOrder, seed: options.seed + 4099 },
  };
}

/**
 * Trains the end-to-end model (optionally by the pre-trained route), with a
 * checkpoint per epoch in <out>/checkpoint, metrics in <out>/metrics.jsonl,
 * and the final VIB model in <out>/vib-model.
 */
export async function train(options: TrainOptions, log: (line: string) => void = console.log): Promise<TrainOutcome> {
  const backend = await selectBackend(options.backend);
  log(describeBackend(backend));
  if (options.pretrainEpochs > 0 && options.projection !== 'dense') {
    throw new InvalidArgumentError('projection', options.projection, "'dense' on the pre-trained route (insertBottlenecks converts a plain dense LSTM)");
  }
  const paths = runPaths(options.out);
  const previous = options.resume ? readJson<RunRecord>(paths.run) : null;
  // A resumed run keeps the options it started with (the checkpoint was made with them).
  const effective: TrainOptions = previous ? { ...previous.options, resume: true, progress: options.progress } : options;
  const split = previous ? { classes: previous.classes, train: previous.train, test: previous.test } : await loadSplit(effective);
  const model = modelOptions(effective, split.classes.length);
  log(
    `data: ${split.classes.length} classes, ${split.train.length} training and ${split.test.length} test clips; ` +
      `model: ${effective.frames} x ${model.features} -> VIB-LSTM(${effective.units}) -> head -> ${split.classes.length}`,
  );
  const run: RunRecord = { options: effective, features: model.features, ...split, vibPhaseTestAccuracy: null, uncompressedTestAccuracy: null, uncompressedBestTestAccuracy: null, finished: false };
  await writeRun(effective.out, run);

  const stream = {
    frames: effective.frames,
    width: effective.width,
    height: effective.height,
    batchSize: effective.batchSize,
    classes: split.classes.length,
    seed: effective.seed,
    cacheDir: effective.cacheDir ?? join(paths.dir, 'frame-cache'),
    concurrency: effective.concurrency,
  };
  const trainSource = videoSource(split.train, 'train', stream);
  const testSource = videoSource(split.test, 'test', stream);
  const pretrained = effective.pretrainEpochs > 0;
  try {
    const result = await runTraining({
      outDir: paths.dir,
      epochs: { plain: effective.pretrainEpochs, vib: effective.epochs, 'fine-tune': effective.fineTuneEpochs },
      buildModel: () => (pretrained ? buildPlainModel(model) : buildE2eModel(model)),
      toVib: (plain) => toVibModel(plain, model),
      train: trainSource,
      test: split.test.length > 0 ? testSource : undefined,
      seed: effective.seed,
      lr: effective.lr,
      ibLr: effective.ibLr,
      weightDecay: effective.weightDecay,
      klFacAt: klWarmup(effective.klFac, effective.warmupEpochs, effective.rampEpochs),
      resume: effective.resume,
      progress: effective.progress,
      log,
    });
    await result.model.save(fileSystemHandler(paths.vibModel));
    const lastVib = [...result.history].reverse().find((r) => r.phase === 'vib');
    run.vibPhaseTestAccuracy = lastVib?.testAccuracy ?? null;
    const uncompressed = result.history.filter((r) => r.phase === 'plain' || (r.phase === 'vib' && r.klFac === 0));
    const scores = uncompressed.map((r) => r.testAccuracy).filter((a): a is number => a != null);
    run.uncompressedTestAccuracy = scores.at(-1) ?? null;
    run.uncompressedBestTestAccuracy = scores.length > 0 ? Math.max(...scores) : null;
    run.finished = true;
    await writeRun(effective.out, run);
    log(`VIB model saved in ${paths.vibModel}`);
    return { model: result.model, history: result.history, run, resumedFrom: result.resumedFrom };
  } finally {
    await trainSource.stream.close();
    await testSource.stream.close();
  }
}
