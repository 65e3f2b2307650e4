import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler } from '@tfjs-compress/prune/node';
import { expandLayersInPlace } from '@tfjs-compress/train';
import type { ClosableSource } from './compress-run.js';
import { killPoint } from './kill-points.js';
import { assertStepFitsWasm, estimateStepBytes, isWasmOutOfMemory, trainingStep } from './wasm-memory.js';
import { writeFailure } from './write-failure.js';
import { acquireRunLock } from './run-lock.js';
import { readJson, resumedTrainOptions, runPaths, writeRun, type RunRecord } from './run-files.js';
import { accuracyBudget, fixedRamp, targetCompression } from './schedules.js';
import { DEFAULT_SHRINK_MODE, DEFAULT_SHRINK_PATIENCE, type ShrinkSettings } from './shrink-check.js';
import { runTraining, type EpochRecord, type RunSchedule } from './training-session.js';
import { DEFAULT_CONTROLS_PER_EPOCH, DEFAULT_MAX_ACCURACY_DROP, DEFAULT_TARGET_COMPRESSION, DEFAULT_VALIDATION_FRACTION, type CommonTrainOptions } from './train-cli.js';
import { carveValidation, majorityShare } from './validation-split.js';

/** The clips of a run: class names and the sides of the split. */
export interface RunSplit<C> {
  classes: string[];
  train: C[];
  test: C[];
  /** Held out from the training clips for the accuracy budget (never the test clips); absent for the other policies. */
  validation?: C[];
}

export interface TrainRunOptions<O extends CommonTrainOptions, C extends { label: number }> {
  options: O;
  /** Reads and splits the dataset (not called when resuming: the run's own split is reused). */
  loadSplit: (options: O) => Promise<RunSplit<C>>;
  /** Input features per time step of the model. */
  features: (options: O) => number;
  /** One-line description of the model, for the log. */
  describeModel?: (options: O, split: RunSplit<C>) => string;
  /** Training, test and (when the split has validation clips) validation batches. Called once, after the run record is written. */
  sources: (options: O, split: RunSplit<C>) => Promise<{ train: ClosableSource; test: ClosableSource; validation?: ClosableSource }>;
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
export async function trainRun<O extends CommonTrainOptions, C extends { label: number }>(spec: TrainRunOptions<O, C>): Promise<TrainRunOutcome<O, C>> {
  const log = spec.log ?? console.log;
  const paths = runPaths(spec.options.out);
  const lock = await acquireRunLock(paths.dir);
  if (lock.takenOverFrom) log(`took over ${paths.dir}: the lock of process ${lock.takenOverFrom.pid} (started ${lock.takenOverFrom.started}) was left behind`);
  try {
    return await trainLocked(spec, paths, log);
  } finally {
    await lock.release();
  }
}

async function trainLocked<O extends CommonTrainOptions, C extends { label: number }>(
  spec: TrainRunOptions<O, C>,
  paths: ReturnType<typeof runPaths>,
  log: (line: string) => void,
): Promise<TrainRunOutcome<O, C>> {
  const previous = spec.options.resume ? readJson<RunRecord<O, C>>(paths.run) : null;
  const o: O = resumedTrainOptions(spec.options, previous);
  const split: RunSplit<C> = previous
    ? { classes: previous.classes, train: previous.train, test: previous.test, validation: previous.validation }
    : withValidation(await spec.loadSplit(o), o);
  const features = spec.features(o);
  // Before any clip is decoded: a step that cannot fit the wasm heap would fail only after that work.
  const { step, flags: memoryFlags } = trainingStep(o, features);
  assertStepFitsWasm(step, tf.getBackend(), memoryFlags);
  const held = split.validation ? `, ${split.validation.length} validation` : '';
  log(`data: ${split.classes.length} classes, ${split.train.length} training${held} and ${split.test.length} test clips` +
    (spec.describeModel ? `; model: ${spec.describeModel(o, split)}` : ''));
  log(`KL policy: ${describePolicy(o)}`);
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
      schedule: runSchedule(o, sources.validation, split.validation),
      shrink: shrinkSettings(o),
      parallel: parallelSettings(o, spec.workerImports),
      resume: o.resume,
      progress: o.progress,
      log,
    }).catch((error: unknown) => {
      if (!isWasmOutOfMemory(error)) throw error;
      const need = (estimateStepBytes(step) / 2 ** 30).toFixed(1);
      throw Object.assign(new Error(`training ran out of the wasm backend's 4 GiB heap (a step of this shape needs about ${need} GiB by estimate): lower ${memoryFlags}, or install @tensorflow/tfjs-node; the last checkpoint is intact and --resume goes on from it`), { cause: error });
    });
    // Saved at the original sizes, so compress, eval and report measure against the model the run started with.
    const vibModel = result.model;
    expandLayersInPlace(vibModel);
    try {
      await vibModel.save(fileSystemHandler(paths.vibModel));
    } catch (error) {
      vibModel.dispose();
      throw writeFailure('the VIB model to', paths.vibModel, error, 'The checkpoint of the finished run is intact: fix that and run with --resume to save the model again.');
    }
    killPoint('model-saved');
    Object.assign(run, referenceAccuracies(result.history), { finished: true });
    await writeRun(o.out, run);
    log(`VIB model saved in ${paths.vibModel}`);
    return { model: vibModel, history: result.history, run, resumedFrom: result.resumedFrom };
  } finally {
    await sources.train.close();
    await sources.test.close();
    await sources.validation?.close();
  }
}

