import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LeanAdam, VIBTrainer, assertNonNegative, assertPositive, categoricalCrossentropy, gatedLayers, setFrozenMask, setKlFac } from '@tfjs-compress/vib';
import { hasCheckpoint, loadCheckpoint, restoreOptimizer, saveCheckpoint } from './checkpoint.js';
import { setDropoutSeeds } from './dropout-seeds.js';
import { evaluate, labelsOf, type BatchSource } from './evaluate.js';
import { MetricsLog } from './metrics-log.js';
import { epochProgress } from './progress.js';
import { freezeMasks, keptCounts, resetGateNoise } from './vib-model.js';

/**
 * Training stages, run in this order (stages with 0 epochs are skipped):
 * 'plain' trains the model without gates (the pre-trained route), 'vib'
 * trains with the KL term (after `toVib` converted a plain model), 'fine-tune'
 * trains with frozen hard masks.
 */
export type Phase = 'plain' | 'vib' | 'fine-tune';
export const PHASES: readonly Phase[] = ['plain', 'vib', 'fine-tune'];

export interface EpochRecord {
  phase: Phase;
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
  keptInputs: number | null;
  keptUnits: number | null;
  batches: number;
  seconds: number;
}

/** What the checkpoint keeps besides the model and the optimizers. */
export interface SessionState {
  completedEpochs: number;
  history: EpochRecord[];
  /** Free-form data of the app (e.g. its options), saved with every checkpoint. */
  meta: Record<string, unknown>;
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
  /** klFac at each epoch of the 'vib' phase (1-based). Default: the layers' own. */
  klFacAt?: (vibEpoch: number) => number;
  /**
   * Freeze the gates (identity, no noise, not trained) in 'vib' epochs whose
   * klFac is 0, i.e. during the KL warm-up: the model then trains as a plain
   * LSTM first, and the gate parameters, with their large learning rate, do
   * not random-walk before the KL term gives them a direction. Default: true.
   */
  freezeGatesInWarmup?: boolean;
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

interface PlannedEpoch {
  phase: Phase;
  phaseEpoch: number;
}

function plan(epochs: Partial<Record<Phase, number>>): PlannedEpoch[] {
  const list: PlannedEpoch[] = [];
  for (const phase of PHASES) {
    const n = epochs[phase] ?? 0;
    assertNonNegative(n, `epochs.${phase}`);
    for (let e = 1; e <= n; e++) list.push({ phase, phaseEpoch: e });
  }
  return list;
}

/** Seeds derived from the run seed, far apart so streams do not overlap. */
const dropoutSeed = (seed: number, step: number) => seed * 1_000_003 + step * 31 + 11;

/**
 * A resumable training run: phases (plain -> vib -> fine-tune), two
 * learning rates, seeded everything, a progress bar per epoch, one JSONL
 * metrics line and one atomic checkpoint (model, the LeanAdam state of both
 * optimizers, history) per epoch. Killed at any time, `resume: true` goes on
 * from the last checkpoint and ends with what an uninterrupted run gives:
 * gate noise restarts each epoch and dropout seeds follow the global step,
 * so no random stream needs saving.
 */
export async function runTraining(options: TrainingSessionOptions): Promise<TrainingResult> {
  assertPositive(options.lr, 'lr');
  assertPositive(options.ibLr, 'ibLr');
  const log = options.log ?? console.log;
  const epochs = plan(options.epochs);
  if ((options.epochs.plain ?? 0) > 0 && options.toVib == null) throw new Error('runTraining: a plain phase needs toVib');
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
    log(`resuming from ${loaded.dir}: ${state.completedEpochs} of ${epochs.length} epochs done`);
  } else {
    model = options.buildModel();
    state = { completedEpochs: 0, history: [], meta: options.meta ?? {} };
    await metrics.rewrite([]);
  }
  const resumedFrom = state.completedEpochs;
  if (state.completedEpochs > 0 && epochs[state.completedEpochs - 1]?.phase === 'fine-tune') freezeMasks(model);

