import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataParallelTrainer, leanAdamState, type DataParallelOptions } from '@tfjs-compress/parallel';
import { VIBSchedule, assertFiniteLoss, assertFiniteWeights, sliceOptimizerMoments, sliceSnapshot, type KlPolicy, type SavedSchedule, type ScheduleStage, type VIBScheduleState } from '@tfjs-compress/train';
import { LeanAdam, VIBTrainer, categoricalCrossentropy, gatedLayers, setFrozenMask, silenceGates } from '@tfjs-compress/vib';
import { assertNonNegative, assertPositive } from '@tfjs-compress/common';
import { hasCheckpoint, loadCheckpoint, restoreOptimizer, saveCheckpoint } from './checkpoint.js';
import { setDropoutSeeds } from './dropout-seeds.js';
import { evaluate, labelsOf, type BatchSource } from './evaluate.js';
import { killPoint } from './kill-points.js';
import { MetricsLog } from './metrics-log.js';
import { epochProgress } from './progress.js';
import { initialShrinkState, midEpochCheckAfter, resolveShrinkSettings, shrinkCheck, type ShrinkSettings, type ShrinkState } from './shrink-check.js';
import { findRecurrentLayer, freezeMasks, keptCounts, resetGateNoise } from './vib-model.js';

/**
 * Training stages, run in this order (stages with 0 epochs are skipped):
 * 'plain' trains the model without gates (the pre-trained route), 'vib'
 * trains under the schedule's policy (its warm-up included; after `toVib`
 * converted a plain model), 'fine-tune' trains with frozen hard masks. The
 * schedule may end the 'vib' stage early: its remaining epochs fine-tune.
 */
export type Phase = 'plain' | 'vib' | 'fine-tune';
export const PHASES: readonly Phase[] = ['plain', 'vib', 'fine-tune'];

export interface EpochRecord {
  phase: Phase;
  /** The schedule's stage when the epoch began ('warmup' epochs are 'vib' ones with klFac 0 and frozen gates). */
  stage?: 'plain' | ScheduleStage;
  /** 1-based over the whole run. */
  epoch: number;
  /** 1-based within the phase. */
  phaseEpoch: number;
  klFac: number | null;
  /** Mean training loss (task + KL) over the epoch's batches. */
  loss: number;
  /** Accuracy on the training batches as trained (noise and dropout on). */
  trainAccuracy: number;
  testAccuracy: number | null;
  testLoss: number | null;
  /** The schedule's validation accuracy at the epoch's end (as trained: soft gates), when it has validation batches. */
  validationAccuracy?: number | null;
  keptInputs: number | null;
  keptUnits: number | null;
  /**
   * Input features and hidden units the recurrent layer's weights still hold
   * after this epoch (fewer than its totals once shrink-as-you-train removed some).
   */
  modelInputs?: number | null;
  modelUnits?: number | null;
  batches: number;
  seconds: number;
}

/** What the checkpoint keeps besides the model and the optimizers. */
export interface SessionState {
  completedEpochs: number;
  history: EpochRecord[];
  /** Free-form data of the app (e.g. its options), saved with every checkpoint. */
  meta: Record<string, unknown>;
  /** Shrink-as-you-train bookkeeping (absent when shrinking is off). */
  shrink?: ShrinkState;
  /** Inputs and units of the recurrent layer before any shrink (for "kept x of total"). */
  totals?: { inputs: number; units: number } | null;
  /** The VIB schedule's state (its kept weights are in the checkpoint's tensors under 'schedule'). */
  schedule?: VIBScheduleState;
}

/**
 * The VIB schedule of the 'vib' and 'fine-tune' epochs (@tfjs-compress/train's
 * `VIBSchedule`, the engine `vibCallback` runs inside `model.fit`).
 */
export interface RunSchedule {
  /** Makes the KL policy (a fresh one per run: policies keep state). */
  policy: () => KlPolicy;
  /** First 'vib' epochs with klFac 0 and the gates frozen at identity, >= 0. */
  warmupEpochs: number;
  /** Held-out batches the policy judges on (needed by an accuracy budget); never the test batches. */
  validation?: BatchSource;
  /** The majority class's share of the validation batches (the trained-arrival rule). Default: 0. */
  chanceAccuracy?: number;
  /** Control points (klFac updates, validation checks) per epoch. Default: 1. */
  controlsPerEpoch?: number;
}