/** The policy of a run: the accuracy budget unless the options ask for a target or the fixed ramp. */
export function policyOf(o: Pick<CommonTrainOptions, 'policy'>): NonNullable<CommonTrainOptions['policy']> {
  return o.policy ?? 'budget';
}

function describePolicy(o: CommonTrainOptions): string {
  switch (policyOf(o)) {
    case 'budget':
      return `accuracy budget: at most ${(100 * (o.maxAccuracyDrop ?? DEFAULT_MAX_ACCURACY_DROP)).toFixed(1)} points below the uncompressed model on the validation clips`;
    case 'target':
      return `target compression ${o.targetCompression ?? DEFAULT_TARGET_COMPRESSION}x of the recurrent layer`;
    case 'fixed':
      return `fixed ramp to klFac ${o.klFac} over ${o.rampEpochs} epochs after ${o.warmupEpochs} warm-up epochs`;
  }
}

/** The accuracy budget judges on clips held out from training: carved here, once, and kept in run.json. */
function withValidation<C extends { label: number }>(split: RunSplit<C>, o: CommonTrainOptions): RunSplit<C> {
  if (policyOf(o) !== 'budget') return split;
  const carved = carveValidation(split.train, o.validationFraction ?? DEFAULT_VALIDATION_FRACTION, o.seed);
  return { ...split, train: carved.train, validation: carved.validation };
}

/** runTraining's schedule from the options. */
export function runSchedule<C extends { label: number }>(o: CommonTrainOptions, validation: ClosableSource | undefined, clips: C[] | undefined): RunSchedule {
  const controlsPerEpoch = o.controlsPerEpoch ?? DEFAULT_CONTROLS_PER_EPOCH;
  switch (policyOf(o)) {
    case 'budget':
      if (validation == null || clips == null) throw new Error('the accuracy budget needs validation clips and their batches (sources().validation)');
      return accuracyBudget(o.maxAccuracyDrop ?? DEFAULT_MAX_ACCURACY_DROP, o.warmupEpochs, validation, {
        chanceAccuracy: majorityShare(clips.map((c) => c.label)),
        controlsPerEpoch,
      });
    case 'target':
      return targetCompression(o.targetCompression ?? DEFAULT_TARGET_COMPRESSION, o.warmupEpochs, { controlsPerEpoch });
    case 'fixed':
      return fixedRamp(o.klFac, o.warmupEpochs, o.rampEpochs);
  }
}

/** Modules that register the classes of the apps' models in each worker. */
export const DEFAULT_WORKER_IMPORTS: readonly string[] = ['@tfjs-compress/vib-rnn'];

/** runTraining's `shrink` from the CLI options (off unless asked for). */
export function shrinkSettings(o: Pick<CommonTrainOptions, 'shrink' | 'shrinkPatience' | 'shrinkMode' | 'shrinkChecks'>): ShrinkSettings | false {
  if (o.shrink !== true) return false;
  return { patience: o.shrinkPatience ?? DEFAULT_SHRINK_PATIENCE, mode: o.shrinkMode ?? DEFAULT_SHRINK_MODE, checksPerEpoch: o.shrinkChecks ?? 1 };
}

/** runTraining's `parallel` from `--workers` (undefined: train on the main thread). */
export function parallelSettings(o: Pick<CommonTrainOptions, 'workers'>, imports: readonly string[] = DEFAULT_WORKER_IMPORTS) {
  return (o.workers ?? 1) > 1 ? { workers: o.workers!, imports: [...imports] } : undefined;
}

/**
 * The accuracies run.json keeps for the reports: end of the VIB phase, the
 * uncompressed model's last and best, and the baseline chosen on validation
 * accuracy (the uncompressed epoch the budget is measured against).
 */
export function referenceAccuracies(history: readonly EpochRecord[]) {
  const lastVib = [...history].reverse().find((r) => r.phase === 'vib');
  // Nothing pruned yet: the plain and warm-up epochs, and VIB epochs before the first gate closed.
  // Records without a stage come from runs that ramped klFac per epoch: klFac 0 was the warm-up.
  const full = { inputs: Math.max(0, ...history.map((r) => r.keptInputs ?? 0)), units: Math.max(0, ...history.map((r) => r.keptUnits ?? 0)) };
  const unpruned = (r: EpochRecord) => r.phase === 'vib' && r.keptInputs === full.inputs && r.keptUnits === full.units;
  const uncompressed = history.filter(
    (r) => r.phase === 'plain' || r.stage === 'warmup' || (r.stage == null ? r.phase === 'vib' && r.klFac === 0 : unpruned(r)),
  );
  const scores = uncompressed.map((r) => r.testAccuracy).filter((a): a is number => a != null);
  // Ties go to the later epoch: it trained longer.
  const selected = uncompressed.reduce<EpochRecord | null>(
    (best, r) => (r.validationAccuracy != null && (best == null || r.validationAccuracy >= best.validationAccuracy!) ? r : best),
    null,
  );
  return {
    vibPhaseTestAccuracy: lastVib?.testAccuracy ?? null,
    uncompressedTestAccuracy: scores.at(-1) ?? null,
    uncompressedBestTestAccuracy: scores.length > 0 ? Math.max(...scores) : null,
    baselineTestAccuracy: selected?.testAccuracy ?? null,
    baselineValidationAccuracy: selected?.validationAccuracy ?? null,
  };
}