  let trainer: VIBTrainer | null = null;
  let optimizers: { gate: LeanAdam; rest: LeanAdam } | null = null;
  const startPhase = async (restore: boolean) => {
    trainer?.dispose();
    const made: LeanAdam[] = [];
    // Built here (not inside VIBTrainer) so that checkpoints can read and restore their moments.
    trainer = new VIBTrainer(model, {
      lr: options.lr,
      ibLr: options.ibLr,
      weightDecay: options.weightDecay ?? 0,
      optimizer: (rate) => {
        const o = new LeanAdam(rate);
        made.push(o);
        return o;
      },
    });
    optimizers = { gate: made[0], rest: made[1] };
    if (restore) {
      await restoreOptimizer(optimizers.gate, model, saved.gate);
      await restoreOptimizer(optimizers.rest, model, saved.rest);
    } else {
      for (const map of Object.values(saved)) tf.dispose(Object.values(map));
    }
    saved = {};
  };

  for (let index = state.completedEpochs; index < epochs.length; index++) {
    const { phase, phaseEpoch } = epochs[index];
    const epoch = index + 1;
    const phaseChanged = index > 0 && epochs[index - 1].phase !== phase;
    if (phaseChanged) {
      if (phase === 'vib' && epochs[index - 1].phase === 'plain') {
        const vib = options.toVib!(model);
        model.dispose();
        model = vib;
      }
      if (phase === 'fine-tune') freezeMasks(model);
    }
    // A new phase starts fresh optimizers; the first epoch after a resume
    // continues the checkpoint's when it is in the same phase.
    if (index === resumedFrom) await startPhase(resumedFrom > 0 && !phaseChanged);
    else if (phaseChanged) await startPhase(false);
    const klFac = phase === 'vib' && options.klFacAt ? options.klFacAt(phaseEpoch) : null;
    if (klFac != null) setKlFac(model, klFac);
    if (phase === 'vib' && (options.freezeGatesInWarmup ?? true)) setFrozenMask(model, klFac === 0);
    resetGateNoise(model);

    const started = performance.now();
    const bar = epochProgress(`${phase} ${phaseEpoch}/${options.epochs[phase]} (epoch ${epoch}/${epochs.length})`, options.train.batchesPerEpoch, options.progress);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let batches = 0;
    for await (const batch of options.train.batches(epoch)) {
      setDropoutSeeds(model, dropoutSeed(options.seed, index * 100_000 + batches));
      const labels = await labelsOf(batch);
      let batchCorrect = 0;
      const loss = trainer!.step(() => {
        const probabilities = model.apply(batch.xs, { training: true }) as tf.Tensor;
        const predicted = tf.argMax(probabilities, -1).dataSync();
        for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) batchCorrect++;
        return categoricalCrossentropy(batch.ys, probabilities);
      });
      tf.dispose([batch.xs, batch.ys]);
      lossSum += loss * batch.size;
      correct += batchCorrect;
      seen += batch.size;
      batches++;
      bar.tick({ loss: lossSum / seen, accuracy: correct / seen });
    }
    bar.stop();
    if (seen === 0) throw new Error(`epoch ${epoch}: the training source gave no batches`);
    const test = options.test ? await evaluate(model, options.test) : null;
    const kept = keptCounts(model);
    const record: EpochRecord = {
      phase,
      epoch,
      phaseEpoch,
      klFac,
      loss: lossSum / seen,
      trainAccuracy: correct / seen,
      testAccuracy: test?.accuracy ?? null,
      testLoss: test?.loss ?? null,
      keptInputs: kept?.inputs ?? null,
      keptUnits: kept?.units ?? null,
      batches,
      seconds: (performance.now() - started) / 1000,
    };
    state.history.push(record);
    state.completedEpochs = epoch;
    metrics.append(record);
    // Saved unfrozen: a gate weight created non-trainable (as loading a
    // frozen config does) never joins the layer's trainable weights again,
    // so a resumed run could not unfreeze it. The phase re-freezes on load.
    const frozen = gatedLayers(model).some((l) => l.vibGates.some((g) => g.settings.frozenMask));
    if (frozen) setFrozenMask(model, false);
    await saveCheckpoint(checkpointDir, model, { gate: optimizers!.gate, rest: optimizers!.rest }, state);
    if (frozen) setFrozenMask(model, true);
    log(formatEpoch(record, epochs.length, kept));
    options.onEpoch?.(record);
  }
  (trainer as VIBTrainer | null)?.dispose();
  for (const map of Object.values(saved)) tf.dispose(Object.values(map));
  return { model, history: state.history, resumedFrom };
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
  parts.push(`${r.seconds.toFixed(1)}s`);
  return parts.join('  ');
}