export interface TrainingSessionOptions {
  /** Where checkpoint/ and metrics.jsonl go. */
  outDir: string;
  /** Epochs per phase. */
  epochs: Partial<Record<Phase, number>>;
  /** Builds the initial model (plain when `epochs.plain` > 0, else the VIB model). */
  buildModel: () => tfl.LayersModel;
  /** Turns the trained plain model into the VIB model (e.g. `insertBottlenecks`). Required with a plain phase. */
  toVib?: (plain: tfl.LayersModel) => tfl.LayersModel;
  train: BatchSource;
  /** Evaluated after every epoch when given. */
  test?: BatchSource;
  seed: number;
  lr: number;
  ibLr: number;
  /** Default: 0. */
  weightDecay?: number;
  /**
   * klFac, warm-up and the state fine-tuned, for the 'vib' + 'fine-tune'
   * epochs. During the warm-up the gates are frozen (identity, no noise, not
   * trained): the model trains as a plain LSTM first, and the gate
   * parameters, with their large learning rate, do not random-walk before the
   * KL term gives them a direction.
   */
  schedule: RunSchedule;
  /**
   * Shrink-as-you-train: after each 'vib' and 'fine-tune' epoch, physically
   * remove the input features and hidden units whose VIB masks have removed
   * them for `patience` checks in a row (prune's `shrinkVIB`), slicing the
   * optimizers' moments to match, so later steps cost less. The model keeps
   * its input shape (a FeatureSelect in front) and checkpoints hold the
   * shrunk model. Only what is pruned in the schedule's held states too (a
   * kept state it may roll back to, candidates) goes, and those copies are
   * sliced along. `false` trains with masks only. Default: false.
   */
  shrink?: ShrinkSettings | false;
  /**
   * Data-parallel training over worker threads (@tfjs-compress/parallel):
   * each worker its own backend (wasm by default) and a slice of every batch.
   * `imports` must register the model's custom layers in the workers:
   * '@tfjs-compress/vib-rnn', plus '@tfjs-compress/tensor' for TT/TR
   * projections and '@tfjs-compress/prune' for FeatureSelect after a shrink.
   * Results equal the single-thread run's when gates are frozen and there is
   * no dropout; with noise, each worker draws its own (seeded). Default: off.
   */
  parallel?: Pick<DataParallelOptions, 'workers' | 'imports' | 'backend'>;
  /** Continue from the checkpoint in outDir when there is one. Default: false (start over). */
  resume?: boolean;
  /** Saved in the checkpoint state (e.g. the options of the run). */
  meta?: Record<string, unknown>;
  /** Progress bars on stderr. Default: when stderr is a terminal. */
  progress?: boolean;
  log?: (line: string) => void;
  onEpoch?: (record: EpochRecord) => void;
}

export interface TrainingResult {
  model: tfl.LayersModel;
  history: EpochRecord[];
  /** 0 for a fresh run, else the epochs already done by the checkpoint resumed from. */
  resumedFrom: number;
}

export const CHECKPOINT_DIR = 'checkpoint';
export const METRICS_FILE = 'metrics.jsonl';

/** Epochs of the plain stage and of the schedule's run ('vib' + 'fine-tune'). */
function plan(epochs: Partial<Record<Phase, number>>): { plain: number; scheduled: number; fineTune: number } {
  for (const phase of PHASES) assertNonNegative(epochs[phase] ?? 0, `epochs.${phase}`);
  const fineTune = epochs['fine-tune'] ?? 0;
  return { plain: epochs.plain ?? 0, scheduled: (epochs.vib ?? 0) + fineTune, fineTune };
}

/** Seeds derived from the run seed, far apart so streams do not overlap. */
const dropoutSeed = (seed: number, step: number) => seed * 1_000_003 + step * 31 + 11;

/** Key of the schedule's tensors among a checkpoint's tensor groups. */
const SCHEDULE_TENSORS = 'schedule';

/**
 * A resumable training run: an optional plain stage, then the VIB schedule
 * (warm-up, the policy's VIB stage, the frozen-mask fine-tune; see
 * `RunSchedule`), two learning rates, seeded everything, a progress bar per
 * epoch, one JSONL metrics line and one atomic checkpoint (model, the
 * LeanAdam state of both optimizers, the schedule's state, history) per
 * epoch. Killed at any time, `resume: true` goes on from the last checkpoint
 * and ends with what an uninterrupted run gives: gate noise restarts each
 * epoch and dropout seeds follow the global step, so no random stream needs
 * saving.
 */
