import type * as tf from '@tensorflow/tfjs-core';
import type { FitRecord } from '@tfjs-compress/vib';
import type { KeptState } from './held-states.js';
import type { ControlSignal, KlPolicy } from './kl-policy.js';

/**
 * Share of the run's epochs trained with klFac = 0 first (gates frozen at
 * identity). From scratch the gates otherwise shut in the first epoch: the
 * task gradient is still weak and the KL term (about 9 per unit at init) wins.
 */
export const DEFAULT_WARMUP_FRACTION = 0.2;
/** Share of the run's epochs kept at the end for the frozen-mask fine-tune. */
export const DEFAULT_FINE_TUNE_FRACTION = 0.2;
/**
 * The fine-tune anneals the learning rate (cosine) from the optimizer's own
 * down to this share of it: the masks are final, and a settling model is
 * judged (candidate trial) and kept at its best rather than mid-oscillation.
 */
export const DEFAULT_FINE_TUNE_FINAL_LR_SCALE = 0.1;
/**
 * Each recovery window of an accuracy budget anneals the learning rate the
 * same way (cosine, back to 1 when compression resumes): the window's judged
 * last half then measures a settled model, as the fine-tune will leave it,
 * rather than one mid-oscillation at the full rate.
 */
export const DEFAULT_RECOVERY_FINAL_LR_SCALE = 0.1;
/** Control points (klFac updates, validation checks) per epoch. */
export const DEFAULT_CONTROLS_PER_EPOCH = 4;
/** Rejected states kept for the candidate trial (see `VIBScheduleOptions.maxCandidates`). */
export const DEFAULT_MAX_CANDIDATES = 2;
/**
 * Accuracy budget: a model whose validation accuracy before training covers
 * at least this fraction of the way from chance (the majority class's share)
 * to 100% arrives trained (e.g. from `insertBottlenecks`): it skips the
 * warm-up and is held to the accuracy it arrived with.
 */
export const DEFAULT_TRAINED_FRACTION = 0.5;

export type ScheduleStage = 'warmup' | 'vib' | 'fine-tune';

export interface VIBScheduleOptions {
  policy: KlPolicy;
  /** Validation accuracy of the model now (soft gates as trained), or null without validation data. */
  measureAccuracy: () => Promise<number | null> | number | null;
  /** Chance accuracy of the validation data (the majority class's share), for the trained-arrival rule. */
  chanceAccuracy?: number;
  /** Epochs trained first with frozen identity gates and no KL. Default: 20% of the run (0 for a trained arrival under the budget). */
  warmupEpochs?: number;
  /** Epochs at the end trained with frozen hard masks. Default: 20% of the run. */
  fineTuneEpochs?: number;
  /** Default: 4. */
  controlsPerEpoch?: number;
  /** In (0, 1]: the learning rate's share at the end of each fine-tune segment (1 turns the annealing off). Default: 0.1. */
  fineTuneFinalLrScale?: number;
  /** In (0, 1]: the learning rate's share at the end of each recovery window of a policy that has them (1 turns the annealing off). Default: 0.1. */
  recoveryFinalLrScale?: number;
  /** In (0, 1]; 1 turns the trained-arrival rule off. Default: 0.5. */
  trainedFraction?: number;
  /**
   * Rejected states kept as weight copies: those nearest above the kept
   * state's compression. With a policy that `acceptsCandidate`, the nearest
   * is fine-tuned for the first half of the fine-tune and judged: a short
   * recovery can be too short for a large step. Kept if the policy accepts
   * it, else the kept state is restored for the second half. Default: 2.
   */
  maxCandidates?: number;
  onRecord?: (record: FitRecord) => void;
  /**
   * What the host (a fit loop, or a trainer whose weights live in workers)
   * must mirror: the klFac and frozen state just set on the model, weights
   * just written back, and the start of the fine-tune (fresh optimizer
   * moments). `beforeMeasure` runs before the model is measured (sync
   * weights back from workers).
   */
  hooks?: ScheduleHooks;
}

export interface ScheduleHooks {
  applied?(klFac: number, frozen: boolean): void | Promise<void>;
  restored?(): void | Promise<void>;
  fineTuneStarted?(): void | Promise<void>;
  beforeMeasure?(): void | Promise<void>;
  /** The factor on the optimizer's learning rates from the next step on (the annealing of recovery windows and of the fine-tune; 1 again at the end). */
  learningRateScale?(scale: number): void | Promise<void>;
}

/** The schedule's JSON state at an epoch end; the kept weights travel as tensors beside it. */
export interface VIBScheduleState {
  version: 1;
  epochs: number;
  warmupEpochs: number;
  fineTuneEpochs: number;
  stepsPerEpoch: number | null;
  stage: ScheduleStage;
  begun: boolean;
  klFac: number | null;
  frozen: boolean | null;
  arrival: { validationAccuracy: number; trained: boolean } | null;
  selected: SelectedState | null;
  lastSignal: ControlSignal | null;
  kept: KeptState | null;
  candidates: number[];
  trial: (KeptState & { judgeAt: number }) | null;
  /** Where the current fine-tune segment (the annealing) began, in epochs; absent before the fine-tune. */
  fineTuneFrom?: number | null;
  records: FitRecord[];
  policy: unknown;
  /** Positions of the gated layers' random streams (`noisePositions`). */
  noise: number[][];
}

/** Weights of the kept state and the candidates, by `kept/<weight>` and `candidate<i>/<weight>`. */
export interface SavedSchedule {
  state: VIBScheduleState;
  tensors: tf.NamedTensorMap;
}

/** The state chosen for the fine-tune: where it was taken, its klFac, compression and accuracy. */
export interface SelectedState {
  progress: number;
  klFac: number;
  compression: number;
  validationAccuracy: number | null;
}
