import type * as tfl from '@tensorflow/tfjs-layers';
import { expandVIB, fileSystemHandler } from '@tfjs-compress/prune';
import type { ClosableSource } from './compress-run.js';
import { readJson, runPaths, writeRun, type RunRecord } from './run-files.js';
import { klWarmup } from './schedules.js';
import { DEFAULT_SHRINK_MODE, DEFAULT_SHRINK_PATIENCE, type ShrinkSettings } from './shrink-check.js';
import { runTraining, type EpochRecord } from './training-session.js';
import type { CommonTrainOptions } from './train-cli.js';

/** The clips of a run: class names and the two sides of the split. */
export interface RunSplit<C> {
  classes: string[];
  train: C[];
  test: C[];
}

export interface TrainRunOptions<O extends CommonTrainOptions, C> {
  options: O;
  /** Reads and splits the dataset (not called when resuming: the run's own split is reused). */
  loadSplit: (options: O) => Promise<RunSplit<C>>;
  /** Input features per time step of the model. */
  features: (options: O) => number;
  /** One-line description of the model, for the log. */
  describeModel?: (options: O, split: RunSplit<C>) => string;
  /** Training and test batches of the split. Called once, after the run record is written. */
  sources: (options: O, split: RunSplit<C>) => Promise<{ train: ClosableSource; test: ClosableSource }>;
  /** The VIB model (from scratch), or the plain model when `pretrained`. */
  buildModel: (options: O, classes: number, pretrained: boolean) => tfl.LayersModel;
  /** The pre-trained route's conversion (e.g. `insertBottlenecks`). */
  toVib: (plain: tfl.LayersModel, options: O) => tfl.LayersModel;
  /** Modules the data-parallel workers import to register the model's classes. Default: DEFAULT_WORKER_IMPORTS. */
  workerImports?: readonly string[];
  log?: (line: string) => void;
}

export interface TrainRunOutcome<O, C> {
  model: tfl.LayersModel;
  history: EpochRecord[];
  run: RunRecord<O, C>;
  resumedFrom: number;
}

/**
 * A run directory's `train`: the split and options in <out>/run.json, then
 * app-kit's resumable `runTraining` (plain -> vib -> fine-tune, a checkpoint
 * per epoch, metrics.jsonl) and the final VIB model in <out>/vib-model, with
 * the reference accuracies (uncompressed, end of VIB) added to run.json.
 * With `resume`, the options and split the run started with are used.
 */
export async function trainRun<O extends CommonTrainOptions, C>(spec: TrainRunOptions<O, C>): Promise<TrainRunOutcome<O, C>> {
  const log = spec.log ?? console.log;
  const paths = runPaths(spec.options.out);
  const previous = spec.options.resume ? readJson<RunRecord<O, C>>(paths.run) : null;
  // A resumed run keeps the options it started with (the checkpoint was made with them).
  const o: O = previous ? { ...previous.options, resume: true, progress: spec.options.progress } : spec.options;
  const split: RunSplit<C> = previous ? { classes: previous.classes, train: previous.train, test: previous.test } : await spec.loadSplit(o);
  const features = spec.features(o);
  log(`data: ${split.classes.length} classes, ${split.train.length} training and ${split.test.length} test clips` +
    (spec.describeModel ? `; model: ${spec.describeModel(o, split)}` : ''));
  const run: RunRecord<O, C> = {
    options: o, features, ...split, vibPhaseTestAccuracy: null, uncompressedTestAccuracy: null, uncompressedBestTestAccuracy: null, finished: false,
  };
  await writeRun(o.out, run);
  const sources = await spec.sources(o, split);
  const pretrained = o.pretrainEpochs > 0;
  try {
    const result = await runTraining({
      outDir: paths.dir,
      epochs: { plain: o.pretrainEpochs, vib: o.epochs, 'fine-tune': o.fineTuneEpochs },
      buildModel: () => spec.buildModel(o, split.classes.length, pretrained),
      toVib: (plain) => spec.toVib(plain, o),
      train: sources.train,
      test: split.test.length > 0 ? sources.test : undefined,
      seed: o.seed,
      lr: o.lr,
      ibLr: o.ibLr,
      weightDecay: o.weightDecay,
      klFacAt: klWarmup(o.klFac, o.warmupEpochs, o.rampEpochs),
      shrink: shrinkSettings(o),
      parallel: parallelSettings(o, spec.workerImports),
      resume: o.resume,
      progress: o.progress,
      log,
    });
    // Saved at the original sizes, so compress, eval and report measure against the model the run started with.
    const vibModel = result.shrinkOrigin ? expandVIB(result.model, result.shrinkOrigin) : result.model;
    if (vibModel !== result.model) result.model.dispose();
    await vibModel.save(fileSystemHandler(paths.vibModel));
    Object.assign(run, referenceAccuracies(result.history), { finished: true });
    await writeRun(o.out, run);
    log(`VIB model saved in ${paths.vibModel}`);
    return { model: vibModel, history: result.history, run, resumedFrom: result.resumedFrom };
  } finally {
    await sources.train.close();
    await sources.test.close();
  }
}

/** Modules that register the classes of the apps' models in each worker (VIBLSTM, FeatureSelect after a shrink). */
export const DEFAULT_WORKER_IMPORTS: readonly string[] = ['@tfjs-compress/vib-rnn', '@tfjs-compress/prune'];

/** runTraining's `shrink` from the CLI options (off unless asked for). */
export function shrinkSettings(o: Pick<CommonTrainOptions, 'shrink' | 'shrinkPatience' | 'shrinkMode' | 'shrinkChecks'>): ShrinkSettings | false {
  if (o.shrink !== true) return false;
  return { patience: o.shrinkPatience ?? DEFAULT_SHRINK_PATIENCE, mode: o.shrinkMode ?? DEFAULT_SHRINK_MODE, checksPerEpoch: o.shrinkChecks ?? 1 };
}

/** runTraining's `parallel` from `--workers` (undefined: train on the main thread). */
export function parallelSettings(o: Pick<CommonTrainOptions, 'workers'>, imports: readonly string[] = DEFAULT_WORKER_IMPORTS) {
  return (o.workers ?? 1) > 1 ? { workers: o.workers!, imports: [...imports] } : undefined;
}

/** The accuracies run.json keeps for the reports: end of the VIB phase, and the uncompressed model's last and best. */
export function referenceAccuracies(history: readonly EpochRecord[]) {
  const lastVib = [...history].reverse().find((r) => r.phase === 'vib');
  const uncompressed = history.filter((r) => r.phase === 'plain' || (r.phase === 'vib' && r.klFac === 0));
  const scores = uncompressed.map((r) => r.testAccuracy).filter((a): a is number => a != null);
  return {
    vibPhaseTestAccuracy: lastVib?.testAccuracy ?? null,
    uncompressedTestAccuracy: scores.at(-1) ?? null,
    uncompressedBestTestAccuracy: scores.length > 0 ? Math.max(...scores) : null,
  };
}