export async function runTraining(options: TrainingSessionOptions): Promise<TrainingResult> {
  assertPositive(options.lr, 'lr');
  assertPositive(options.ibLr, 'ibLr');
  const log = options.log ?? console.log;
  const planned = plan(options.epochs);
  const totalEpochs = planned.plain + planned.scheduled;
  if (planned.plain > 0 && options.toVib == null) throw new Error('runTraining: a plain phase needs toVib');
  const shrinkSettings = options.shrink == null || options.shrink === false ? null : options.shrink;
  const shrinkChecks = shrinkSettings ? resolveShrinkSettings(shrinkSettings).checksPerEpoch : 1;
  const checkpointDir = join(options.outDir, CHECKPOINT_DIR);
  const metrics = new MetricsLog<EpochRecord>(join(options.outDir, METRICS_FILE));

  let model: tfl.LayersModel;
  let state: SessionState;
  let saved: Record<string, tf.NamedTensorMap> = {};
  if (options.resume && hasCheckpoint(checkpointDir)) {
    const loaded = await loadCheckpoint<SessionState>(checkpointDir);
    model = loaded.model;
    state = loaded.state;
    saved = loaded.optimizers;
    await metrics.rewrite(state.history);
    log(`resuming from ${loaded.dir}: ${state.completedEpochs} of ${totalEpochs} epochs done`);
  } else {
    model = options.buildModel();
    state = { completedEpochs: 0, history: [], meta: options.meta ?? {} };
    await metrics.rewrite([]);
  }
  const resumedFrom = state.completedEpochs;
  // Mode 'mask': silencing is not part of a saved model; the checkpoint's state says what to silence again.
  if (state.shrink?.silenced) silenceGates(model, state.shrink.silenced);

  const divergedAdvice = () =>
    `The checkpoint in ${checkpointDir} (${state.completedEpochs} epochs done) is intact and --resume goes on from it; ` +
    'the same seed diverges the same way again, so lower --lr / --ib-lr (a new run) or check the data for NaN or Inf.';
  let trainer: VIBTrainer | null = null;
  let optimizers: { gate: LeanAdam; rest: LeanAdam } | null = null;
  let schedule: VIBSchedule | null = null;
  let finished = false;
  /** A trainer on the current model; with `reuse`, driving existing optimizers (gate first, as VIBTrainer asks). */
  const makeTrainer = (reuse?: LeanAdam[]) => {
    const made: LeanAdam[] = [];
    // Built here (not inside VIBTrainer) so that checkpoints can read and restore their moments.
    const built = new VIBTrainer(model, {
      lr: options.lr,
      ibLr: options.ibLr,
      weightDecay: options.weightDecay ?? 0,
      optimizer: (rate) => {
        const o = reuse?.[made.length] ?? new LeanAdam(rate);
        made.push(o);
        return o;
      },
    });
    return { trainer: built, optimizers: { gate: made[0], rest: made[1] } };
  };
  let dp: DataParallelTrainer | null = null;
  /** (Re)starts the workers on the current model, continuing from the main-thread optimizers' moments and the schedule's settings. */
  const startWorkers = async () => {
    if (!options.parallel) return;
    await dp?.dispose();
    dp = await DataParallelTrainer.create(model, {
      ...options.parallel,
      lr: options.lr,
      ibLr: options.ibLr,
      weightDecay: options.weightDecay ?? 0,
      seed: options.seed,
    });
    log(`data-parallel: ${dp.liveWorkers} worker threads on ${options.parallel.backend ?? 'wasm'}`);
    if (state.shrink?.silenced) await dp.silence(state.shrink.silenced);
    const moments = { gate: await leanAdamState(model, optimizers!.gate), rest: await leanAdamState(model, optimizers!.rest) };
    await dp.importOptimizerState(moments);
    tf.dispose(moments);
    const current = schedule as VIBSchedule | null;
    if (current != null) {
      await sendSettings(current.klFac, current.frozen);
      await (dp as DataParallelTrainer | null)?.setLearningRateScale(current.learningRateScale);
    }
  };
  /** The fine-tune's annealing: the main thread's optimizers and the workers'. */
  const scaleLearningRate = async (scale: number) => {
    optimizers?.gate.setLearningRateScale(scale);
    optimizers?.rest.setLearningRateScale(scale);
    await (dp as DataParallelTrainer | null)?.setLearningRateScale(scale);
  };
  /** The schedule's klFac and frozen state to the workers (when there are workers). */
  const sendSettings = async (klFac: number, frozen: boolean) => {
    const parallel = dp as DataParallelTrainer | null;
    if (parallel == null) return;
    await parallel.setKlFac(klFac);
    await parallel.setFrozenMask(frozen);
  };
  /** Weights and moments back from the workers: before evaluation, shrinking, checkpoints and the schedule's measurements. */
  const syncFromWorkers = async () => {
    if (dp == null) return;
    await dp.syncTo(model);
    const state = await dp.exportOptimizerState();
    // restoreOptimizer disposes the tensors it is given.
    await restoreOptimizer(optimizers!.gate, model, state.gate);
    await restoreOptimizer(optimizers!.rest, model, state.rest);
  };
  /** One shrink check on the current model (workers synced first by the caller); swaps in the shrunk model. True when something went or was silenced. */
  const runShrinkCheck = async (settings: ShrinkSettings): Promise<boolean> => {
    const current = schedule as VIBSchedule | null;
    const check = shrinkCheck(model, state.shrink ?? initialShrinkState(), settings, current?.heldWeights ?? []);
    state.shrink = check.state;
    if (check.result) {
      const { slices } = check.result;
      await sliceOptimizerMoments(optimizers!.gate, slices);
      await sliceOptimizerMoments(optimizers!.rest, slices);
      if (current?.holdsWeights) current.rebind(model, sliceSnapshot(slices));
      killPoint('shrink');
      // The workers hold their shards of the moments by flat position: they start again from the shrunk model.
      await startWorkers();
      const live = findRecurrentLayer(model)?.cell;
      log(`shrink: removed ${check.result.inputs} input features and ${check.result.units} units; the layer now reads ${live?.liveInputs ?? '?'} inputs`);
    }
    if (check.silenced) {
      await (dp as DataParallelTrainer | null)?.silence(check.state.silenced!);
      log(`shrink (mask): silenced ${check.silenced.inputs} input features and ${check.silenced.units} units`);
    }
    return check.result != null || check.silenced != null;
  };
  /** Fresh optimizers (or, with `restore`, the checkpoint's moments) and workers on the current model. */
  const startPhase = async (restore: boolean) => {
    trainer?.dispose();
    ({ trainer, optimizers } = makeTrainer());
    if (restore) {
      await restoreOptimizer(optimizers.gate, model, saved.gate);
      await restoreOptimizer(optimizers.rest, model, saved.rest);
    }
    for (const key of ['gate', 'rest']) tf.dispose(Object.values(saved[key] ?? {}));
    delete saved.gate;
    delete saved.rest;
    await startWorkers();
  };
  /** The schedule of the 'vib' + 'fine-tune' epochs, resumed from the checkpoint when it has one. */
  const startSchedule = async () => {
    const run = options.schedule;
    const validation = run.validation;
    schedule = new VIBSchedule({
      policy: run.policy(),
      measureAccuracy: async () => (validation ? (await evaluate(model, validation)).accuracy : null),
      chanceAccuracy: run.chanceAccuracy,
      warmupEpochs: run.warmupEpochs,
      fineTuneEpochs: planned.fineTune,
      controlsPerEpoch: run.controlsPerEpoch ?? 1,
      hooks: {
        applied: sendSettings,
        // Weights written back on the main thread: the workers start again from them.
        restored: () => startWorkers(),
        beforeMeasure: () => syncFromWorkers(),
        learningRateScale: scaleLearningRate,
        // The fine-tune starts from fresh moments (the state may just have been rolled back).
        fineTuneStarted: async () => {
          if (!finished) await startPhase(false);
        },
      },
    });
    if (state.schedule) {
      const savedSchedule: SavedSchedule = { state: state.schedule, tensors: saved[SCHEDULE_TENSORS] ?? {} };
      schedule.resume(savedSchedule);
      await schedule.begin(model, { epochs: planned.scheduled, stepsPerEpoch: options.train.batchesPerEpoch });
      tf.dispose(Object.values(savedSchedule.tensors));
      delete saved[SCHEDULE_TENSORS];
    } else {
      await schedule.begin(model, { epochs: planned.scheduled, stepsPerEpoch: options.train.batchesPerEpoch });
    }
  };

  try {
    for (let index = state.completedEpochs; index < totalEpochs; index++) {
      const epoch = index + 1;
      const inSchedule = index >= planned.plain;
      if (index === planned.plain && index > 0) {
        // The pre-trained route: the plain model gets its gates.
        const vib = options.toVib!(model);
        model.dispose();
        model = vib;
      }
      // The first epoch of this process continues the checkpoint's moments; the schedule starts fresh ones.
      if (index === resumedFrom) await startPhase(resumedFrom > 0 && !(index === planned.plain && state.schedule == null));
      else if (index === planned.plain) await startPhase(false);
      if (inSchedule && schedule == null) await startSchedule();
      const current = schedule as VIBSchedule | null;
      if (current) await current.epochBegin(index - planned.plain);
      const phase: Phase = current == null ? 'plain' : current.stage === 'fine-tune' ? 'fine-tune' : 'vib';
      const stage = current == null ? 'plain' : current.stage;
      const phaseEpoch = state.history.filter((r) => r.phase === phase).length + 1;
      /** A fresh noise stream on the model and the workers (again after a mid-epoch shrink). */
      const restartNoise = async () => {
        resetGateNoise(model);
        await (dp as DataParallelTrainer | null)?.resetNoise();
      };
      await restartNoise();

      const started = performance.now();
      const label = phase === 'plain' ? `plain ${epoch}/${planned.plain}` : `${phase} (epoch ${epoch}/${totalEpochs})`;
      const bar = epochProgress(label, options.train.batchesPerEpoch, options.progress);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batches = 0;
      for await (const batch of options.train.batches(epoch)) {
        await current?.batchBegin();
        const seedOfStep = dropoutSeed(options.seed, index * 100_000 + batches);
        let batchCorrect = 0;
        let loss: number;
        const parallel = dp as DataParallelTrainer | null;
        if (parallel != null) {
          // Worker 0 seeds its Dropout layers as setDropoutSeeds does; the others are offset.
          await parallel.setDropoutSeed(seedOfStep);
          ({ loss, correct: batchCorrect } = await parallel.trainOnBatch(batch.xs, batch.ys));
        } else {
          setDropoutSeeds(model, seedOfStep);
          const labels = await labelsOf(batch);
          loss = trainer!.step(() => {
            const probabilities = model.apply(batch.xs, { training: true }) as tf.Tensor;
            const predicted = tf.argMax(probabilities, -1).dataSync();
            for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) batchCorrect++;
            return categoricalCrossentropy(batch.ys, probabilities);
          });
        }
        tf.dispose([batch.xs, batch.ys]);
        killPoint(`${phase}-batch`);
        // Nothing of a diverged epoch is kept: its checkpoint is never written, the last one stays.
        assertFiniteLoss({ epoch, batch: batches, loss }, divergedAdvice());
        lossSum += loss * batch.size;
        correct += batchCorrect;
        seen += batch.size;
        batches++;
        bar.tick({ loss: lossSum / seen, accuracy: correct / seen });
        await current?.batchEnd(loss);
        if (shrinkSettings && phase !== 'plain' && midEpochCheckAfter(batches, options.train.batchesPerEpoch, shrinkChecks)) {
          await syncFromWorkers();
          // A shrunk model starts a new noise stream: restart it in mode 'mask' too, so both modes draw alike.
          if (await runShrinkCheck(shrinkSettings)) await restartNoise();
        }
      }
      bar.stop();
      if (seen === 0) throw new Error(`epoch ${epoch}: the training source gave no batches`);
      // Weights and moments back from the workers once: the schedule's epoch end writes to the main
      // thread's model (and restarts the workers from it) if it writes at all.
      await syncFromWorkers();
      assertFiniteWeights(model.weights, epoch, divergedAdvice());
      await current?.epochEnd(index - planned.plain);
      if (epoch === totalEpochs) {
        finished = true;
        await current?.end();
      }
      const test = options.test ? await evaluate(model, options.test) : null;
      const kept = keptCounts(model);
      if (kept && state.totals == null) state.totals = { inputs: kept.totalInputs, units: kept.totalUnits };
      if (shrinkSettings && phase !== 'plain') await runShrinkCheck(shrinkSettings);
      const physical = findRecurrentLayer(model);
      const record: EpochRecord = {
        phase,
        stage,
        epoch,
        phaseEpoch,
        klFac: current ? current.klFac : null,
        loss: lossSum / seen,
        trainAccuracy: correct / seen,
        testAccuracy: test?.accuracy ?? null,
        testLoss: test?.loss ?? null,
        validationAccuracy: current?.records.at(-1)?.progress === index - planned.plain + 1 ? current.records.at(-1)!.validationAccuracy : null,
        keptInputs: kept?.inputs ?? null,
        keptUnits: kept?.units ?? null,
        modelInputs: physical ? physical.cell.liveInputs : null,
        modelUnits: physical ? physical.cell.liveUnits : null,
        batches,
        seconds: (performance.now() - started) / 1000,
      };
      state.history.push(record);
      state.completedEpochs = epoch;
      metrics.append(record);
      killPoint('metrics-appended');
      try {
        await saveState(checkpointDir, model, optimizers!, state, current);
      } catch (error) {
        const done = state.history.length - 1;
        throw Object.assign(new Error(`epoch ${epoch}'s checkpoint: ${(error as Error).message} Fix that and run with --resume: it goes on after epoch ${done}.`), { cause: error });
      }
      const totals = state.totals ? { totalInputs: state.totals.inputs, totalUnits: state.totals.units } : kept;
      log(formatEpoch(record, totalEpochs, totals));
      options.onEpoch?.(record);
    }
  } catch (error) {
    // The caller never gets the model of a run that failed.
    model.dispose();
    throw error;
  } finally {
    (trainer as VIBTrainer | null)?.dispose();
    await (dp as DataParallelTrainer | null)?.dispose();
    for (const map of Object.values(saved)) tf.dispose(Object.values(map));
  }
  // A run resumed after its last epoch still ends in the fine-tune state.
  if (resumedFrom === totalEpochs && planned.scheduled > 0) freezeMasks(model);
  return { model, history: state.history, resumedFrom };
}

/**
 * The epoch's checkpoint. Saved unfrozen: a gate weight created non-trainable
 * (as loading a frozen config does) never joins the layer's trainable weights
 * again, so a resumed run could not unfreeze it. The schedule re-freezes on load.
 */
async function saveState(dir: string, model: tfl.LayersModel, optimizers: { gate: LeanAdam; rest: LeanAdam }, state: SessionState, schedule: VIBSchedule | null) {
  const scheduleSaved = schedule?.save() ?? null;
  state.schedule = scheduleSaved?.state;
  const frozen = gatedLayers(model).some((l) => l.vibGates.some((g) => g.settings.frozenMask));
  if (frozen) setFrozenMask(model, false);
  try {
    await saveCheckpoint(dir, model, optimizers, state, scheduleSaved ? { [SCHEDULE_TENSORS]: scheduleSaved.tensors } : {});
  } finally {
    if (frozen) setFrozenMask(model, true);
    if (scheduleSaved) tf.dispose(Object.values(scheduleSaved.tensors));
  }
}

export function formatEpoch(r: EpochRecord, total: number, kept?: { totalInputs: number; totalUnits: number } | null): string {
  const parts = [
    `epoch ${String(r.epoch).padStart(3)}/${total} ${r.phase.padEnd(9)}`,
    `loss ${r.loss.toFixed(4)}`,
    `train ${(100 * r.trainAccuracy).toFixed(1)}%`,
  ];
  if (r.testAccuracy != null) parts.push(`test ${(100 * r.testAccuracy).toFixed(1)}%`);
  if (r.klFac != null) parts.push(`klFac ${r.klFac.toExponential(1)}`);
  if (r.keptInputs != null) parts.push(`inputs ${r.keptInputs}${kept ? `/${kept.totalInputs}` : ''}`);
  if (r.keptUnits != null) parts.push(`units ${r.keptUnits}${kept ? `/${kept.totalUnits}` : ''}`);
  if (r.modelInputs != null && kept != null && (r.modelInputs < kept.totalInputs || (r.modelUnits ?? 0) < kept.totalUnits)) {
    parts.push(`model ${r.modelInputs}x${r.modelUnits}`);
  }
  parts.push(`${r.seconds.toFixed(1)}s`);
  return parts.join('  ');
}
